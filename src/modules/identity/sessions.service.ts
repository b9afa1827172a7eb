import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { withSystem, withTenant } from '../../db/tenant.ts';
import { hashToken, newToken } from '../../platform/tokens.ts';
import { recordAudit } from '../audit/audit.service.ts';
import {
  deleteStaleIdentityRows,
  getLiveSessionByHash,
  insertSession,
  revokeSessionById,
  revokeSessionsOfUser,
  touchSession,
} from './sessions.repo.ts';

export type SessionPolicy = { idleMs: number; maxMs: number };

export type LiveSession = {
  id: string;
  userId: string;
  activeAccountId: string | null;
  isPlatformAdmin: boolean;
};

// last_seen_at is written at most this often: an agent's phone polls all day.
const TOUCH_EVERY_MS = 5 * 60_000;

/** A new session for a user; returns the token for the cookie (only its hash is stored). */
export async function createSession(
  db: Database,
  input: { userId: string; accountId: string | null; ipHash: string | null; userAgent: string | null },
  policy: SessionPolicy,
): Promise<{ token: string; sessionId: string; expiresAt: Date }> {
  const token = newToken();
  const id = crypto.randomUUID();
  const expiresAt = new Date(Date.now() + policy.maxMs);
  await withSystem(db, 'identity: create session', (tx) =>
    insertSession(tx, {
      id,
      tokenHash: hashToken(token),
      userId: input.userId,
      activeAccountId: input.accountId,
      ipHash: input.ipHash,
      userAgent: input.userAgent?.slice(0, 300) ?? null,
      expiresAt,
    }),
  );
  return { token, sessionId: id, expiresAt };
}

/**
 * The live session for a cookie token: not revoked, within its absolute lifetime and not
 * idle for longer than the idle timeout (an idle one is revoked here).
 */
export async function resolveSession(
  db: Database,
  token: string,
  policy: SessionPolicy,
): Promise<LiveSession | null> {
  if (token.length < 20 || token.length > 100) return null;
  return withSystem(db, 'identity: resolve session', async (tx) => {
    const row = await getLiveSessionByHash(tx, hashToken(token));
    if (!row) return null;
    const idle = Date.now() - row.lastSeenAt.getTime();
    if (idle > policy.idleMs) {
      await revokeSessionById(tx, row.id, 'idle');
      return null;
    }
    if (idle > TOUCH_EVERY_MS) {
      await touchSession(tx, row.id);
    }
    return {
      id: row.id,
      userId: row.userId,
      activeAccountId: row.activeAccountId,
      isPlatformAdmin: row.isPlatformAdmin,
    };
  });
}

export function revokeSession(db: Database, sessionId: string, reason: string): Promise<void> {
  return withSystem(db, 'identity: revoke session', (tx) => revokeSessionById(tx, sessionId, reason));
}

export function revokeOtherSessions(
  db: Database,
  userId: string,
  reason: string,
  exceptId?: string,
): Promise<void> {
  return withSystem(db, 'identity: revoke sessions', (tx) =>
    revokeSessionsOfUser(tx, userId, reason, exceptId),
  );
}

/** Signs out: the cookie's session is revoked server-side and the sign-out audited. */
export async function logout(
  db: Database,
  token: string,
  policy: SessionPolicy,
  ipHash: string,
): Promise<void> {
  const session = await resolveSession(db, token, policy);
  if (!session) return;
  await revokeSession(db, session.id, 'logout');
  const accountId = session.activeAccountId;
  if (accountId) {
    await withTenant(db, accountId, (tx) =>
      recordAudit(tx, { accountId, action: 'auth.logged_out', actorUserId: session.userId, ipHash }),
    );
  }
}

/** The nightly clean-up of sign-in records (see identity.jobs.ts). Returns what it deleted. */
export function pruneIdentityRecords(db: Database) {
  return withSystem(db, 'identity: prune stale sign-in records', (_tx, client) =>
    deleteStaleIdentityRows(client),
  );
}
