import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import type { invitations } from '../../db/schema/index.ts';
import { isUuid, withTenant } from '../../db/tenant.ts';
import { AppError, invalid } from '../../platform/errors.ts';
import type { JobQueue } from '../../platform/jobs.ts';
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
import type { MailDeps } from '../identity/emails.service.ts';
import {
  findPendingInvitations,
  getPendingInvitationByHash,
  insertInvitation,
  markInvitation,
  setInvitationToken,
} from './invitations.repo.ts';
import { sendInvitationEmailJob } from './team.jobs.ts';

export type Invitation = typeof invitations.$inferSelect;

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The token handed to the invitee: `<accountId>.<secret>`. The account id is not secret; it
 * lets acceptance open that tenant's transaction and find the invitation by (account, hash).
 */
export function invitationToken(accountId: string, secret: string): string {
  return `${accountId}.${secret}`;
}

/**
 * Creates an invitation, records it, and queues the email to the invitee in the same
 * transaction. The link's secret is made by the email job (see sendInvitationEmail); the
 * stored hash until then matches no link anyone has.
 */
export async function createInvitation(
  db: Database,
  accountId: string,
  input: { email: string; role: Role; invitedByUserId: string | null; inviterRole?: Role },
  options: { jobs?: JobQueue | undefined } = {},
): Promise<{ invitation: Invitation }> {
  if (input.role === 'owner' && input.inviterRole && input.inviterRole !== 'owner') {
    throw new AppError('forbidden', 'OWNER_ONLY', 'Only an owner can invite another owner');
  }
  const invitation = await withTenant(db, accountId, async (tx, client) => {
    const row = await insertInvitation(tx, {
      accountId,
      id: crypto.randomUUID(),
      email: input.email.trim().toLowerCase(),
      role: input.role,
      tokenHash: hashToken(newToken()),
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
    await options.jobs?.enqueue(client, sendInvitationEmailJob, { accountId, invitationId: row.id });
    return row;
  });
  return { invitation };
}

export type InvitationMailDeps = MailDeps & { pepper: string };

/**
 * Emails the invitee their link. The secret is derived from the job id with the server pepper,
 * so a retried job sets the same token as the email the provider already has (its idempotency
 * key is the job id too); a new job (a resend) makes a new link and retires the old one.
 */
export async function sendInvitationEmail(
  db: Database,
  deps: InvitationMailDeps,
  input: { accountId: string; invitationId: string; jobId: string },
): Promise<void> {
  const secret = crypto
    .createHmac('sha256', deps.pepper)
    .update(`invitation:${input.invitationId}:${input.jobId}`)
    .digest('base64url');
  const { accountId } = input;
  const invitation = await withTenant(db, accountId, (tx) =>
    setInvitationToken(tx, accountId, input.invitationId, hashToken(secret)),
  );
  if (!invitation) return; // accepted, revoked or expired meanwhile
  const account = await findAccountById(db, accountId);
  const link = `${deps.baseUrl}/app/accept-invitation#token=${invitationToken(accountId, secret)}`;
  await deps.email.send(
    {
      to: invitation.email,
      from: deps.emailFrom,
      subject: `You are invited to ${account?.name ?? 'a team'} on Porchlight`,
      text: `Hello,\n\nYou have been invited to join ${account?.name ?? 'a team'} on Porchlight as ${invitation.role}.\nAccept within 7 days by opening this link:\n\n${link}\n\nIf you were not expecting this, ignore this email.`,
      accountId,
    },
    { idempotencyKey: `invitation:${input.jobId}` },
  );
}

export function listPendingInvitations(db: Database, accountId: string): Promise<Invitation[]> {
  return withTenant(db, accountId, (tx) => findPendingInvitations(tx, accountId));
}

export async function revokeInvitation(db: Database, accountId: string, id: string, actorUserId: string) {
  const done = isUuid(id)
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
  if (!accountId || !secret || !isUuid(accountId)) throw INVALID_TOKEN();
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
