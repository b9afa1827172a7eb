import crypto from 'node:crypto';
import type Stripe from 'stripe';
import type { Config } from '../../config.ts';
import type { Database, SqlClient, Tx } from '../../db/client.ts';
import { isUuid, withSystem, withTenant } from '../../db/tenant.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { creditWallet } from '../credits/credits.service.ts';
import { accountStatusOf, countsForPlan, planOfPrice } from './plan-of-price.ts';
import { creditRecharge } from './recharge.service.ts';

/**
 * Stripe's webhook events, applied (issue 8). Each event id is taken once: its `stripe_events`
 * row is inserted in the transaction that applies it, so a second delivery — even one arriving
 * while the first is still being applied — finds it and does nothing. Changes to one account's
 * billing are serialised on its account row. An event older than the state it would change (by
 * Stripe's `created`, in seconds) is recorded and not applied, so deliveries in any order end in
 * the state of the newest event; at the same second a subscription only moves forward
 * (incomplete → trialing/active/past_due → canceled), and a canceled one never comes back.
 */

export type StripeEventOutcome = 'applied' | 'ignored' | 'stale' | 'duplicate';

type Sub = Stripe.Subscription;
type BillingConfig = Pick<Config, 'stripe'>;

const HANDLED = new Set([
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
  'payment_intent.succeeded',
]);

const idOf = (v: string | { id: string } | null | undefined): string | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? v : v.id;
const at = (seconds: number | null | undefined): Date | null =>
  typeof seconds === 'number' ? new Date(seconds * 1000) : null;

/** The account an event is about: the object's `metadata.accountId`, its `client_reference_id`, or its customer. */
async function accountOfEvent(db: Database, event: Stripe.Event): Promise<string | null> {
  const object = event.data.object as {
    metadata?: Record<string, string> | null;
    client_reference_id?: string | null;
    customer?: string | { id: string } | null;
    parent?: { subscription_details?: { metadata?: Record<string, string> | null } | null } | null;
  };
  const candidates = [
    object.metadata?.accountId,
    object.client_reference_id,
    object.parent?.subscription_details?.metadata?.accountId,
  ].filter((c): c is string => isUuid(c));
  const customer = idOf(object.customer ?? null);
  return withSystem(db, 'stripe webhook: whose event', async (_tx, client) => {
    for (const id of candidates) {
      const { rows } = await client.query<{ id: string }>('SELECT id FROM accounts WHERE id = $1', [id]);
      if (rows[0]) return rows[0].id;
    }
    if (!customer) return null;
    const { rows } = await client.query<{ id: string }>(
      'SELECT id FROM accounts WHERE stripe_customer_id = $1',
      [customer],
    );
    return rows[0]?.id ?? null;
  });
}

/**
 * Applies one verified event, in one transaction with its `stripe_events` row; returns what was
 * done. An event for no account of ours, or of a type not handled, is recorded as `ignored`.
 */
export async function applyStripeEvent(
  db: Database,
  config: BillingConfig,
  event: Stripe.Event,
): Promise<{ outcome: StripeEventOutcome; accountId: string | null }> {
  const accountId = HANDLED.has(event.type) ? await accountOfEvent(db, event) : null;
  if (!accountId) {
    const taken = await withSystem(db, 'stripe webhook: ignored event', (_tx, client) =>
      takeEvent(client, event, null, 'ignored'),
    );
    return { outcome: taken ? 'ignored' : 'duplicate', accountId: null };
  }
  return withTenant(db, accountId, async (tx, client) => {
    // One account's billing changes one at a time, in the order their transactions lock.
    await client.query('SELECT id FROM accounts WHERE id = $1 FOR UPDATE', [accountId]);
    if (!(await takeEvent(client, event, accountId, 'applied'))) return { outcome: 'duplicate', accountId };
    const outcome = await applyToAccount(tx, client, config, accountId, event);
    return { outcome, accountId };
  });
}

/** Inserts the event's row; false when it was already taken (a duplicate delivery). */
async function takeEvent(
  client: SqlClient,
  event: Stripe.Event,
  accountId: string | null,
  outcome: 'applied' | 'ignored',
): Promise<boolean> {
  const { rows } = await client.query(
    `INSERT INTO stripe_events (id, type, account_id, event_created_at, outcome)
     VALUES ($1, $2, $3, to_timestamp($4), $5) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [event.id, event.type, accountId, event.created, outcome],
  );
  return rows.length === 1;
}

async function applyToAccount(
  tx: Tx,
  client: SqlClient,
  config: BillingConfig,
  accountId: string,
  event: Stripe.Event,
): Promise<StripeEventOutcome> {
  switch (event.type) {
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
      return applySubscription(tx, client, config, accountId, event, event.data.object);
    case 'invoice.paid':
    case 'invoice.payment_failed':
      return applyInvoice(tx, client, accountId, event, event.data.object);
    case 'checkout.session.completed':
      return applyCheckout(client, accountId, event, event.data.object);
    case 'payment_intent.succeeded': {
      // Only auto-recharges: a bundle bought through Checkout is credited by its session.
      const intent = event.data.object;
      if (intent.metadata?.recharge !== 'true' || !intent.metadata.bundle) return 'ignored';
      const credited = await creditRecharge(client, accountId, {
        id: intent.id,
        bundle: intent.metadata.bundle,
      });
      await billingEvent(client, accountId, 'recharge.confirmed', event, {
        paymentIntentId: intent.id,
        bundle: intent.metadata.bundle,
        credited,
      });
      return 'applied';
    }
    default:
      return 'ignored';
  }
}

async function billingEvent(
  client: SqlClient,
  accountId: string,
  type: string,
  event: Stripe.Event | null,
  payload: Record<string, unknown>,
) {
  await client.query(
    // clock_timestamp(): one transaction's rows keep the order they were written in.
    `INSERT INTO billing_events (account_id, id, type, stripe_event_id, payload, created_at)
     VALUES ($1, $2, $3, $4, $5, clock_timestamp())`,
    [accountId, crypto.randomUUID(), type, event?.id ?? null, JSON.stringify(payload)],
  );
}

/** How far along a subscription's life a status is: at the same second, state only moves forward. */
function stage(status: string): number {
  if (status === 'incomplete') return 0;
  if (status === 'canceled' || status === 'incomplete_expired') return 2;
  return 1;
}

type StoredSub = { id: string; status: string; last_event_at: Date | string };

async function storedSubscription(client: SqlClient, accountId: string, stripeId: string) {
  const { rows } = await client.query<StoredSub>(
    `SELECT id, status, last_event_at FROM subscriptions WHERE account_id = $1 AND stripe_subscription_id = $2`,
    [accountId, stripeId],
  );
  return rows[0] ?? null;
}

/** Whether an event at `created` (seconds) taking the subscription to `status` is older than what is stored. */
function isStale(stored: StoredSub, created: number, status: string): boolean {
  const last = Math.floor(new Date(stored.last_event_at).getTime() / 1000);
  if (stage(stored.status) === 2 && stage(status) < 2) return true;
  if (created < last) return true;
  return created === last && stage(status) < stage(stored.status);
}

async function applySubscription(
  tx: Tx,
  client: SqlClient,
  config: BillingConfig,
  accountId: string,
  event: Stripe.Event,
  sub: Sub,
): Promise<StripeEventOutcome> {
  const item = sub.items?.data?.[0];
  const price = item?.price;
  const mapped = await planOfPrice(client, config, price?.id ?? null, sub.metadata?.planCode);
  const legacy = sub as Sub & { current_period_start?: number; current_period_end?: number };
  const row = {
    stripeCustomerId: idOf(sub.customer) ?? '',
    stripePriceId: price?.id ?? null,
    planCode: mapped?.planCode ?? null,
    interval: price?.recurring?.interval === 'year' ? 'year' : price?.recurring ? 'month' : null,
    status: sub.status,
    periodStart: at(item?.current_period_start ?? legacy.current_period_start),
    periodEnd: at(item?.current_period_end ?? legacy.current_period_end),
    cancelAtPeriodEnd: sub.cancel_at_period_end === true,
    canceledAt: at(sub.canceled_at),
    endedAt: at(sub.ended_at),
    amountCents: typeof price?.unit_amount === 'number' ? price.unit_amount * (item?.quantity ?? 1) : null,
    currency: price?.currency ?? null,
    stripeCreatedAt: at(sub.created),
  };
  const payload = {
    subscriptionId: sub.id,
    status: sub.status,
    plan: row.planCode,
    priceId: row.stripePriceId,
    cancelAtPeriodEnd: row.cancelAtPeriodEnd,
    currentPeriodEnd: row.periodEnd?.toISOString() ?? null,
  };
  const stored = await storedSubscription(client, accountId, sub.id);
  if (stored && isStale(stored, event.created, sub.status)) {
    await billingEvent(client, accountId, `${event.type.replace('customer.', '')}.stale`, event, payload);
    return 'stale';
  }
  const values = [
    row.stripeCustomerId,
    row.stripePriceId,
    row.planCode,
    row.interval,
    row.status,
    row.periodStart,
    row.periodEnd,
    row.cancelAtPeriodEnd,
    row.canceledAt,
    row.endedAt,
    row.amountCents,
    row.currency,
    row.stripeCreatedAt,
    event.created,
    event.id,
  ];
  if (stored) {
    await client.query(
      `UPDATE subscriptions SET stripe_customer_id = $3, stripe_price_id = $4, plan_code = $5, interval = $6,
         status = $7, current_period_start = $8, current_period_end = $9, cancel_at_period_end = $10,
         canceled_at = $11, ended_at = $12, amount_cents = $13, currency = $14, stripe_created_at = $15,
         last_event_at = to_timestamp($16), last_event_id = $17, updated_at = now()
       WHERE account_id = $1 AND id = $2`,
      [accountId, stored.id, ...values],
    );
  } else {
    await client.query(
      `INSERT INTO subscriptions (account_id, id, stripe_subscription_id, stripe_customer_id, stripe_price_id,
         plan_code, interval, status, current_period_start, current_period_end, cancel_at_period_end,
         canceled_at, ended_at, amount_cents, currency, stripe_created_at, last_event_at, last_event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, to_timestamp($17), $18)`,
      [accountId, crypto.randomUUID(), sub.id, ...values],
    );
  }
  if (row.stripeCustomerId) await rememberCustomer(client, accountId, row.stripeCustomerId);
  await billingEvent(client, accountId, event.type.replace('customer.', ''), event, {
    ...payload,
    ...(mapped ? {} : { unknownPrice: true }),
  });
  await settleAccountPlan(tx, client, accountId, event);
  return 'applied';
}

async function applyInvoice(
  tx: Tx,
  client: SqlClient,
  accountId: string,
  event: Stripe.Event,
  invoice: Stripe.Invoice,
): Promise<StripeEventOutcome> {
  const legacy = invoice as Stripe.Invoice & { subscription?: string | { id: string } | null };
  const subscriptionId = idOf(
    invoice.parent?.subscription_details?.subscription ?? legacy.subscription ?? null,
  );
  const paid = event.type === 'invoice.paid';
  await billingEvent(client, accountId, paid ? 'invoice.paid' : 'invoice.payment_failed', event, {
    invoiceId: invoice.id ?? null,
    subscriptionId,
    amountDueCents: invoice.amount_due,
    amountPaidCents: invoice.amount_paid,
    currency: invoice.currency,
    attemptCount: invoice.attempt_count,
  });
  if (!subscriptionId) return 'applied';
  const stored = await storedSubscription(client, accountId, subscriptionId);
  if (!stored || stage(stored.status) === 2) return 'applied';
  const last = Math.floor(new Date(stored.last_event_at).getTime() / 1000);
  if (event.created < last) return 'stale';
  // A failed payment makes the subscription past due; a paid invoice makes a past-due one active.
  const next = paid
    ? ['past_due', 'unpaid'].includes(stored.status)
      ? 'active'
      : stored.status
    : ['active', 'trialing'].includes(stored.status)
      ? 'past_due'
      : stored.status;
  await client.query(
    `UPDATE subscriptions SET status = $3, last_event_at = to_timestamp($4), last_event_id = $5, updated_at = now()
     WHERE account_id = $1 AND id = $2`,
    [accountId, stored.id, next, event.created, event.id],
  );
  await settleAccountPlan(tx, client, accountId, event);
  return 'applied';
}

async function applyCheckout(
  client: SqlClient,
  accountId: string,
  event: Stripe.Event,
  session: Stripe.Checkout.Session,
): Promise<StripeEventOutcome> {
  const customer = idOf(session.customer);
  if (customer) await rememberCustomer(client, accountId, customer);
  const payload = {
    sessionId: session.id,
    mode: session.mode,
    paymentStatus: session.payment_status,
    subscriptionId: idOf(session.subscription),
    bundle: session.metadata?.bundle ?? null,
    amountTotalCents: session.amount_total,
  };
  await billingEvent(client, accountId, 'checkout.completed', event, payload);
  // A credit bundle bought: credited once per session (the ledger keys on the session id).
  if (session.mode === 'payment' && session.payment_status === 'paid' && session.metadata?.bundle) {
    const { rows } = await client.query<{ credits: number }>(
      'SELECT credits FROM credit_bundles WHERE code = $1',
      [session.metadata.bundle],
    );
    const credits = rows[0]?.credits;
    if (!credits) return 'ignored';
    await creditWallet(client, accountId, {
      kind: 'purchase',
      credits,
      stripeObjectId: session.id,
      reference: { bundle: session.metadata.bundle, checkoutSessionId: session.id },
    });
    await client.query(
      'UPDATE credit_wallets SET recharge_pending_since = NULL, updated_at = now() WHERE account_id = $1',
      [accountId],
    );
  }
  return 'applied';
}

/** The account's Stripe customer, the first time it is seen (a customer belongs to one account). */
async function rememberCustomer(client: SqlClient, accountId: string, customerId: string) {
  await client.query(
    `UPDATE accounts SET stripe_customer_id = $2, updated_at = now()
     WHERE id = $1 AND stripe_customer_id IS NULL
       AND NOT EXISTS (SELECT 1 FROM accounts o WHERE o.stripe_customer_id = $2)`,
    [accountId, customerId],
  );
}

/**
 * Sets the account's plan and status from the subscription that counts: the newest one that is
 * not over (active, trialing, past due, unpaid, paused) with a plan this install knows. With none
 * and at least one that ended, the account is back on the trial plan, `canceled`; its data stays
 * and the trial's limits apply. A subscription still `incomplete` changes nothing.
 */
async function settleAccountPlan(tx: Tx, client: SqlClient, accountId: string, event: Stripe.Event) {
  const { rows: subs } = await client.query<{ plan_code: string | null; status: string }>(
    `SELECT plan_code, status FROM subscriptions WHERE account_id = $1
     ORDER BY stripe_created_at DESC NULLS LAST, created_at DESC`,
    [accountId],
  );
  const counting = subs.find((s) => countsForPlan(s.status) && s.plan_code !== null);
  const ended = subs.some((s) => stage(s.status) === 2);
  const next = counting
    ? { plan: counting.plan_code!, status: accountStatusOf(counting.status) }
    : ended
      ? { plan: 'trial', status: 'canceled' as const }
      : null;
  if (!next) return;
  const { rows } = await client.query<{ plan_code: string; status: string }>(
    'SELECT plan_code, status FROM accounts WHERE id = $1',
    [accountId],
  );
  const before = rows[0]!;
  if (before.plan_code === next.plan && before.status === next.status) return;
  await client.query('UPDATE accounts SET plan_code = $2, status = $3, updated_at = now() WHERE id = $1', [
    accountId,
    next.plan,
    next.status,
  ]);
  const change = {
    fromPlan: before.plan_code,
    toPlan: next.plan,
    fromStatus: before.status,
    toStatus: next.status,
  };
  await billingEvent(client, accountId, 'plan.changed', event, change);
  await recordAudit(tx, {
    accountId,
    action: 'billing.plan_changed',
    details: { ...change, stripeEventId: event.id },
  });
}
