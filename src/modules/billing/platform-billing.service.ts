import type { Database } from '../../db/client.ts';
import type { PlanFeatures, PlanLimits } from '../../db/schema/index.ts';
import { withSystem, withTenant } from '../../db/tenant.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
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

export type PlanPatch = {
  name?: string | undefined;
  priceMonthCents?: number | undefined;
  priceYearCents?: number | undefined;
  limits?: Partial<PlanLimits> | undefined;
  features?: Partial<PlanFeatures> | undefined;
  includedCredits?: number | undefined;
  allowOverage?: boolean | undefined;
  overagePriceCents?: number | null | undefined;
  stripePriceIdMonth?: string | null | undefined;
  stripePriceIdYear?: string | null | undefined;
  isActive?: boolean | undefined;
};

/**
 * A platform admin's change to one plan (system path: the catalogue is global). Limits and
 * features are merged into the plan's own; every account on the plan has the new ones from the
 * next statement. Logged with the admin's id.
 */
export async function updatePlan(
  db: Database,
  code: string,
  patch: PlanPatch,
  logger: Logger,
  actorUserId: string,
) {
  const updated = await withSystem(db, 'platform: edit a plan', async (_tx, client) => {
    const { rows } = await client.query<{ code: string }>(
      `UPDATE plans SET
          name = coalesce($2, name),
          price_month_cents = coalesce($3, price_month_cents),
          price_year_cents = coalesce($4, price_year_cents),
          limits = limits || coalesce($5::jsonb, '{}'::jsonb),
          features = features || coalesce($6::jsonb, '{}'::jsonb),
          included_credits = coalesce($7, included_credits),
          allow_overage = coalesce($8, allow_overage),
          overage_price_cents = CASE WHEN $9::boolean THEN $10::int ELSE overage_price_cents END,
          stripe_price_id_month = CASE WHEN $11::boolean THEN $12::text ELSE stripe_price_id_month END,
          stripe_price_id_year = CASE WHEN $13::boolean THEN $14::text ELSE stripe_price_id_year END,
          is_active = coalesce($15, is_active),
          updated_at = now()
        WHERE code = $1 RETURNING code`,
      [
        code,
        patch.name ?? null,
        patch.priceMonthCents ?? null,
        patch.priceYearCents ?? null,
        patch.limits ? JSON.stringify(patch.limits) : null,
        patch.features ? JSON.stringify(patch.features) : null,
        patch.includedCredits ?? null,
        patch.allowOverage ?? null,
        patch.overagePriceCents !== undefined,
        patch.overagePriceCents ?? null,
        patch.stripePriceIdMonth !== undefined,
        patch.stripePriceIdMonth ?? null,
        patch.stripePriceIdYear !== undefined,
        patch.stripePriceIdYear ?? null,
        patch.isActive ?? null,
      ],
    );
    return rows[0]?.code ?? null;
  });
  if (!updated) throw notFound('PLAN_NOT_FOUND', 'No such plan');
  logger.info({ plan: code, actorUserId, fields: Object.keys(patch) }, 'plan edited by a platform admin');
  const plan = (await listAllPlans(db)).find((p) => p.code === code);
  return plan!;
}

/** Every plan, active or not, with what platform admins edit. */
export function listAllPlans(db: Database) {
  return withSystem(db, 'platform: every plan', async (_tx, client) => {
    const { rows } = await client.query<{
      code: string;
      name: string;
      price_month_cents: number;
      price_year_cents: number;
      limits: PlanLimits;
      features: PlanFeatures;
      included_credits: number;
      allow_overage: boolean;
      overage_price_cents: number | null;
      stripe_price_id_month: string | null;
      stripe_price_id_year: string | null;
      is_active: boolean;
    }>('SELECT * FROM plans ORDER BY sort_order, code');
    return rows.map((p) => ({
      code: p.code,
      name: p.name,
      priceMonthCents: p.price_month_cents,
      priceYearCents: p.price_year_cents,
      limits: p.limits,
      features: p.features,
      includedCredits: p.included_credits,
      allowOverage: p.allow_overage,
      overagePriceCents: p.overage_price_cents,
      stripePriceIdMonth: p.stripe_price_id_month,
      stripePriceIdYear: p.stripe_price_id_year,
      isActive: p.is_active,
    }));
  });
}
