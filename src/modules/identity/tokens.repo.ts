import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { emailVerificationTokens, passwordResetTokens, users } from '../../db/schema/index.ts';

export async function insertVerificationToken(tx: Tx, row: typeof emailVerificationTokens.$inferInsert) {
  await tx.insert(emailVerificationTokens).values(row);
}

/** Marks a live verification token used; returns its user and email, or nothing. */
export async function consumeVerificationToken(tx: Tx, tokenHash: string) {
  const [row] = await tx
    .update(emailVerificationTokens)
    .set({ verifiedAt: sql`now()` })
    .where(
      and(
        eq(emailVerificationTokens.tokenHash, tokenHash),
        isNull(emailVerificationTokens.verifiedAt),
        gt(emailVerificationTokens.expiresAt, sql`now()`),
      ),
    )
    .returning({ userId: emailVerificationTokens.userId, email: emailVerificationTokens.email });
  return row;
}

export async function insertResetToken(tx: Tx, row: typeof passwordResetTokens.$inferInsert) {
  await tx.insert(passwordResetTokens).values(row);
}

/** Marks a live reset token used; returns its user, or nothing. */
export async function consumeResetToken(tx: Tx, tokenHash: string) {
  const [row] = await tx
    .update(passwordResetTokens)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(passwordResetTokens.tokenHash, tokenHash),
        isNull(passwordResetTokens.usedAt),
        gt(passwordResetTokens.expiresAt, sql`now()`),
      ),
    )
    .returning({ userId: passwordResetTokens.userId });
  return row;
}

export async function countRecentResetTokens(tx: Tx, userId: string): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(passwordResetTokens)
    .where(
      and(
        eq(passwordResetTokens.userId, userId),
        gt(passwordResetTokens.createdAt, sql`now() - interval '1 hour'`),
      ),
    );
  return Number(row?.n ?? 0);
}

/** The user of a live reset token, without using it. */
export async function getLiveResetTokenUser(tx: Tx, tokenHash: string): Promise<string | undefined> {
  const [row] = await tx
    .select({ userId: passwordResetTokens.userId })
    .from(passwordResetTokens)
    .where(
      and(
        eq(passwordResetTokens.tokenHash, tokenHash),
        isNull(passwordResetTokens.usedAt),
        gt(passwordResetTokens.expiresAt, sql`now()`),
      ),
    );
  return row?.userId;
}

/** Verification emails sent to a user in the last hour (their tokens are made at send time). */
export async function countRecentVerificationTokens(tx: Tx, userId: string): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(emailVerificationTokens)
    .where(
      and(
        eq(emailVerificationTokens.userId, userId),
        gt(emailVerificationTokens.createdAt, sql`now() - interval '1 hour'`),
      ),
    );
  return Number(row?.n ?? 0);
}

/** Holds the user's row until the transaction ends: one email-token decision at a time per user. */
export async function lockUser(tx: Tx, userId: string): Promise<void> {
  await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
}
