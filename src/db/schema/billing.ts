import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  foreignKey,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { accounts } from './identity.ts';

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
