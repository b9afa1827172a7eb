import Stripe from 'stripe';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/client.ts';
import type { AccountStatus } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { AppError, invalid } from '../../platform/errors.ts';
import { stripeClient } from '../../providers/billing/stripe.ts';
import { getUsage } from '../leads/usage.service.ts';
import type { Billing, CheckoutBody } from './billing.schema.ts';
import { allowanceOf } from './entitlements.ts';
import { countsForPlan, priceIdOfPlan } from './plan-of-price.ts';

export type BillingDeps = { db: Database; config: Pick<Config, 'stripe' | 'baseUrl'> };

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

type SubRow = {
  status: string;
  interval: 'month' | 'year' | null;
  current_period_end: Date | string | null;
  cancel_at_period_end: boolean;
};

/** `GET /api/v1/billing`: the plan, its status and period, this month's usage against it, the credits. */
export async function getBilling(deps: BillingDeps, accountId: string): Promise<Billing> {
  const usage = await getUsage(deps.db, accountId);
  return withTenant(
    deps.db,
    accountId,
    async (_tx, client) => {
      const { rows: accounts } = await client.query<{
        status: AccountStatus;
        stripe_customer_id: string | null;
        features: Record<string, boolean>;
      }>(
        `SELECT a.status, a.stripe_customer_id, p.features FROM accounts a JOIN plans p ON p.code = a.plan_code
         WHERE a.id = $1`,
        [accountId],
      );
      const account = accounts[0]!;
      const { rows: subs } = await client.query<SubRow>(
        `SELECT status, interval, current_period_end, cancel_at_period_end FROM subscriptions
         WHERE account_id = $1 ORDER BY stripe_created_at DESC NULLS LAST, created_at DESC`,
        [accountId],
      );
      const sub = subs.find((s) => countsForPlan(s.status)) ?? null;
      const allowances = {
        leads: await allowanceOf(client, accountId, 'leads'),
        emails: await allowanceOf(client, accountId, 'emails'),
        sms: await allowanceOf(client, accountId, 'sms'),
        aiCalls: await allowanceOf(client, accountId, 'aiCalls'),
      };
      const { rows: wallet } = await client.query<{ balance: string | number }>(
        'SELECT balance FROM credit_wallets WHERE account_id = $1',
        [accountId],
      );
      return {
        plan: usage.plan,
        status: account.status,
        subscription: sub
          ? {
              status: sub.status,
              interval: sub.interval,
              currentPeriodEnd: iso(sub.current_period_end),
              cancelAtPeriodEnd: sub.cancel_at_period_end,
            }
          : null,
        currentPeriodEnd: sub ? iso(sub.current_period_end) : null,
        periodMonth: usage.periodMonth,
        usage: usage.counters,
        limits: usage.limits,
        features: account.features,
        allowances,
        creditBalance: Number(wallet[0]?.balance ?? 0),
        checkoutAvailable: Boolean(deps.config.stripe.secretKey),
        hasBillingAccount: account.stripe_customer_id !== null,
      };
    },
    { snapshot: true },
  );
}

function requireStripe(config: Pick<Config, 'stripe'>): Stripe {
  const stripe = stripeClient(config);
  if (!stripe)
    throw new AppError(
      'unavailable',
      'BILLING_NOT_CONFIGURED',
      'Payments are not set up on this server (STRIPE_SECRET_KEY is unset)',
    );
  return stripe;
}

/** Stripe failed or could not be reached: a 503 the client may retry (Stripe's own message is not passed on). */
function stripeUnavailable(error: unknown): never {
  if (error instanceof Stripe.errors.StripeError) {
    throw new AppError(
      'unavailable',
      'BILLING_PROVIDER_UNAVAILABLE',
      'Stripe did not take the request; try again in a moment',
    );
  }
  throw error;
}

/** The account's Stripe customer, created once (an idempotency key makes a race create one). */
async function customerOf(deps: BillingDeps, stripe: Stripe, accountId: string): Promise<string> {
  const account = await withTenant(deps.db, accountId, async (_tx, client) => {
    const { rows } = await client.query<{ name: string; stripe_customer_id: string | null }>(
      'SELECT name, stripe_customer_id FROM accounts WHERE id = $1',
      [accountId],
    );
    return rows[0]!;
  });
  if (account.stripe_customer_id) return account.stripe_customer_id;
  const customer = await stripe.customers
    .create(
      { name: account.name, metadata: { accountId } },
      { idempotencyKey: `porchlight-customer-${accountId}` },
    )
    .catch(stripeUnavailable);
  return withTenant(deps.db, accountId, async (_tx, client) => {
    const { rows } = await client.query<{ stripe_customer_id: string }>(
      `UPDATE accounts SET stripe_customer_id = coalesce(stripe_customer_id, $2), updated_at = now()
       WHERE id = $1 RETURNING stripe_customer_id`,
      [accountId, customer.id],
    );
    return rows[0]!.stripe_customer_id;
  });
}

/** One Checkout line: the Stripe price by id, or priced inline from the catalogue (in US dollars). */
function lineItem(
  priceId: string | null,
  inline: { name: string; cents: number; interval?: 'month' | 'year' },
): Stripe.Checkout.SessionCreateParams.LineItem {
  if (priceId) return { price: priceId, quantity: 1 };
  return {
    quantity: 1,
    price_data: {
      currency: 'usd',
      unit_amount: inline.cents,
      ...(inline.interval ? { recurring: { interval: inline.interval } } : {}),
      product_data: { name: `Porchlight ${inline.name}` },
    },
  };
}

/**
 * `POST /api/v1/billing/checkout`: a Stripe Checkout session for a paid plan (a subscription) or
 * a credit bundle (a one-off payment, its card kept for auto-recharge). Objects carry
 * `metadata.accountId` and `client_reference_id`; an account already paying for a plan changes
 * it in the billing portal instead.
 */
export async function createCheckout(
  deps: BillingDeps,
  accountId: string,
  body: CheckoutBody,
): Promise<{ url: string }> {
  const stripe = requireStripe(deps.config);
  const back = `${deps.config.baseUrl}/app/usage`;
  const common = {
    client_reference_id: accountId,
    success_url: `${back}?checkout=done`,
    cancel_url: `${back}?checkout=canceled`,
  };
  if ('plan' in body) {
    const plan = await withTenant(deps.db, accountId, async (_tx, client) => {
      const { rows } = await client.query<{
        code: string;
        name: string;
        price_month_cents: number;
        price_year_cents: number;
        stripe_price_id_month: string | null;
        stripe_price_id_year: string | null;
      }>(
        `SELECT code, name, price_month_cents, price_year_cents, stripe_price_id_month, stripe_price_id_year
         FROM plans WHERE code = $1 AND is_active AND price_month_cents > 0`,
        [body.plan],
      );
      const { rows: paying } = await client.query(
        `SELECT 1 FROM subscriptions WHERE account_id = $1
           AND status IN ('active', 'trialing', 'past_due', 'unpaid', 'paused') LIMIT 1`,
        [accountId],
      );
      return { plan: rows[0], paying: paying.length > 0 };
    });
    if (!plan.plan)
      throw invalid('BILLING_PLAN_UNKNOWN', [{ path: 'body.plan', message: 'is not a paid plan' }]);
    if (plan.paying)
      throw new AppError(
        'conflict',
        'BILLING_ALREADY_SUBSCRIBED',
        'This account already has a subscription; change its plan in the billing portal',
      );
    const p = plan.plan;
    const customer = await customerOf(deps, stripe, accountId);
    const priceId = priceIdOfPlan(
      deps.config,
      {
        code: p.code,
        stripePriceIdMonth: p.stripe_price_id_month,
        stripePriceIdYear: p.stripe_price_id_year,
      },
      body.interval,
    );
    const session = await stripe.checkout.sessions
      .create({
        ...common,
        mode: 'subscription',
        customer,
        line_items: [
          lineItem(priceId, {
            name: p.name,
            cents: body.interval === 'year' ? p.price_year_cents : p.price_month_cents,
            interval: body.interval,
          }),
        ],
        metadata: { accountId, planCode: p.code },
        subscription_data: { metadata: { accountId, planCode: p.code } },
      })
      .catch(stripeUnavailable);
    return { url: session.url! };
  }
  const bundle = await withTenant(deps.db, accountId, async (_tx, client) => {
    const { rows } = await client.query<{
      code: string;
      name: string;
      price_cents: number;
      stripe_price_id: string | null;
    }>('SELECT code, name, price_cents, stripe_price_id FROM credit_bundles WHERE code = $1 AND is_active', [
      body.bundle,
    ]);
    return rows[0];
  });
  if (!bundle)
    throw invalid('BILLING_BUNDLE_UNKNOWN', [{ path: 'body.bundle', message: 'is not a credit bundle' }]);
  const customer = await customerOf(deps, stripe, accountId);
  const priceId = deps.config.stripe.priceIds[bundle.code] ?? bundle.stripe_price_id;
  const session = await stripe.checkout.sessions
    .create({
      ...common,
      mode: 'payment',
      customer,
      line_items: [lineItem(priceId, { name: bundle.name, cents: bundle.price_cents })],
      metadata: { accountId, bundle: bundle.code },
      payment_intent_data: {
        metadata: { accountId, bundle: bundle.code },
        setup_future_usage: 'off_session',
      },
    })
    .catch(stripeUnavailable);
  return { url: session.url! };
}

/** `POST /api/v1/billing/portal`: a Stripe billing portal session for the account's customer. */
export async function createPortal(deps: BillingDeps, accountId: string): Promise<{ url: string }> {
  const stripe = requireStripe(deps.config);
  const customer = await withTenant(deps.db, accountId, async (_tx, client) => {
    const { rows } = await client.query<{ stripe_customer_id: string | null }>(
      'SELECT stripe_customer_id FROM accounts WHERE id = $1',
      [accountId],
    );
    return rows[0]?.stripe_customer_id ?? null;
  });
  if (!customer)
    throw new AppError(
      'conflict',
      'BILLING_NO_CUSTOMER',
      'This account has not paid for anything yet; choose a plan or buy credits first',
    );
  const session = await stripe.billingPortal.sessions
    .create({ customer, return_url: `${deps.config.baseUrl}/app/usage` })
    .catch(stripeUnavailable);
  return { url: session.url };
}

/** The account's billing history, newest first. */
export function listBillingEvents(db: Database, accountId: string, limit: number) {
  return withTenant(
    db,
    accountId,
    async (_tx, client) => {
      const { rows } = await client.query<{
        id: string;
        type: string;
        payload: Record<string, unknown>;
        created_at: Date | string;
      }>(
        `SELECT id, type, payload, created_at FROM billing_events WHERE account_id = $1
         ORDER BY created_at DESC, id DESC LIMIT $2`,
        [accountId, limit],
      );
      return {
        data: rows.map((r) => ({
          id: r.id,
          type: r.type,
          payload: r.payload,
          createdAt: iso(r.created_at)!,
        })),
      };
    },
    { snapshot: true },
  );
}
