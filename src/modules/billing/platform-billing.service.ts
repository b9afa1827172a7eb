import type { Database } from '../../db/client.ts';
import { withSystem, withTenant } from '../../db/tenant.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { adjustCredits } from '../credits/credits.service.ts';

/**
 * The platform's figures for its admins: monthly recurring revenue and subscriptions by plan
 * (from the mirrored Stripe subscriptions), and the credit reconciliation — every wallet against
 * its ledger and the platform's total against the sum of all ledgers, which must not differ.
 * Tenant rows are read one account at a time through the tenant transaction (RLS stays forced);
 * the work grows with the number of accounts, which suits an admin's occasional look.
 */

type AccountFigures = {
  subs: { plan_code: string | null; status: string; interval: string | null; amount_cents: number | null }[];
  balance: number;
  ledgerSum: number;
};

const PAYING = ['active', 'past_due', 'unpaid'];

async function figuresOf(db: Database, accountId: string): Promise<AccountFigures> {
  return withTenant(
    db,
    accountId,
    async (_tx, client) => {
      const { rows: subs } = await client.query<AccountFigures['subs'][number]>(
        'SELECT plan_code, status, interval, amount_cents FROM subscriptions WHERE account_id = $1',
        [accountId],
      );
      const { rows } = await client.query<{ balance: string; ledger_sum: string }>(
        `SELECT coalesce((SELECT balance FROM credit_wallets WHERE account_id = $1), 0) AS balance,
                coalesce((SELECT sum(credits) FROM credit_ledger WHERE account_id = $1), 0) AS ledger_sum`,
        [accountId],
      );
      return { subs, balance: Number(rows[0]!.balance), ledgerSum: Number(rows[0]!.ledger_sum) };
    },
    { snapshot: true },
  );
}

export async function platformBillingSummary(db: Database) {
  const accounts = await withSystem(db, 'platform billing: every account', async (_tx, client) => {
    const { rows } = await client.query<{ id: string }>('SELECT id FROM accounts ORDER BY id');
    return rows.map((r) => r.id);
  });
  const byPlan = new Map<string, { plan: string; subscriptions: number; mrrCents: number }>();
  let mrr = 0;
  let active = 0;
  let pastDue = 0;
  let trialing = 0;
  let balance = 0;
  let ledgerSum = 0;
  const mismatched: { accountId: string; balance: number; ledgerSum: number }[] = [];
  for (const accountId of accounts) {
    const f = await figuresOf(db, accountId);
    for (const s of f.subs) {
      if (s.status === 'trialing') trialing++;
      if (!PAYING.includes(s.status)) continue;
      if (s.status === 'active') active++;
      else pastDue++;
      // A yearly price counts a twelfth a month, in whole cents.
      const monthly = Math.round((s.amount_cents ?? 0) / (s.interval === 'year' ? 12 : 1));
      mrr += monthly;
      const key = s.plan_code ?? 'unknown';
      const entry = byPlan.get(key) ?? { plan: key, subscriptions: 0, mrrCents: 0 };
      entry.subscriptions++;
      entry.mrrCents += monthly;
      byPlan.set(key, entry);
    }
    balance += f.balance;
    ledgerSum += f.ledgerSum;
    if (f.balance !== f.ledgerSum) mismatched.push({ accountId, balance: f.balance, ledgerSum: f.ledgerSum });
  }
  return {
    mrrCents: mrr,
    activeSubscriptions: active,
    pastDueSubscriptions: pastDue,
    trialingSubscriptions: trialing,
    byPlan: [...byPlan.values()].sort((a, b) => b.mrrCents - a.mrrCents),
    credits: { accounts: accounts.length, balance, ledgerSum, difference: balance - ledgerSum, mismatched },
    computedAt: new Date().toISOString(),
  };
}

/** A platform admin's credit correction on an account, with a reason, audited in that account. */
export async function adjustAccountCredits(
  db: Database,
  accountId: string,
  input: { credits: number; reason: string; actorUserId: string },
) {
  const exists = await withSystem(db, 'platform billing: account exists', async (_tx, client) => {
    const { rows } = await client.query('SELECT 1 FROM accounts WHERE id = $1', [accountId]);
    return rows.length === 1;
  });
  if (!exists) throw notFound('ACCOUNT_NOT_FOUND', 'No such account');
  const outcome = await adjustCredits(db, accountId, input);
  if (!outcome.ok)
    throw new AppError('unprocessable', 'CREDITS_INSUFFICIENT', 'The account has fewer credits than that', [
      { path: 'body.credits', message: 'takes more than the balance' },
    ]);
  return { balance: outcome.balance, entryId: outcome.entryId };
}
