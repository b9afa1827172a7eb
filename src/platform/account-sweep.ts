import type { Database } from '../db/client.ts';
import { withSystem } from '../db/tenant.ts';
import type { Logger } from './logger.ts';

const ACCOUNTS_PER_PAGE = 200;

/**
 * Runs a scheduled job's work for every account, one account at a time. Tenant rows are
 * invisible on the system path, so only the account ids come from it (the global accounts
 * table, a page at a time); `work` opens the account's own tenant transaction. One account's
 * failure is logged and does not stop the others; the sweep then throws at the end, so the job
 * is retried — `work` must be safe to repeat.
 */
export async function forEachAccount(
  db: Database,
  options: { reason: string; logger: Logger },
  work: (accountId: string) => Promise<void>,
): Promise<{ accounts: number; failed: number }> {
  const totals = { accounts: 0, failed: 0 };
  let after: string | null = null;
  for (;;) {
    const cursor: string | null = after;
    const ids: string[] = await withSystem(db, options.reason, async (_tx, client) => {
      const { rows } = await client.query<{ id: string }>(
        'SELECT id FROM accounts WHERE $1::uuid IS NULL OR id > $1::uuid ORDER BY id LIMIT $2',
        [cursor, ACCOUNTS_PER_PAGE],
      );
      return rows.map((r: { id: string }) => r.id);
    });
    for (const accountId of ids) {
      totals.accounts++;
      try {
        await work(accountId);
      } catch (error) {
        totals.failed++;
        options.logger.error({ err: error, accountId }, `${options.reason}: failed for an account`);
      }
    }
    if (ids.length < ACCOUNTS_PER_PAGE) break;
    after = ids[ids.length - 1]!;
  }
  if (totals.failed > 0) throw new Error(`${options.reason}: failed for ${totals.failed} account(s)`);
  return totals;
}
