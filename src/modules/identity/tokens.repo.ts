import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { emailVerificationTokens, passwordResetTokens } from '../../db/schema/index.ts';

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
