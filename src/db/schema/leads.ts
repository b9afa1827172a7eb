import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { accounts } from './identity.ts';
import { capturePages } from './presence.ts';
import { citext, inet, sqlList } from './types.ts';

export const leadStatuses = [
  'new',
  'contacted',
  'qualified',
  'quoted',
  'booked',
  'won',
  'lost',
  'spam',
] as const;
export const leadSources = [
  'home_valuation',
  'buyer_interest',
  'contact',
  'custom',
  'import',
  'api',
  'missed_call',
  'phone_call',
  'sms',
  'voice_assistant',
  'google_ads',
  'referral',
  'website',
  'property_report',
  'consumer_report',
  'property_search',
  'marketplace',
] as const;
export type LeadStatus = (typeof leadStatuses)[number];
export type LeadSource = (typeof leadSources)[number];

/**
 * Every inquiry, whatever its channel: the superset of the seeds' leads and saved_leads.
 * Tenant-scoped. Money is integer cents.
 */
export const leads = pgTable(
  'leads',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    pageId: uuid('page_id'),
    source: text('source').notNull(),
    status: text('status').notNull().default('new'),
    fullName: text('full_name'),
    email: citext('email'),
    phoneE164: text('phone_e164'),
    addressLine: text('address_line'),
    city: text('city'),
    state: text('state'),
    postalCode: text('postal_code'),
    message: text('message'),
    serviceType: text('service_type'),
    urgency: text('urgency'),
    timeline: text('timeline'),
    priceMinCents: bigint('price_min_cents', { mode: 'number' }),
    priceMaxCents: bigint('price_max_cents', { mode: 'number' }),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    utmSource: text('utm_source'),
    utmMedium: text('utm_medium'),
    utmCampaign: text('utm_campaign'),
    utmTerm: text('utm_term'),
    utmContent: text('utm_content'),
    referrer: text('referrer'),
    sourceIp: inet('source_ip'),
    consentGiven: boolean('consent_given').notNull().default(false),
    consentText: text('consent_text'),
    consentAt: timestamp('consent_at', { withTimezone: true }),
    // References memberships (account_id, user_id) in migration 0004: only a member of this
    // account can be assigned, and leaving the account clears it (ON DELETE SET NULL (col)).
    assignedUserId: uuid('assigned_user_id'),
    isHeld: boolean('is_held').notNull().default(false),
    heldReason: text('held_reason'),
    aiScore: integer('ai_score'),
    aiSummary: text('ai_summary'),
    aiReasons: jsonb('ai_reasons').$type<unknown[]>(),
    aiScorer: text('ai_scorer'),
    aiModel: text('ai_model'),
    lostReason: text('lost_reason'),
    quotedAmountCents: bigint('quoted_amount_cents', { mode: 'number' }),
    actualAmountCents: bigint('actual_amount_cents', { mode: 'number' }),
    externalIds: jsonb('external_ids').$type<Record<string, string>>().notNull().default({}),
    firstResponseAt: timestamp('first_response_at', { withTimezone: true }),
    contactedAt: timestamp('contacted_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'leads_pkey', columns: [t.accountId, t.id] }),
    foreignKey({
      name: 'leads_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    // Composite: a lead can only point at a page of its own account.
    foreignKey({
      name: 'leads_page_fkey',
      columns: [t.accountId, t.pageId],
      foreignColumns: [capturePages.accountId, capturePages.id],
    }),
    // DESC NULLS FIRST is what ORDER BY … DESC means: an index built NULLS LAST cannot serve it.
    index('leads_account_created_idx').on(
      t.accountId,
      t.createdAt.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    index('leads_account_status_idx').on(t.accountId, t.status, t.createdAt.desc().nullsFirst()),
    index('leads_account_email_idx').on(t.accountId, t.email),
    index('leads_account_phone_idx').on(t.accountId, t.phoneE164),
    index('leads_search_trgm_idx').using(
      'gin',
      sql`(coalesce(${t.fullName}, '') || ' ' || coalesce(${t.email}::text, '') || ' ' || coalesce(${t.phoneE164}, '')) gin_trgm_ops`,
    ),
    check('leads_status_check', sql.raw(`status in (${sqlList(leadStatuses)})`)),
    check('leads_source_check', sql.raw(`source in (${sqlList(leadSources)})`)),
    check('leads_ai_score_check', sql`ai_score is null or ai_score between 0 and 100`),
    check('leads_phone_e164_check', sql`phone_e164 is null or phone_e164 ~ '^\\+[1-9][0-9]{6,14}$'`),
  ],
);

/** The timeline of one lead. Tenant-scoped child of leads. */
export const leadEvents = pgTable(
  'lead_events',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    leadId: uuid('lead_id').notNull(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    // References memberships (account_id, user_id) in migration 0004, as assigned_user_id.
    actorUserId: uuid('actor_user_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'lead_events_pkey', columns: [t.accountId, t.id] }),
    foreignKey({
      name: 'lead_events_lead_fkey',
      columns: [t.accountId, t.leadId],
      foreignColumns: [leads.accountId, leads.id],
    }).onDelete('cascade'),
    index('lead_events_lead_idx').on(t.accountId, t.leadId, t.createdAt.desc().nullsFirst()),
    check('lead_events_kind_format_check', sql`kind ~ '^[a-z][a-z0-9_.]{1,63}$'`),
  ],
);
