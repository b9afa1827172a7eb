import crypto from 'node:crypto';
import type { Database, SqlClient } from '../../db/client.ts';
import { withSystem, withTenant } from '../../db/tenant.ts';
import type { Logger } from '../../platform/logger.ts';
import { creditWallet, ensureWallet } from '../credits/credits.service.ts';

/**
 * The plan's monthly included credits (`plans.included_credits`): granted once per month (UTC),
 * with the reference `{ includedFor: 'YYYY-MM' }`. They do not roll over: when the next month's are
 * granted, what is left of the last grant expires first (spending is taken from included credits
 * before bought ones), never more than the balance. Bought credits never expire. Run daily for
 * every account (job `credits.monthly`); a second run in the same month does nothing.
 */

const monthOf = (now: Date) => now.toISOString().slice(0, 7);

export async function grantIncludedCredits(
  db: Database,
  accountId: string,
  now = new Date(),
): Promise<'granted' | 'already' | 'none'> {
  const month = monthOf(now);
  return withTenant(db, accountId, async (_tx, client) => {
    const { rows: plan } = await client.query<{ included: number }>(
      `SELECT p.included_credits AS included FROM accounts a JOIN plans p ON p.code = a.plan_code WHERE a.id = $1`,
      [accountId],
    );
    const included = plan[0]?.included ?? 0;
    await ensureWallet(client, accountId);
    const { rows: wallet } = await client.query<{ balance: string }>(
      'SELECT balance FROM credit_wallets WHERE account_id = $1 FOR UPDATE',
      [accountId],
    );
    const { rows: last } = await client.query<{
      id: string;
      credits: string;
      month: string;
      created_at: Date;
    }>(
      `SELECT id, credits, reference->>'includedFor' AS month, created_at FROM credit_ledger
        WHERE account_id = $1 AND kind = 'grant' AND reference ? 'includedFor'
        ORDER BY created_at DESC, id DESC LIMIT 1`,
      [accountId],
    );
    const previous = last[0];
    if (previous?.month === month) return 'already';
    if (previous) {
      const { rows: spent } = await client.query<{ spent: string }>(
        `SELECT coalesce(-sum(credits), 0) AS spent FROM credit_ledger
          WHERE account_id = $1 AND kind IN ('consume', 'refund') AND created_at > $2`,
        [accountId, previous.created_at],
      );
      const unused = Math.max(0, Number(previous.credits) - Number(spent[0]!.spent));
      const expire = Math.min(unused, Number(wallet[0]!.balance));
      if (expire > 0) await expireCredits(client, accountId, expire, previous.month);
    }
    if (included <= 0) return 'none';
    await creditWallet(client, accountId, {
      kind: 'grant',
      credits: included,
      reference: { includedFor: month },
    });
    return 'granted';
  });
}

async function expireCredits(client: SqlClient, accountId: string, credits: number, month: string) {
  const { rows } = await client.query<{ balance: string }>(
    `UPDATE credit_wallets SET balance = balance - $2, updated_at = now()
      WHERE account_id = $1 AND balance >= $2 RETURNING balance`,
    [accountId, credits],
  );
  if (!rows[0]) return;
  await client.query(
    `INSERT INTO credit_ledger (account_id, id, kind, credits, balance_after, reference)
     VALUES ($1, $2, 'expire', $3, $4, $5)`,
    [
      accountId,
      crypto.randomUUID(),
      -credits,
      Number(rows[0].balance),
      JSON.stringify({ includedFor: month }),
    ],
  );
}

/** Every account, 200 at a time; one account's failure does not stop the others. */
export async function grantIncludedCreditsForAll(db: Database, logger: Logger, now = new Date()) {
  const totals = { accounts: 0, granted: 0, failed: 0 };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const ids = await withSystem(db, 'credits: accounts for the monthly grant', async (_tx, client) => {
      const { rows } = await client.query<{ id: string }>(
        'SELECT id FROM accounts WHERE id > $1 ORDER BY id LIMIT 200',
        [after],
      );
      return rows.map((r) => r.id);
    });
    for (const id of ids) {
      totals.accounts++;
      try {
        if ((await grantIncludedCredits(db, id, now)) === 'granted') totals.granted++;
      } catch (error) {
        totals.failed++;
        logger.error({ err: error, accountId: id }, 'monthly included credits failed for an account');
      }
    }
    if (ids.length < 200) break;
    after = ids[ids.length - 1]!;
  }
  if (totals.failed > 0) throw new Error(`monthly included credits failed for ${totals.failed} account(s)`);
  return totals;
}
