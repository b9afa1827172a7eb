import { and, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { memberships, users } from '../../db/schema/index.ts';

/** One member's new-lead email choice and their login email (a member's user row is visible). */
export async function getMemberAlerts(tx: Tx, accountId: string, userId: string) {
  const [row] = await tx
    .select({ newLeadAlerts: memberships.newLeadAlerts, email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.accountId, accountId), eq(memberships.userId, userId)))
    .limit(1);
  return row;
}

/** Changes one member's choice; false when they are not a member (any more). */
export async function updateMemberAlerts(
  tx: Tx,
  accountId: string,
  userId: string,
  newLeadAlerts: string,
): Promise<boolean> {
  const rows = await tx
    .update(memberships)
    .set({ newLeadAlerts })
    .where(and(eq(memberships.accountId, accountId), eq(memberships.userId, userId)))
    .returning({ userId: memberships.userId });
  return rows.length > 0;
}
