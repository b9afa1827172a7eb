import type { Database } from '../../db/client.ts';
import { withSystem, withTenant } from '../../db/tenant.ts';

/**
 * Drops intake bookkeeping nobody needs any more: rate-limit windows older than a day,
 * unique-visitor hashes older than two days (only today's are used), idempotency keys older
 * than 24 hours. Tenant rows, so it runs account by account on each tenant's own path.
 */
export async function pruneIntakeRecords(db: Database): Promise<number> {
  const accounts = await withSystem(db, 'prune intake records: list accounts', async (_tx, client) => {
    const { rows } = await client.query<{ id: string }>('SELECT id FROM accounts');
    return rows.map((r) => r.id);
  });
  let deleted = 0;
  for (const accountId of accounts) {
    deleted += await withTenant(db, accountId, async (_tx, client) => {
      const statements = [
        `DELETE FROM intake_rate_limits WHERE account_id = $1 AND window_start < now() - interval '1 day'`,
        'DELETE FROM page_visitors WHERE account_id = $1 AND day < current_date - 2',
        `DELETE FROM idempotency_keys WHERE account_id = $1 AND created_at < now() - interval '24 hours'`,
      ];
      let n = 0;
      for (const text of statements) n += (await client.query(text, [accountId])).rowCount ?? 0;
      return n;
    });
  }
  return deleted;
}
