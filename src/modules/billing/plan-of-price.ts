import type { Config } from '../../config.ts';
import type { SqlClient } from '../../db/client.ts';
import type { AccountStatus } from '../../db/schema/index.ts';

export type PricedPlan = { planCode: string; interval: 'month' | 'year' };

/**
 * A plan's Stripe price: `STRIPE_PRICE_IDS` (`pro=…` monthly, `pro_year=…` yearly) first, then the
 * plan's own `stripe_price_id_month`/`_year`; null when neither names one (Checkout then prices
 * the plan inline).
 */
export function priceIdOfPlan(
  config: Pick<Config, 'stripe'>,
  plan: { code: string; stripePriceIdMonth: string | null; stripePriceIdYear: string | null },
  interval: 'month' | 'year',
): string | null {
  const fromEnv = config.stripe.priceIds[interval === 'year' ? `${plan.code}_year` : plan.code];
  return fromEnv ?? (interval === 'year' ? plan.stripePriceIdYear : plan.stripePriceIdMonth) ?? null;
}

/**
 * Which plan a subscription's price is: by its id (`STRIPE_PRICE_IDS`, then the plans'
 * own price ids), or — for a plan Checkout priced inline — by the plan code Porchlight put in
 * the subscription's metadata. Null for a price this install does not know.
 */
export async function planOfPrice(
  client: SqlClient,
  config: Pick<Config, 'stripe'>,
  priceId: string | null,
  metadataPlanCode: string | undefined,
): Promise<PricedPlan | null> {
  if (priceId) {
    for (const [key, id] of Object.entries(config.stripe.priceIds)) {
      if (id !== priceId) continue;
      const year = key.endsWith('_year');
      const code = year ? key.slice(0, -'_year'.length) : key;
      if (await planExists(client, code)) return { planCode: code, interval: year ? 'year' : 'month' };
    }
    const { rows } = await client.query<{ code: string; year: boolean }>(
      `SELECT code, stripe_price_id_year = $1 AS year FROM plans
       WHERE stripe_price_id_month = $1 OR stripe_price_id_year = $1 LIMIT 1`,
      [priceId],
    );
    if (rows[0]) return { planCode: rows[0].code, interval: rows[0].year ? 'year' : 'month' };
  }
  if (metadataPlanCode && metadataPlanCode !== 'trial' && (await planExists(client, metadataPlanCode))) {
    return { planCode: metadataPlanCode, interval: 'month' };
  }
  return null;
}

async function planExists(client: SqlClient, code: string): Promise<boolean> {
  const { rows } = await client.query('SELECT 1 FROM plans WHERE code = $1', [code]);
  return rows.length === 1;
}

/** Whether a subscription in this Stripe status gives the account its plan. */
export function countsForPlan(status: string): boolean {
  return ['active', 'trialing', 'past_due', 'unpaid', 'paused'].includes(status);
}

/** The account's status for its counting subscription's Stripe status. */
export function accountStatusOf(status: string): AccountStatus {
  if (status === 'trialing') return 'trialing';
  if (status === 'active') return 'active';
  if (status === 'canceled' || status === 'incomplete_expired') return 'canceled';
  return 'past_due';
}
