import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { withSystem, withTenant } from '../../db/tenant.ts';
import { AppError, invalid } from '../../platform/errors.ts';
import {
  burnPasswordTime,
  checkPasswordPolicy,
  hashPassword,
  needsRehash,
  verifyPassword,
} from '../../platform/passwords.ts';
import {
  type Account,
  findUserByEmail,
  findUserById,
  listMembershipsOfUser,
  recordLogin,
  setPasswordHash,
  type User,
} from '../accounts/accounts.service.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { getLoginPressure, insertLoginAttempt } from './sessions.repo.ts';
import { revokeOtherSessions } from './sessions.service.ts';

/**
 * Brute-force policy (docs/decisions/007-identity-tables.md):
 * - per email: from the 5th failure since the last success (within 15 minutes) the email is
 *   locked for 30 s, doubling with each further failure, at most 15 minutes after the last one;
 * - per IP: 30 failures within 15 minutes lock that IP for every email for 15 minutes;
 * - a stranger cannot lock the owner out: the right password from an IP that signed this email
 *   in successfully in the last 30 days (a known device) passes either lock.
 */
export const LOGIN_POLICY = { windowMinutes: 15, emailThreshold: 5, ipThreshold: 30, maxLockSeconds: 900 };

const INVALID = () =>
  new AppError('unauthorized', 'AUTH_INVALID_CREDENTIALS', 'The email or password is not right');

function lockedFor(seconds: number) {
  return new AppError('rate_limited', 'AUTH_LOCKED', 'Too many failed sign-ins; try again later', [], {
    'retry-after': String(Math.max(1, Math.ceil(seconds))),
  });
}

/** Seconds the email stays locked after `failures` failures, the last at `lastFailureAt`. */
export function emailLockSeconds(failures: number, lastFailureAt: Date | null, now = Date.now()): number {
  if (failures < LOGIN_POLICY.emailThreshold || !lastFailureAt) return 0;
  const lock = Math.min(LOGIN_POLICY.maxLockSeconds, 30 * 2 ** (failures - LOGIN_POLICY.emailThreshold));
  return Math.max(0, lock - (now - lastFailureAt.getTime()) / 1000);
}

export type LoginResult = { user: User; account: Account | null };

/**
 * Signs a user in. An unknown email and a wrong password answer the same 401 with the same
 * body, after about the same time (a dummy argon2 verification runs for unknown emails).
 */
export async function login(
  db: Database,
  input: { email: string; password: string; ipHash: string },
): Promise<LoginResult> {
  const email = input.email.trim().toLowerCase();
  const pressure = await withSystem(db, 'identity: sign-in throttle', (tx) =>
    getLoginPressure(tx, email, input.ipHash, LOGIN_POLICY.windowMinutes),
  );
  const emailLock = emailLockSeconds(pressure.emailFailures, pressure.lastFailureAt);
  const ipLocked = pressure.ipFailures >= LOGIN_POLICY.ipThreshold;
  const attempt = (success: boolean) =>
    withSystem(db, 'identity: record sign-in attempt', (tx) =>
      insertLoginAttempt(tx, { id: crypto.randomUUID(), email, ipHash: input.ipHash, success }),
    );

  if ((emailLock > 0 || ipLocked) && !pressure.knownDevice) {
    await attempt(false);
    throw lockedFor(ipLocked ? LOGIN_POLICY.maxLockSeconds : emailLock);
  }

  const user = await findUserByEmail(db, email);
  const ok = user?.passwordHash ? await verifyPassword(user.passwordHash, input.password) : false;
  if (!user?.passwordHash) await burnPasswordTime();
  if (!user || !ok) {
    await attempt(false);
    if (user && pressure.emailFailures + 1 === LOGIN_POLICY.emailThreshold) {
      await auditForUser(db, user.id, 'auth.locked_out', input.ipHash);
    } else if (user) {
      await auditForUser(db, user.id, 'auth.login_failed', input.ipHash);
    }
    if (emailLock > 0 || ipLocked) throw lockedFor(ipLocked ? LOGIN_POLICY.maxLockSeconds : emailLock);
    throw INVALID();
  }

  await attempt(true);
  if (needsRehash(user.passwordHash!)) await setPasswordHash(db, user.id, await hashPassword(input.password));
  await recordLogin(db, user.id);
  const memberships = await listMembershipsOfUser(db, user.id);
  const account = memberships[0]?.account ?? null;
  if (account) {
    await withTenant(db, account.id, (tx) =>
      recordAudit(tx, {
        accountId: account.id,
        action: 'auth.login_succeeded',
        actorUserId: user.id,
        ipHash: input.ipHash,
      }),
    );
  }
  return { user, account };
}

async function auditForUser(
  db: Database,
  userId: string,
  action: 'auth.login_failed' | 'auth.locked_out',
  ipHash: string,
) {
  for (const { account } of await listMembershipsOfUser(db, userId)) {
    await withTenant(db, account.id, (tx) =>
      recordAudit(tx, { accountId: account.id, action, target: { type: 'user', id: userId }, ipHash }),
    );
  }
}

/**
 * Changes the signed-in user's password after checking the current one; every other session
 * of the user ends (the one making the change stays), and the account's audit log records it.
 */
export async function changePassword(
  db: Database,
  input: {
    userId: string;
    accountId: string;
    sessionId: string;
    currentPassword: string;
    newPassword: string;
  },
): Promise<void> {
  const user = await findUserById(db, input.userId);
  if (!user?.passwordHash || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
    throw invalid('PASSWORD_CHANGE_INVALID', [{ path: 'currentPassword', message: 'is not right' }]);
  }
  const problem = checkPasswordPolicy(input.newPassword, { email: user.email, name: user.name });
  if (problem) throw invalid('PASSWORD_CHANGE_INVALID', [{ path: 'newPassword', message: problem }]);
  await setPasswordHash(db, user.id, await hashPassword(input.newPassword));
  await revokeOtherSessions(db, user.id, 'password_changed', input.sessionId);
  await withTenant(db, input.accountId, (tx) =>
    recordAudit(tx, { accountId: input.accountId, action: 'auth.password_changed', actorUserId: user.id }),
  );
}
