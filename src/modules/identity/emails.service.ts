import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { withSystem, withTenant } from '../../db/tenant.ts';
import { AppError, invalid } from '../../platform/errors.ts';
import { checkPasswordPolicy, hashPassword } from '../../platform/passwords.ts';
import { hashToken, newToken } from '../../platform/tokens.ts';
import type { EmailProvider } from '../../providers/email/email.ts';
import {
  findUserByEmail,
  findUserById,
  listMembershipsOfUser,
  markEmailVerifiedInTx,
  setPasswordHash,
} from '../accounts/accounts.service.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { revokeOtherSessions } from './sessions.service.ts';
import {
  consumeResetToken,
  consumeVerificationToken,
  countRecentResetTokens,
  countRecentVerificationTokens,
  getLiveResetTokenUser,
  insertResetToken,
  insertVerificationToken,
  lockUser,
} from './tokens.repo.ts';

export const VERIFY_TTL_MS = 24 * 3_600_000;
export const RESET_TTL_MS = 3_600_000;
const RESETS_PER_HOUR = 3;
/** Verification emails a user may have sent in an hour (the sign-up's own included). */
export const VERIFICATIONS_PER_HOUR = 3;

export type MailDeps = { email: EmailProvider; baseUrl: string; emailFrom: string };

/**
 * Sends the verification email: the token is made here, at send time, so the raw token lives
 * only in the email (never in a job payload or a table). `idempotencyKey` (the job id) keeps a
 * retried job from sending twice.
 */
export async function sendVerificationEmail(
  db: Database,
  deps: MailDeps,
  userId: string,
  idempotencyKey: string,
) {
  const user = await findUserById(db, userId);
  if (!user || user.emailVerifiedAt) return;
  const token = newToken();
  const sent = await withSystem(db, 'identity: verification token', async (tx) => {
    // At most three an hour, however many were asked for at once (the resend route checks too):
    // the user's row is held while this one counts and adds its token.
    await lockUser(tx, userId);
    if ((await countRecentVerificationTokens(tx, userId)) >= VERIFICATIONS_PER_HOUR) return false;
    await insertVerificationToken(tx, {
      id: crypto.randomUUID(),
      userId,
      email: user.email,
      tokenHash: hashToken(token),
      expiresAt: new Date(Date.now() + VERIFY_TTL_MS),
    });
    return true;
  });
  if (!sent) return;
  const link = `${deps.baseUrl}/app/verify-email#token=${token}`;
  await deps.email.send(
    {
      to: user.email,
      from: deps.emailFrom,
      subject: 'Confirm your email for Porchlight',
      text: `Hi ${user.name},\n\nConfirm your email address by opening this link within 24 hours:\n\n${link}\n\nIf you did not sign up, ignore this email.`,
    },
    { idempotencyKey },
  );
}

/**
 * Whether the signed-in user may have the verification email again: not once verified (409),
 * not past three in the hour (429, with when to try again). The caller queues the email.
 */
export async function checkVerificationResend(db: Database, userId: string): Promise<void> {
  const user = await findUserById(db, userId);
  if (!user) throw new AppError('unauthorized', 'SESSION_INVALID');
  if (user.emailVerifiedAt) {
    throw new AppError('conflict', 'EMAIL_ALREADY_VERIFIED', 'This email address is already verified');
  }
  const recent = await withSystem(db, 'identity: verification throttle', (tx) =>
    countRecentVerificationTokens(tx, userId),
  );
  if (recent >= VERIFICATIONS_PER_HOUR) {
    throw new AppError(
      'rate_limited',
      'VERIFICATION_RESEND_LIMITED',
      `At most ${VERIFICATIONS_PER_HOUR} verification emails an hour: check your inbox (and spam folder) for the last one, or try again later`,
      [],
      { 'retry-after': '3600' },
    );
  }
}

/** Verifies an address with a token: single use, 24 h. */
export async function verifyEmail(db: Database, token: string): Promise<void> {
  const done = await withSystem(db, 'identity: verify email', async (tx) => {
    const row = await consumeVerificationToken(tx, hashToken(token));
    return row ? markEmailVerifiedInTx(tx, row.userId, row.email) : false;
  });
  if (!done) throw invalid('TOKEN_INVALID', [{ path: 'token', message: 'is invalid, used or expired' }]);
}

/**
 * A reset request answers the same whether or not the email exists; at most three tokens an
 * hour per user are made. Returns the user id to mail, or null.
 */
export async function requestPasswordReset(db: Database, email: string): Promise<string | null> {
  const user = await findUserByEmail(db, email);
  if (!user) return null;
  const recent = await withSystem(db, 'identity: reset throttle', (tx) =>
    countRecentResetTokens(tx, user.id),
  );
  return recent >= RESETS_PER_HOUR ? null : user.id;
}

export async function sendPasswordResetEmail(
  db: Database,
  deps: MailDeps,
  userId: string,
  idempotencyKey: string,
) {
  const user = await findUserById(db, userId);
  if (!user) return;
  const token = newToken();
  await withSystem(db, 'identity: reset token', (tx) =>
    insertResetToken(tx, {
      id: crypto.randomUUID(),
      userId,
      tokenHash: hashToken(token),
      expiresAt: new Date(Date.now() + RESET_TTL_MS),
    }),
  );
  const link = `${deps.baseUrl}/app/reset-password#token=${token}`;
  await deps.email.send(
    {
      to: user.email,
      from: deps.emailFrom,
      subject: 'Reset your Porchlight password',
      text: `Hi ${user.name},\n\nSet a new password by opening this link within 1 hour:\n\n${link}\n\nIf you did not ask for this, ignore this email: your password stays as it is.`,
    },
    { idempotencyKey },
  );
}

/** Sets a new password with a reset token (single use, 1 h); every session of the user ends. */
export async function confirmPasswordReset(db: Database, token: string, password: string): Promise<void> {
  const tokenHash = hashToken(token);
  // Checked without using it first, so a weak password does not burn the token.
  const userId = await withSystem(db, 'identity: check reset token', (tx) =>
    getLiveResetTokenUser(tx, tokenHash),
  );
  if (!userId) throw invalid('TOKEN_INVALID', [{ path: 'token', message: 'is invalid, used or expired' }]);
  const user = await findUserById(db, userId);
  const problem = checkPasswordPolicy(password, { email: user?.email ?? '', name: user?.name ?? '' });
  if (problem) throw invalid('PASSWORD_INVALID', [{ path: 'password', message: problem }]);
  const hash = await hashPassword(password);
  const used = await withSystem(db, 'identity: use reset token', (tx) => consumeResetToken(tx, tokenHash));
  if (!used) throw invalid('TOKEN_INVALID', [{ path: 'token', message: 'is invalid, used or expired' }]);
  await setPasswordHash(db, used.userId, hash);
  await revokeOtherSessions(db, used.userId, 'password_reset');
  for (const { account } of await listMembershipsOfUser(db, used.userId)) {
    await withTenant(db, account.id, (tx) =>
      recordAudit(tx, { accountId: account.id, action: 'auth.password_reset', actorUserId: used.userId }),
    );
  }
}
