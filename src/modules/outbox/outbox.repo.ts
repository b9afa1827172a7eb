import { desc, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { devOutbox } from '../../db/schema/index.ts';

export type NewOutboxMessage = typeof devOutbox.$inferInsert;

/** Stores a message once per idempotency key; returns the stored row's id either way. */
export async function insertOutboxMessage(tx: Tx, row: NewOutboxMessage): Promise<string> {
  const inserted = await tx
    .insert(devOutbox)
    .values(row)
    .onConflictDoNothing({ target: devOutbox.idempotencyKey })
    .returning({ id: devOutbox.id });
  if (inserted[0]) return inserted[0].id;
  const [existing] = await tx
    .select({ id: devOutbox.id })
    .from(devOutbox)
    .where(eq(devOutbox.idempotencyKey, row.idempotencyKey));
  return existing!.id;
}

export function findRecentOutboxMessages(tx: Tx, limit: number) {
  return tx.select().from(devOutbox).orderBy(desc(devOutbox.createdAt)).limit(limit);
}
