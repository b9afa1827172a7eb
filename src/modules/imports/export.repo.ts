import { and, desc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { contacts } from '../../db/schema/index.ts';
import type { TimeCursor } from '../../platform/cursor.ts';

const cursorAt = sql<string>`to_char(${contacts.createdAt} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * One page of the account's contacts, newest first, after `cursor` (keyset on the
 * (account_id, created_at, id) index), one more than `limit`.
 */
export function findContactsPage(tx: Tx, accountId: string, limit: number, cursor?: TimeCursor) {
  const where = [eq(contacts.accountId, accountId)];
  if (cursor) {
    where.push(
      sql`(${contacts.createdAt}, ${contacts.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`,
    );
  }
  return tx
    .select({ row: contacts, cursorAt })
    .from(contacts)
    .where(and(...where))
    .orderBy(desc(contacts.createdAt), desc(contacts.id))
    .limit(limit + 1);
}
