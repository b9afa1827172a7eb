import { and, desc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { blockedIps } from '../../db/schema/index.ts';

/**
 * Stores a blocked network. `cidr(inet)` zeroes the host bits (`203.0.113.7/24` is stored as
 * `203.0.113.0/24`), so the unique key sees the same network however it was written.
 */
export async function insertBlockedIp(
  tx: Tx,
  row: { accountId: string; id: string; network: string; reason: string | null },
) {
  const [created] = await tx
    .insert(blockedIps)
    .values({ ...row, network: sql`cidr(${row.network}::inet)` })
    .returning();
  return created!;
}

/** The account's blocked networks, newest first. */
export function findBlockedIps(tx: Tx, accountId: string) {
  return tx
    .select()
    .from(blockedIps)
    .where(eq(blockedIps.accountId, accountId))
    .orderBy(desc(blockedIps.createdAt), desc(blockedIps.id));
}

/** Deletes one of the account's entries; false when it has no such entry. */
export async function deleteBlockedIp(tx: Tx, accountId: string, id: string): Promise<boolean> {
  const rows = await tx
    .delete(blockedIps)
    .where(and(eq(blockedIps.accountId, accountId), eq(blockedIps.id, id)))
    .returning({ id: blockedIps.id });
  return rows.length > 0;
}
