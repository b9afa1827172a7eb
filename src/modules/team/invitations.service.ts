import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import type { invitations } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { AppError, invalid } from '../../platform/errors.ts';
import { checkPasswordPolicy, hashPassword } from '../../platform/passwords.ts';
import { hashToken, newToken } from '../../platform/tokens.ts';
import {
  type Account,
  findAccountById,
  findUserByEmail,
  joinAccountInTx,
  type Role,
  type User,
} from '../accounts/accounts.service.ts';
import { recordAudit } from '../audit/audit.service.ts';
import {
  findPendingInvitations,
  getPendingInvitationByHash,
  insertInvitation,
  markInvitation,
} from './invitations.repo.ts';

export type Invitation = typeof invitations.$inferSelect;

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The token handed to the invitee: `<accountId>.<secret>`. The account id is not secret; it
 * lets acceptance open that tenant's transaction and find the invitation by (account, hash).
 */
export function invitationToken(accountId: string, secret: string): string {
  return `${accountId}.${secret}`;
}

/** Creates an invitation and records it in the audit log; returns the token (shown once). */
export async function createInvitation(
  db: Database,
  accountId: string,
  input: { email: string; role: Role; invitedByUserId: string | null; inviterRole?: Role },
): Promise<{ invitation: Invitation; token: string }> {
  if (input.role === 'owner' && input.inviterRole && input.inviterRole !== 'owner') {
    throw new AppError('forbidden', 'OWNER_ONLY', 'Only an owner can invite another owner');
  }
  const secret = newToken();
  const invitation = await withTenant(db, accountId, async (tx) => {
    const row = await insertInvitation(tx, {
      accountId,
      id: crypto.randomUUID(),
      email: input.email.trim().toLowerCase(),
      role: input.role,
      tokenHash: hashToken(secret),
      invitedByUserId: input.invitedByUserId,
      expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
    });
    await recordAudit(tx, {
      accountId,
      action: 'invitation.sent',
      actorUserId: input.invitedByUserId,
      target: { type: 'invitation', id: row.id },
      details: { role: input.role },
    });
    return row;
  });
  return { invitation, token: invitationToken(accountId, secret) };
}

export function listPendingInvitations(db: Database, accountId: string): Promise<Invitation[]> {
  return withTenant(db, accountId, (tx) => findPendingInvitations(tx, accountId));
}

export async function revokeInvitation(db: Database, accountId: string, id: string, actorUserId: string) {
  const done = UUID.test(id)
    ? await withTenant(db, accountId, async (tx) => {
        const ok = await markInvitation(tx, accountId, id, 'revokedAt');
        if (ok) {
          await recordAudit(tx, {
            accountId,
            action: 'invitation.revoked',
            actorUserId,
            target: { type: 'invitation', id },
          });
        }
        return ok;
      })
    : false;
  if (!done) throw new AppError('not_found', 'INVITATION_NOT_FOUND', 'No such invitation');
}

const INVALID_TOKEN = () =>
  new AppError(
    'not_found',
    'INVITATION_NOT_FOUND',
    'This invitation is not valid: it may have expired or been used',
  );

/**
 * Accepts an invitation. A new email becomes a user (name and password required); an existing
 * user just gains the membership. Single use: the invitation row is locked and marked accepted.
 */
/** Two acceptances racing to create the same new user: the loser answers as a used invitation. */
function asEmailConflict(error: unknown): unknown {
  return isUniqueViolation(error, 'users_email_key') ? INVALID_TOKEN() : error;
}

export async function acceptInvitation(
  db: Database,
  input: { token: string; name?: string | undefined; password?: string | undefined },
): Promise<{ account: Account; user: User; created: boolean }> {
  const [accountId, secret] = input.token.split('.', 2);
  if (!accountId || !secret || !UUID.test(accountId)) throw INVALID_TOKEN();
  const pendingInvitation = await withTenant(db, accountId, (tx) =>
    getPendingInvitationByHash(tx, accountId, hashToken(secret)),
  );
  if (!pendingInvitation) throw INVALID_TOKEN();
  const existing = await findUserByEmail(db, pendingInvitation.email);
  let newUser: { email: string; name: string; passwordHash: string } | undefined;
  if (!existing) {
    const errors = [];
    if (!input.name?.trim()) errors.push({ path: 'name', message: 'is required for a new user' });
    const problem = input.password
      ? checkPasswordPolicy(input.password, { email: pendingInvitation.email, name: input.name ?? '' })
      : 'is required for a new user';
    if (problem) errors.push({ path: 'password', message: problem });
    if (errors.length > 0) throw invalid('INVITATION_DETAILS', errors);
    newUser = {
      email: pendingInvitation.email,
      name: input.name!,
      passwordHash: await hashPassword(input.password!),
    };
  }
  // One transaction: the invitation is locked, used once, and the membership exists with it.
  const user = await withTenant(db, accountId, async (tx) => {
    const invitation = await getPendingInvitationByHash(tx, accountId, hashToken(secret));
    if (!invitation) throw INVALID_TOKEN();
    const joined = await joinAccountInTx(tx, accountId, {
      userId: existing?.id ?? crypto.randomUUID(),
      role: invitation.role as Role,
      ...(newUser ? { newUser } : {}),
    });
    await markInvitation(tx, accountId, invitation.id, 'acceptedAt');
    await recordAudit(tx, {
      accountId,
      action: 'invitation.accepted',
      actorUserId: joined.id,
      target: { type: 'invitation', id: invitation.id },
    });
    return joined;
  }).catch((error: unknown) => {
    throw asEmailConflict(error);
  });
  const account = await findAccountById(db, accountId);
  return { account: account!, user, created: !existing };
}
