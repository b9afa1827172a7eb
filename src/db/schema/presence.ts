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
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { accounts } from './identity.ts';
import { citext, sqlList } from './types.ts';

export const pageKinds = ['home_valuation', 'buyer_interest', 'contact', 'custom'] as const;

/** A branded public form (funnel). Tenant-scoped; never hard-deleted once it has leads. */
export const capturePages = pgTable(
  'capture_pages',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    kind: text('kind').notNull(),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    headline: text('headline'),
    subheadline: text('subheadline'),
    callToAction: text('call_to_action'),
    /** Meta and Open Graph description. */
    description: text('description'),
    /** Consent text shown beside a checkbox; null: the account's branding text, if any. */
    consentText: text('consent_text'),
    thankYouHeadline: text('thank_you_headline'),
    thankYouMessage: text('thank_you_message'),
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    isActive: boolean('is_active').notNull().default(true),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'capture_pages_pkey', columns: [t.accountId, t.id] }),
    unique('capture_pages_account_slug_key').on(t.accountId, t.slug),
    foreignKey({
      name: 'capture_pages_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    check('capture_pages_kind_check', sql.raw(`kind in (${sqlList(pageKinds)})`)),
    check('capture_pages_slug_format_check', sql`slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'`),
  ],
);

export const brandingThemes = ['light', 'dark'] as const;

/**
 * How an account's public pages look and who they present (seed 000 `branding`, seed 002
 * `users.landing_page_*` and `affiliate_branding`: a sponsor's branding is its own row here).
 * Tenant-scoped, one row per account.
 */
export const branding = pgTable(
  'branding',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    displayName: text('display_name'),
    brokerage: text('brokerage'),
    headline: text('headline'),
    subheadline: text('subheadline'),
    callToAction: text('call_to_action'),
    logoUrl: text('logo_url'),
    photoUrl: text('photo_url'),
    primaryColor: text('primary_color').notNull().default('#1f4fd1'),
    accentColor: text('accent_color').notNull().default('#f59e0b'),
    theme: text('theme').notNull().default('light'),
    licenseNumber: text('license_number'),
    phoneE164: text('phone_e164'),
    publicEmail: citext('public_email'),
    bio: text('bio'),
    /** Shown beside a checkbox on every form when set; pages may override it. */
    consentText: text('consent_text'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'branding_pkey', columns: [t.accountId, t.id] }),
    unique('branding_account_key').on(t.accountId),
    foreignKey({
      name: 'branding_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    check('branding_theme_check', sql.raw(`theme in (${sqlList(brandingThemes)})`)),
    check(
      'branding_colors_check',
      sql`primary_color ~ '^#[0-9a-fA-F]{6}$' and accent_color ~ '^#[0-9a-fA-F]{6}$'`,
    ),
  ],
);

/** Quotes from happy clients, shown on the account's pages. Tenant-scoped. */
export const testimonials = pgTable(
  'testimonials',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    authorName: text('author_name').notNull(),
    quote: text('quote').notNull(),
    location: text('location'),
    rating: integer('rating'),
    sortOrder: integer('sort_order').notNull().default(0),
    isPublished: boolean('is_published').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'testimonials_pkey', columns: [t.accountId, t.id] }),
    foreignKey({
      name: 'testimonials_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    check('testimonials_rating_check', sql`rating is null or rating between 1 and 5`),
  ],
);

export const domainStatuses = ['pending', 'active', 'failed'] as const;

/** A custom hostname of an account (seed 000 `agent_domains`). Tenant-scoped. */
export const domains = pgTable(
  'domains',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    hostname: citext('hostname').notNull(),
    provider: text('provider').notNull(),
    providerHostnameId: text('provider_hostname_id'),
    verificationStatus: text('verification_status').notNull().default('pending'),
    /** What the customer must publish in DNS (CNAME target, TXT records), as the provider says. */
    verification: jsonb('verification').$type<Record<string, unknown>>().notNull().default({}),
    lastError: text('last_error'),
    isPrimary: boolean('is_primary').notNull().default(false),
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    checkedAt: timestamp('checked_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'domains_pkey', columns: [t.accountId, t.id] }),
    unique('domains_account_hostname_key').on(t.accountId, t.hostname),
    uniqueIndex('domains_one_primary_idx').on(t.accountId).where(sql`is_primary`),
    foreignKey({
      name: 'domains_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    check('domains_status_check', sql.raw(`verification_status in (${sqlList(domainStatuses)})`)),
    check(
      'domains_hostname_format_check',
      sql`hostname ~ '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$' and length(hostname) <= 253`,
    ),
  ],
);

/**
 * Which account a custom hostname belongs to: global, so a hostname is claimed once across
 * all tenants and a request's Host routes to its account (a Citus reference table).
 * Readable by all; a tenant adds and removes only its own.
 */
export const hostnames = pgTable('hostnames', {
  hostname: citext('hostname').primaryKey(),
  accountId: uuid('account_id')
    .notNull()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  domainId: uuid('domain_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Which account a page id belongs to, for the public intake endpoint that names only the page.
 * Global and readable by all (a page id is public: it is in every embedded form); a tenant
 * adds and removes only its own.
 */
export const pageRoutes = pgTable('page_routes', {
  pageId: uuid('page_id').primaryKey(),
  accountId: uuid('account_id')
    .notNull()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Views, unique visitors and submissions per page per day (seed 002 `*_stats_daily`). */
export const pageStatsDaily = pgTable(
  'page_stats_daily',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    pageId: uuid('page_id').notNull(),
    day: date('day').notNull(),
    views: integer('views').notNull().default(0),
    uniqueVisitors: integer('unique_visitors').notNull().default(0),
    submissions: integer('submissions').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'page_stats_daily_pkey', columns: [t.accountId, t.id] }),
    unique('page_stats_daily_page_day_key').on(t.accountId, t.pageId, t.day),
    foreignKey({
      name: 'page_stats_daily_page_fkey',
      columns: [t.accountId, t.pageId],
      foreignColumns: [capturePages.accountId, capturePages.id],
    }).onDelete('cascade'),
  ],
);

/**
 * Today's visitors of a page, as a salted hash of IP and user agent (the salt changes daily
 * and is never stored; the raw IP never is). Only for counting unique visitors; pruned daily.
 */
export const pageVisitors = pgTable(
  'page_visitors',
  {
    accountId: uuid('account_id').notNull(),
    pageId: uuid('page_id').notNull(),
    day: date('day').notNull(),
    visitorHash: text('visitor_hash').notNull(),
  },
  (t) => [
    primaryKey({ name: 'page_visitors_pkey', columns: [t.accountId, t.pageId, t.day, t.visitorHash] }),
    foreignKey({
      name: 'page_visitors_page_fkey',
      columns: [t.accountId, t.pageId],
      foreignColumns: [capturePages.accountId, capturePages.id],
    }).onDelete('cascade'),
  ],
);
