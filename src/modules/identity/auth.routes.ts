import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { withSystem } from '../../db/tenant.ts';
import { AppError } from '../../platform/errors.ts';
import type { JobQueue } from '../../platform/jobs.ts';
import { hashIp } from '../../platform/tokens.ts';
import { findUserById, getRole, listMembershipsOfUser } from '../accounts/accounts.service.ts';
import { requireSession } from './api-keys.service.ts';
import {
  loginBody,
  meSchema,
  passwordBody,
  presentAccount,
  presentUser,
  resetConfirmBody,
  resetRequestBody,
  signupBody,
  switchBody,
  switchReply,
  tokenBody,
  userAndAccount,
} from './auth.schema.ts';
import { sessionCookieName } from './authenticate.ts';
import {
  checkVerificationResend,
  confirmPasswordReset,
  requestPasswordReset,
  verifyEmail,
} from './emails.service.ts';
import { sendPasswordResetEmailJob, sendVerificationEmailJob } from './identity.jobs.ts';
import { changePassword, login } from './login.service.ts';
import {
  createSession,
  logout,
  resolveSession,
  revokeSession,
  type SessionPolicy,
} from './sessions.service.ts';
import { signup } from './signup.service.ts';

export type IdentityRouteDeps = {
  db: Database;
  isHttps: boolean;
  pepper: string;
  policy: SessionPolicy;
  /** Queues identity emails; absent only in tests that do not look at mail. */
  jobs?: JobQueue | undefined;
};

export type SessionStarter = (
  request: FastifyRequest,
  reply: FastifyReply,
  userId: string,
  accountId: string | null,
) => Promise<void>;

/** Starts a new session for a user: the old one (if any) is revoked, the cookie replaced. */
export function sessionStarter(deps: IdentityRouteDeps): SessionStarter {
  const cookie = sessionCookieName(deps.isHttps);
  return async (request, reply, userId, accountId) => {
    const old = request.cookies[cookie];
    if (old) {
      const previous = await resolveSession(deps.db, old, deps.policy);
      if (previous) await revokeSession(deps.db, previous.id, 'rotated');
    }
    const session = await createSession(
      deps.db,
      {
        userId,
        accountId,
        ipHash: hashIp(request.ip, deps.pepper),
        userAgent: request.headers['user-agent'] ?? null,
      },
      deps.policy,
    );
    reply.setCookie(cookie, session.token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: deps.isHttps,
      path: '/',
      expires: session.expiresAt,
    });
  };
}

/** Sign-up, sign-in, sign-out, who am I, and switching the active account. */
export function registerAuthRoutes(app: FastifyInstance, deps: IdentityRouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const cookie = sessionCookieName(deps.isHttps);
  const ipHashOf = (request: FastifyRequest) => hashIp(request.ip, deps.pepper);
  const startSession = sessionStarter(deps);

  r.post(
    '/api/v1/auth/signup',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['identity'],
        summary: 'Create an account and its owner',
        body: signupBody,
        response: { 201: userAndAccount },
      },
    },
    async (request, reply) => {
      const { user, account } = await signup(deps.db, request.body, { jobs: deps.jobs });
      await startSession(request, reply, user.id, account.id);
      return reply.code(201).send({ user: presentUser(user), account: presentAccount(account) });
    },
  );

  r.post(
    '/api/v1/auth/login',
    {
      config: { auth: 'public' },
      schema: { tags: ['identity'], summary: 'Sign in', body: loginBody, response: { 200: userAndAccount } },
    },
    async (request, reply) => {
      const { user, account } = await login(deps.db, { ...request.body, ipHash: ipHashOf(request) });
      await startSession(request, reply, user.id, account?.id ?? null);
      return { user: presentUser(user), account: account ? presentAccount(account) : null };
    },
  );

  r.post(
    '/api/v1/auth/logout',
    {
      config: { auth: 'public' },
      schema: { tags: ['identity'], summary: 'Sign out', response: { 204: z.null() } },
    },
    async (request, reply) => {
      const token = request.cookies[cookie];
      if (token) await logout(deps.db, token, deps.policy, ipHashOf(request));
      reply.clearCookie(cookie, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/v1/auth/verify-email',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['identity'],
        summary: 'Confirm an email address',
        body: tokenBody,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await verifyEmail(deps.db, request.body.token);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/v1/auth/verify-email/resend',
    {
      config: { auth: 'member', scope: null },
      schema: {
        tags: ['identity'],
        summary: 'Email the signed-in user a new verification link (three an hour)',
        response: { 202: z.null() },
      },
    },
    async (request, reply) => {
      // A person's own address: a session, not an API key (which acts for the account).
      const { userId, accountId } = requireSession(request);
      await checkVerificationResend(deps.db, userId);
      const jobs = deps.jobs;
      if (jobs) {
        // The job sends only while the hour's limit allows, so clicks queued at once add nothing.
        await withSystem(deps.db, 'identity: queue verification email', (_tx, client) =>
          jobs.enqueue(client, sendVerificationEmailJob, { accountId, userId }),
        );
      }
      return reply.code(202).send(null);
    },
  );

  r.post(
    '/api/v1/auth/password-reset',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['identity'],
        summary: 'Email a password reset link (always 202)',
        body: resetRequestBody,
        response: { 202: z.null() },
      },
    },
    async (request, reply) => {
      const userId = await requestPasswordReset(deps.db, request.body.email);
      const jobs = deps.jobs;
      if (userId && jobs) {
        await withSystem(deps.db, 'identity: queue password reset email', (_tx, client) =>
          jobs.enqueue(client, sendPasswordResetEmailJob, { userId }),
        );
      }
      return reply.code(202).send(null);
    },
  );

  r.post(
    '/api/v1/auth/password-reset/confirm',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['identity'],
        summary: 'Set a new password with a reset token (all sessions end)',
        body: resetConfirmBody,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await confirmPasswordReset(deps.db, request.body.token, request.body.password);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/v1/auth/password',
    {
      config: { auth: 'member', scope: null },
      schema: {
        tags: ['identity'],
        summary: 'Change your password (other sessions end)',
        body: passwordBody,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const auth = requireSession(request);
      await changePassword(deps.db, {
        userId: auth.userId,
        accountId: auth.accountId,
        sessionId: auth.sessionId!,
        currentPassword: request.body.currentPassword,
        newPassword: request.body.newPassword,
      });
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/api/v1/me',
    {
      config: { auth: 'member', scope: null },
      schema: { tags: ['identity'], summary: 'The signed-in user', response: { 200: meSchema } },
    },
    async (request) => {
      const auth = requireSession(request);
      const user = await findUserById(deps.db, auth.userId);
      if (!user) throw new AppError('unauthorized', 'AUTH_REQUIRED', 'Sign in again');
      const memberships = await listMembershipsOfUser(deps.db, auth.userId);
      return {
        user: presentUser(user),
        memberships: memberships.map((m) => ({ account: presentAccount(m.account), role: m.role })),
        activeAccountId: auth.accountId,
      };
    },
  );

  r.put(
    '/api/v1/session',
    {
      config: { auth: 'member', scope: null },
      schema: {
        tags: ['identity'],
        summary: 'Switch the active account',
        body: switchBody,
        response: { 200: switchReply },
      },
    },
    async (request, reply) => {
      const auth = requireSession(request);
      const { accountId } = request.body;
      const role = await getRole(deps.db, accountId, auth.userId);
      const membership = role
        ? (await listMembershipsOfUser(deps.db, auth.userId)).find((m) => m.account.id === accountId)
        : undefined;
      // Not a member answers exactly as a missing account does.
      if (!role || !membership) throw new AppError('not_found', 'ACCOUNT_NOT_FOUND', 'No such account');
      // A change of privileges gets a new session token.
      await startSession(request, reply, auth.userId, accountId);
      return { account: presentAccount(membership.account), role };
    },
  );
}
