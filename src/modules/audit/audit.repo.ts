import type { Tx } from '../../db/client.ts';
import { auditLog } from '../../db/schema/index.ts';

export type NewAuditEntry = typeof auditLog.$inferInsert;

/** Appends one entry (the app role can insert and read this table, never change it). */
export async function insertAuditEntry(tx: Tx, row: NewAuditEntry): Promise<void> {
  await tx.insert(auditLog).values(row);
}
