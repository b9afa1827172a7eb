import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { isUuid } from '../../db/tenant.ts';
import { AppError } from '../../platform/errors.ts';
import type { JobQueue } from '../../platform/jobs.ts';
import { changeMembership, listMembers, type Role } from '../accounts/accounts.service.ts';
import type { SessionStarter } from '../identity/auth.routes.ts';
import { presentAccount, presentUser } from '../identity/auth.schema.ts';
import { revokeOtherSessions } from '../identity/sessions.service.ts';
import {
  acceptInvitation,
  createInvitation,
  type Invitation,
  listPendingInvitations,
  revokeInvitation,
} from './invitations.service.ts';
import {
  acceptBody,
  acceptReply,
  invitationParams,
  inviteBody,
  inviteReply,
  memberParams,
  memberSchema,
  roleBody,
  teamSchema,
} from './team.schema.ts';

export type TeamRouteDeps = {
  db: Database;
  /** Queues the invitation email; absent only in tests that do not look at mail. */
  jobs?: JobQueue | undefined;
  /** Signs the new user in after accepting (the identity module's session start). */
  startSession: SessionStarter;
};

function presentInvitation(i: Invitation) {
  return {
    id: i.id,
    email: i.email,
    role: i.role as Role,
    expiresAt: i.expiresAt.toISOString(),
    createdAt: i.createdAt.toISOString(),
  };
}

/** The team of the active account: members, invitations, roles; and accepting an invitation. */
export function registerTeamRoutes(app: FastifyInstance, deps: TeamRouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['team'];

  r.get(
    '/api/v1/account/members',
    {
      config: { auth: 'member', scope: 'account:read' },
      schema: { tags, summary: 'Members and pending invitations', response: { 200: teamSchema } },
    },
    async (request) => {
      const { accountId } = request.auth!;
      const [members, invitations] = await Promise.all([
        listMembers(deps.db, accountId),
        listPendingInvitations(deps.db, accountId),
      ]);
      return {
        data: members.map((m) => ({ ...m, joinedAt: m.joinedAt.toISOString() })),
        invitations: invitations.map(presentInvitation),
      };
    },
  );

  r.post(
    '/api/v1/account/members',
    {
      config: { auth: 'admin', scope: null },
      schema: {
        tags,
        summary: 'Invite someone by email with a role',
        body: inviteBody,
        response: { 201: inviteReply },
      },
    },
    async (request, reply) => {
      const auth = request.auth!;
      const { invitation } = await createInvitation(
        deps.db,
        auth.accountId,
        {
          email: request.body.email,
          role: request.body.role,
          invitedByUserId: auth.via === 'session' ? auth.userId : null,
          inviterRole: auth.role,
        },
        { jobs: deps.jobs },
      );
      return reply.code(201).send({ invitation: presentInvitation(invitation) });
    },
  );

  r.patch(
    '/api/v1/account/members/:userId',
    {
      config: { auth: 'admin', scope: null },
      schema: {
        tags,
        summary: "Change a member's role",
        params: memberParams,
        body: roleBody,
        response: { 200: memberSchema },
      },
    },
    async (request) => {
      const auth = request.auth!;
      const { userId } = request.params;
      if (!isUuid(userId)) throw new AppError('not_found', 'MEMBER_NOT_FOUND', 'No such member');
      await changeMembership(deps.db, auth.accountId, {
        actorUserId: auth.userId,
        actorRole: auth.role,
        userId,
        role: request.body.role,
      });
      // A change of privileges ends the member's other sessions: they sign in again.
      if (userId !== auth.userId) await revokeOtherSessions(deps.db, userId, 'role_changed');
      const member = (await listMembers(deps.db, auth.accountId)).find((m) => m.userId === userId);
      if (!member) throw new AppError('not_found', 'MEMBER_NOT_FOUND', 'No such member'); // removed meanwhile
      return { ...member, joinedAt: member.joinedAt.toISOString() };
    },
  );

  r.delete(
    '/api/v1/account/members/:userId',
    {
      // Members may remove themselves (leave); removing others needs an admin (checked below).
      config: { auth: 'member', scope: null },
      schema: {
        tags,
        summary: 'Remove a member, or leave',
        params: memberParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const auth = request.auth!;
      const { userId } = request.params;
      if (!isUuid(userId)) throw new AppError('not_found', 'MEMBER_NOT_FOUND', 'No such member');
      const isSelf = userId === auth.userId;
      if (!isSelf && auth.role !== 'owner' && auth.role !== 'admin') {
        throw new AppError('forbidden', 'AUTH_FORBIDDEN', 'Your role does not allow this');
      }
      await changeMembership(deps.db, auth.accountId, {
        actorUserId: auth.userId,
        actorRole: auth.role,
        userId,
        role: null,
      });
      if (!isSelf) await revokeOtherSessions(deps.db, userId, 'removed');
      return reply.code(204).send(null);
    },
  );

  r.delete(
    '/api/v1/account/invitations/:id',
    {
      config: { auth: 'admin', scope: null },
      schema: {
        tags,
        summary: 'Revoke a pending invitation',
        params: invitationParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const auth = request.auth!;
      await revokeInvitation(deps.db, auth.accountId, request.params.id, auth.userId);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/v1/invitations/accept',
    {
      config: { auth: 'public' },
      schema: { tags, summary: 'Accept an invitation', body: acceptBody, response: { 200: acceptReply } },
    },
    async (request, reply) => {
      const { account, user, created } = await acceptInvitation(deps.db, request.body);
      // A new user is signed in at once; an existing user signs in as usual (we do not know it is them).
      if (created) await deps.startSession(request, reply, user.id, account.id);
      return { user: presentUser(user), account: presentAccount(account), signedIn: created };
    },
  );
}
