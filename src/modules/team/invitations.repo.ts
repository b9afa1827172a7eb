import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { invitations } from '../../db/schema/index.ts';

export type NewInvitation = typeof invitations.$inferInsert;

export async function insertInvitation(tx: Tx, row: NewInvitation) {
  const [invitation] = await tx.insert(invitations).values(row).returning();
  return invitation!;
}

const pending = (accountId: string) =>
  and(
    eq(invitations.accountId, accountId),
    isNull(invitations.acceptedAt),
    isNull(invitations.revokedAt),
    gt(invitations.expiresAt, sql`now()`),
  );

export function findPendingInvitations(tx: Tx, accountId: string) {
  return tx.select().from(invitations).where(pending(accountId)).orderBy(asc(invitations.createdAt));
}

/** A pending invitation by its token hash, locked so it can be accepted once. */
export async function getPendingInvitationByHash(tx: Tx, accountId: string, tokenHash: string) {
  const [row] = await tx
    .select()
    .from(invitations)
    .where(and(pending(accountId), eq(invitations.tokenHash, tokenHash)))
    .for('update');
  return row;
}

export async function markInvitation(
  tx: Tx,
  accountId: string,
  id: string,
  field: 'acceptedAt' | 'revokedAt',
) {
  const rows = await tx
    .update(invitations)
    .set({ [field]: sql`now()` })
    .where(and(pending(accountId), eq(invitations.id, id)))
    .returning({ id: invitations.id });
  return rows.length > 0;
}

/** Sets a pending invitation's token hash; returns the invitation, or nothing if no longer pending. */
export async function setInvitationToken(tx: Tx, accountId: string, id: string, tokenHash: string) {
  const [row] = await tx
    .update(invitations)
    .set({ tokenHash })
    .where(and(pending(accountId), eq(invitations.id, id)))
    .returning();
  return row;
}
