import type { Tx } from '../../db/client.ts';
import { invitations } from '../../db/schema/index.ts';

export type NewInvitation = typeof invitations.$inferInsert;

export async function insertInvitation(tx: Tx, row: NewInvitation) {
  const [invitation] = await tx.insert(invitations).values(row).returning();
  return invitation!;
}
