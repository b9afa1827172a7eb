import { and, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import type { SqlClient, Tx } from '../../db/client.ts';
import { loginAttempts, sessions, users } from '../../db/schema/index.ts';

export type NewSession = typeof sessions.$inferInsert;

export async function insertSession(tx: Tx, row: NewSession): Promise<void> {
  await tx.insert(sessions).values(row);
}

/** A session that is neither revoked nor past its absolute lifetime. */
export async function getLiveSessionByHash(tx: Tx, tokenHash: string) {
  const [row] = await tx
    .select({
      id: sessions.id,
      userId: sessions.userId,
      activeAccountId: sessions.activeAccountId,
      lastSeenAt: sessions.lastSeenAt,
      isPlatformAdmin: users.isPlatformAdmin,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(eq(sessions.tokenHash, tokenHash), isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`)),
    )
    .limit(1);
  return row;
}

export async function touchSession(tx: Tx, id: string): Promise<void> {
  await tx.update(sessions).set({ lastSeenAt: sql`now()` }).where(eq(sessions.id, id));
}

export async function revokeSessionById(tx: Tx, id: string, reason: string): Promise<void> {
  await tx
    .update(sessions)
    .set({ revokedAt: sql`now()`, revokedReason: reason })
    .where(and(eq(sessions.id, id), isNull(sessions.revokedAt)));
}

/** Revokes every live session of a user, except one (the caller's own) when given. */
export async function revokeSessionsOfUser(tx: Tx, userId: string, reason: string, exceptId?: string) {
  await tx
    .update(sessions)
    .set({ revokedAt: sql`now()`, revokedReason: reason })
    .where(
      and(
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        exceptId ? ne(sessions.id, exceptId) : undefined,
      ),
    );
}

export async function insertLoginAttempt(tx: Tx, row: typeof loginAttempts.$inferInsert): Promise<void> {
  await tx.insert(loginAttempts).values(row);
}

/**
 * Failures since the last success, within the window, for one email and for one IP hash;
 * and whether this IP has signed this email in successfully before (a known device).
 */
export async function getLoginPressure(tx: Tx, email: string, ipHash: string, windowMinutes: number) {
  const rows = await tx.execute(sql`
    SELECT
      (SELECT count(*)::int FROM ${loginAttempts}
        WHERE email = ${email} AND NOT success AND attempted_at > now() - make_interval(mins => ${windowMinutes})
          AND attempted_at > coalesce((SELECT max(attempted_at) FROM ${loginAttempts}
            WHERE email = ${email} AND success), '-infinity')) AS "emailFailures",
      (SELECT count(*)::int FROM ${loginAttempts}
        WHERE ip_hash = ${ipHash} AND NOT success
          AND attempted_at > now() - make_interval(mins => ${windowMinutes})) AS "ipFailures",
      (SELECT max(attempted_at) FROM ${loginAttempts}
        WHERE email = ${email} AND NOT success) AS "lastFailureAt",
      EXISTS (SELECT 1 FROM ${loginAttempts}
        WHERE email = ${email} AND ip_hash = ${ipHash} AND success
          AND attempted_at > now() - interval '30 days') AS "knownDevice"
  `);
  const row = (rows as unknown as { rows: Record<string, unknown>[] }).rows[0]!;
  return {
    emailFailures: Number(row.emailFailures),
    ipFailures: Number(row.ipFailures),
    lastFailureAt: row.lastFailureAt ? new Date(row.lastFailureAt as string) : null,
    knownDevice: row.knownDevice === true || row.knownDevice === 't',
  };
}

/** Deletes sign-in records past their use: attempts after 30 days, dead sessions and tokens after 7. */
export async function deleteStaleIdentityRows(client: SqlClient) {
  const run = async (text: string) => (await client.query(text)).rowCount;
  return {
    loginAttempts: await run(`DELETE FROM login_attempts WHERE attempted_at < now() - interval '30 days'`),
    sessions: await run(
      `DELETE FROM sessions WHERE revoked_at < now() - interval '7 days' OR expires_at < now() - interval '7 days'`,
    ),
    passwordResetTokens: await run(
      `DELETE FROM password_reset_tokens WHERE expires_at < now() - interval '7 days'`,
    ),
    emailVerificationTokens: await run(
      `DELETE FROM email_verification_tokens WHERE expires_at < now() - interval '7 days'`,
    ),
  };
}
