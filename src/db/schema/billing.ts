import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { accounts } from './identity.ts';
import { sqlList } from './types.ts';

export type PlanLimits = {
  leads: number | null;
  emails: number | null;
  sms: number | null;
  aiCalls: number | null;
  reports: number | null;
  propertyReports: number | null;
  seats: number | null;
};
export type PlanFeatures = {
  customDomain: boolean;
  twilio: boolean;
  voiceCallback: boolean;
  aiVoice: boolean;
  distressedLeads: boolean;
  byokAi: boolean;
};

/** The plan catalogue. Global; rows are seeded by migration and edited by platform admins. */
export const plans = pgTable('plans', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  priceMonthCents: integer('price_month_cents').notNull(),
  priceYearCents: integer('price_year_cents').notNull(),
  limits: jsonb('limits').$type<PlanLimits>().notNull(),
  features: jsonb('features').$type<PlanFeatures>().notNull(),
  includedCredits: integer('included_credits').notNull().default(0),
  allowOverage: boolean('allow_overage').notNull().default(false),
  overagePriceCents: integer('overage_price_cents'),
  stripePriceIdMonth: text('stripe_price_id_month'),
  stripePriceIdYear: text('stripe_price_id_year'),
  isActive: boolean('is_active').notNull().default(true),
  sortOrder: integer('sort_order').notNull().default(0),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * What each metered action costs the platform (seed 004 `token_pricing` unified with
 * `ai_cost_config`): the real cost of one unit in micro-dollars (a millionth of a dollar: no
 * floating point), the markup charged on it, and the credits it takes (the credit wallet, issue 8).
 * Global, seeded by migration, read-only to the app.
 */
export const creditPrices = pgTable(
  'credit_prices',
  {
    action: text('action').primaryKey(),
    /** What one unit is: `1k_tokens`, `message`, `minute`… */
    unit: text('unit').notNull(),
    costMicros: integer('cost_micros').notNull(),
    markupPercent: integer('markup_percent').notNull().default(50),
    credits: integer('credits').notNull(),
    description: text('description').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check(
      'credit_prices_numbers_check',
      sql`${t.costMicros} >= 0 and ${t.markupPercent} >= 0 and ${t.credits} >= 0`,
    ),
  ],
);

/** Monthly roll-up of metered usage per account. Tenant-scoped. */
export const usageCounters = pgTable(
  'usage_counters',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    periodMonth: date('period_month').notNull(),
    leadsCreated: integer('leads_created').notNull().default(0),
    emailsSent: integer('emails_sent').notNull().default(0),
    smsSent: integer('sms_sent').notNull().default(0),
    aiCalls: integer('ai_calls').notNull().default(0),
    reportsGenerated: integer('reports_generated').notNull().default(0),
    propertyReports: integer('property_reports').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'usage_counters_pkey', columns: [t.accountId, t.id] }),
    unique('usage_counters_account_period_key').on(t.accountId, t.periodMonth),
    foreignKey({
      name: 'usage_counters_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    check('usage_counters_period_check', sql`extract(day from period_month) = 1`),
  ],
);

/**
 * The account's Stripe subscriptions, mirrored from Stripe's webhook events (seed 000
 * `stripe_subscriptions` unified with seed 001 `subscriptions`). `status` is Stripe's own
 * (`active`, `trialing`, `past_due`, `unpaid`, `canceled`, `incomplete`, `incomplete_expired`,
 * `paused`); the account's plan and status follow the subscription that counts (see the billing
 * module). `lastEventAt` is the `created` time of the newest event applied: an older event never
 * overwrites newer state.
 */
export const subscriptions = pgTable(
  'subscriptions',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    stripeSubscriptionId: text('stripe_subscription_id').notNull(),
    stripeCustomerId: text('stripe_customer_id').notNull(),
    stripePriceId: text('stripe_price_id'),
    /** The plan the price maps to; null for a price this install does not know. */
    planCode: text('plan_code').references(() => plans.code, { onUpdate: 'cascade' }),
    /** `month` or `year`. */
    interval: text('interval'),
    status: text('status').notNull(),
    currentPeriodStart: timestamp('current_period_start', { withTimezone: true }),
    currentPeriodEnd: timestamp('current_period_end', { withTimezone: true }),
    cancelAtPeriodEnd: boolean('cancel_at_period_end').notNull().default(false),
    canceledAt: timestamp('canceled_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /** The amount of one period in cents, and its currency (for MRR). */
    amountCents: integer('amount_cents'),
    currency: text('currency'),
    stripeCreatedAt: timestamp('stripe_created_at', { withTimezone: true }),
    lastEventAt: timestamp('last_event_at', { withTimezone: true }).notNull(),
    lastEventId: text('last_event_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'subscriptions_pkey', columns: [t.accountId, t.id] }),
    unique('subscriptions_account_stripe_key').on(t.accountId, t.stripeSubscriptionId),
    foreignKey({
      name: 'subscriptions_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    check('subscriptions_interval_check', sql`${t.interval} is null or ${t.interval} in ('month', 'year')`),
  ],
);

/**
 * The account's billing history (seed 002 `billing_events`): one row per Stripe event applied
 * (and per wallet top-up or admin change later), with a thin payload of ids, statuses and
 * amounts. Append-only.
 */
export const billingEvents = pgTable(
  'billing_events',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    /** `subscription.updated`, `invoice.paid`, `checkout.completed`, `plan.changed`… */
    type: text('type').notNull(),
    stripeEventId: text('stripe_event_id'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`clock_timestamp()`),
  },
  (t) => [
    primaryKey({ name: 'billing_events_pkey', columns: [t.accountId, t.id] }),
    foreignKey({
      name: 'billing_events_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    index('billing_events_account_created_idx').on(t.accountId, t.createdAt.desc()),
  ],
);

/**
 * Every Stripe event id this install has taken, once (global: Stripe's ids are unique across
 * accounts). The row is inserted in the transaction that applies the event, so a duplicate
 * delivery, even a concurrent one, finds it and does nothing.
 */
export const stripeEvents = pgTable('stripe_events', {
  id: text('id').primaryKey(),
  type: text('type').notNull(),
  accountId: uuid('account_id'),
  eventCreatedAt: timestamp('event_created_at', { withTimezone: true }).notNull(),
  /** `applied`, or `ignored` (no account of ours, an unknown price, a type not handled). */
  outcome: text('outcome').notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Credit bundles sold through Checkout (seed 004 `token_bundles`). Global, seeded by migration. */
export const creditBundles = pgTable(
  'credit_bundles',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    credits: integer('credits').notNull(),
    priceCents: integer('price_cents').notNull(),
    stripePriceId: text('stripe_price_id'),
    isActive: boolean('is_active').notNull().default(true),
    sortOrder: integer('sort_order').notNull().default(0),
  },
  (t) => [check('credit_bundles_numbers_check', sql`${t.credits} > 0 and ${t.priceCents} >= 0`)],
);

export const creditEntryKinds = ['purchase', 'grant', 'consume', 'refund', 'adjust', 'expire'] as const;
export type CreditEntryKind = (typeof creditEntryKinds)[number];

/**
 * The account's credit wallet: the balance, kept equal to the sum of its ledger and never below
 * zero (a constraint), today's spend against an optional daily limit, and the auto-recharge
 * setting (a bundle bought when the balance falls under a threshold; `rechargePendingSince` is
 * set on the crossing and cleared when the purchase lands or fails, so one crossing buys once).
 */
export const creditWallets = pgTable(
  'credit_wallets',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    balance: bigint('balance', { mode: 'number' }).notNull().default(0),
    dailyLimit: integer('daily_limit'),
    spentDay: date('spent_day'),
    spentToday: bigint('spent_today', { mode: 'number' }).notNull().default(0),
    autoRechargeBelow: integer('auto_recharge_below'),
    autoRechargeBundle: text('auto_recharge_bundle').references(() => creditBundles.code, {
      onUpdate: 'cascade',
    }),
    rechargePendingSince: timestamp('recharge_pending_since', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'credit_wallets_pkey', columns: [t.accountId, t.id] }),
    unique('credit_wallets_account_key').on(t.accountId),
    foreignKey({
      name: 'credit_wallets_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    check('credit_wallets_balance_check', sql`${t.balance} >= 0`),
    check(
      'credit_wallets_limits_check',
      sql`(${t.dailyLimit} is null or ${t.dailyLimit} > 0) and (${t.autoRechargeBelow} is null or ${t.autoRechargeBelow} >= 0) and ${t.spentToday} >= 0`,
    ),
  ],
);

/**
 * The credit ledger (seed 004 `token_transactions` and `token_purchases`): append-only, one row
 * per movement, signed (`purchase`, `grant`, `refund` add; `consume`, `expire` take; `adjust`
 * either), with the balance after it. What it was for is named by reference: the price's action
 * and quantity, ids (lead, message, AI run, Stripe objects), never personal data.
 */
export const creditLedger = pgTable(
  'credit_ledger',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    kind: text('kind').notNull(),
    credits: bigint('credits', { mode: 'number' }).notNull(),
    balanceAfter: bigint('balance_after', { mode: 'number' }).notNull(),
    /** The `credit_prices` action a `consume` paid for, and how many units. */
    action: text('action'),
    quantity: integer('quantity'),
    reference: jsonb('reference').$type<Record<string, unknown>>().notNull().default({}),
    /** Why (required for `adjust`: a platform admin's reason). */
    reason: text('reason'),
    actorUserId: uuid('actor_user_id'),
    /** A Stripe Checkout session or PaymentIntent id: a purchase is credited once. */
    stripeObjectId: text('stripe_object_id'),
    // clock_timestamp(): rows written in one transaction keep the order they were written in.
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`clock_timestamp()`),
  },
  (t) => [
    primaryKey({ name: 'credit_ledger_pkey', columns: [t.accountId, t.id] }),
    foreignKey({
      name: 'credit_ledger_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    index('credit_ledger_account_created_idx').on(t.accountId, t.createdAt.desc()),
    uniqueIndex('credit_ledger_stripe_object_key')
      .on(t.accountId, t.stripeObjectId)
      .where(sql`${t.stripeObjectId} is not null`),
    check('credit_ledger_kind_check', sql.raw(`kind in (${sqlList(creditEntryKinds)})`)),
    check('credit_ledger_balance_check', sql`${t.balanceAfter} >= 0`),
    check(
      'credit_ledger_sign_check',
      sql`(${t.kind} in ('purchase', 'grant', 'refund') and ${t.credits} > 0)
        or (${t.kind} in ('consume', 'expire') and ${t.credits} < 0)
        or (${t.kind} = 'adjust' and ${t.credits} <> 0 and ${t.reason} is not null)`,
    ),
  ],
);
