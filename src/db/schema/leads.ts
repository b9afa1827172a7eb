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
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { accounts } from './identity.ts';
import { capturePages } from './presence.ts';
import { cidr, citext, inet, sqlList } from './types.ts';

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
    /** lower(email) as text: text = is leakproof, so the dedupe lookup can use an index under RLS. */
    emailKey: text('email_key').generatedAlwaysAs(sql`lower(email::text)`),
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
    pageUrl: text('page_url'),
    userAgent: text('user_agent'),
    /** Why a lead is `spam` (honeypot, too_fast, blocked_ip), so a person can judge and recover it. */
    spamReason: text('spam_reason'),
    /** Submissions merged into this lead (1 = only the first); the last one's time. */
    submissionCount: integer('submission_count').notNull().default(1),
    lastSubmittedAt: timestamp('last_submitted_at', { withTimezone: true }).notNull().defaultNow(),
    // References memberships (account_id, user_id) in migration 0004: only a member of this
    // account can be assigned, and leaving the account clears it (ON DELETE SET NULL (col)).
    assignedUserId: uuid('assigned_user_id'),
    isHeld: boolean('is_held').notNull().default(false),
    heldReason: text('held_reason'),
    aiScore: integer('ai_score'),
    aiSummary: text('ai_summary'),
    aiReasons: jsonb('ai_reasons').$type<unknown[]>(),
    /** Which scorer wrote ai_score (`heuristic`, later `openai`), its model and its version. */
    aiScorer: text('ai_scorer'),
    aiModel: text('ai_model'),
    /** The scorer's version: the heuristic's weights table, or a model's prompt version. */
    aiVersion: text('ai_version'),
    aiScoredAt: timestamp('ai_scored_at', { withTimezone: true }),
    lostReason: text('lost_reason'),
    quotedAmountCents: bigint('quoted_amount_cents', { mode: 'number' }),
    actualAmountCents: bigint('actual_amount_cents', { mode: 'number' }),
    externalIds: jsonb('external_ids').$type<Record<string, string>>().notNull().default({}),
    firstResponseAt: timestamp('first_response_at', { withTimezone: true }),
    contactedAt: timestamp('contacted_at', { withTimezone: true }),
    qualifiedAt: timestamp('qualified_at', { withTimezone: true }),
    quotedAt: timestamp('quoted_at', { withTimezone: true }),
    bookedAt: timestamp('booked_at', { withTimezone: true }),
    wonAt: timestamp('won_at', { withTimezone: true }),
    lostAt: timestamp('lost_at', { withTimezone: true }),
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
    // Dedupe looks a contact up by email_key, not by email: citext's = is not LEAKPROOF, so under
    // forced RLS it can never be an index condition, and a lookup by email read the whole account.
    index('leads_account_email_key_idx').on(t.accountId, t.emailKey),
    index('leads_account_phone_idx').on(t.accountId, t.phoneE164),
    // btree_gin + pg_trgm: one index answers `account_id = $1 AND search ILIKE '%q%'`.
    index('leads_search_trgm_idx').using(
      'gin',
      t.accountId,
      sql`(coalesce(${t.fullName}, '') || ' ' || coalesce(${t.email}::text, '') || ' ' || coalesce(${t.phoneE164}, '') || ' ' || coalesce(${t.addressLine}, '')) gin_trgm_ops`,
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

/**
 * What a consumer agreed to, exactly: the text shown, its hash and version, the box's state,
 * where and from which address. One row per submission that showed consent text.
 */
export const leadConsents = pgTable(
  'lead_consents',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    leadId: uuid('lead_id').notNull(),
    pageId: uuid('page_id'),
    given: boolean('given').notNull(),
    consentText: text('consent_text').notNull(),
    /** sha256 of the text, hex: the version a compliance review can match. */
    textHash: text('text_hash').notNull(),
    textVersion: text('text_version'),
    pageUrl: text('page_url'),
    ip: inet('ip'),
    userAgent: text('user_agent'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'lead_consents_pkey', columns: [t.accountId, t.id] }),
    foreignKey({
      name: 'lead_consents_lead_fkey',
      columns: [t.accountId, t.leadId],
      foreignColumns: [leads.accountId, leads.id],
    }).onDelete('cascade'),
    index('lead_consents_lead_idx').on(t.accountId, t.leadId),
  ],
);

/** Addresses whose submissions are stored as spam (seed 002 `blocked_ips`). Tenant-scoped. */
export const blockedIps = pgTable(
  'blocked_ips',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    /** An address or a network (`203.0.113.0/24`). */
    network: cidr('network').notNull(),
    reason: text('reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'blocked_ips_pkey', columns: [t.accountId, t.id] }),
    unique('blocked_ips_account_network_key').on(t.accountId, t.network),
    foreignKey({
      name: 'blocked_ips_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
  ],
);

/**
 * Answers already given to a creating request with an `Idempotency-Key`, kept 24 h: a retry
 * with the same key and body gets the same answer and creates nothing.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    /** What the key was used for (`intake:<pageId>`, `POST /api/v1/leads`): keys are per scope. */
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code'),
    response: jsonb('response').$type<Record<string, unknown>>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'idempotency_keys_pkey', columns: [t.accountId, t.id] }),
    unique('idempotency_keys_scope_key').on(t.accountId, t.scope, t.key),
    foreignKey({
      name: 'idempotency_keys_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
  ],
);

/**
 * Fixed-window counters for intake rate limits, per client (a keyed hash of its IP, never the
 * IP) and page, and per client across the account's pages. Pruned daily.
 */
export const intakeRateLimits = pgTable(
  'intake_rate_limits',
  {
    accountId: uuid('account_id').notNull(),
    bucket: text('bucket').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    hits: integer('hits').notNull().default(0),
  },
  (t) => [
    primaryKey({ name: 'intake_rate_limits_pkey', columns: [t.accountId, t.bucket, t.windowStart] }),
    foreignKey({
      name: 'intake_rate_limits_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
  ],
);
