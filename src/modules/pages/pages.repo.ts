import type { Tx } from '../../db/client.ts';
import { capturePages } from '../../db/schema/index.ts';

export type NewPage = typeof capturePages.$inferInsert;

export async function insertPage(tx: Tx, row: NewPage) {
  const [page] = await tx.insert(capturePages).values(row).returning();
  return page!;
}
