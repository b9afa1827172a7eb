import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  foreignKey,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { plans } from './billing.ts';
import { citext, sqlList } from './types.ts';

export const accountVerticals = ['real_estate', 'home_services', 'investor', 'lender', 'other'] as const;
export const accountStatuses = ['active', 'trialing', 'past_due', 'canceled', 'suspended'] as const;
export type AccountStatus = (typeof accountStatuses)[number];
export const membershipRoles = ['owner', 'admin', 'member', 'affiliate'] as const;
/**
 * Which new leads a member is emailed about: `all` (every unassigned lead, plus those assigned
 * to them), `assigned` (only leads assigned to them), `none` (no new-lead emails).
 */
export const newLeadAlertChoices = ['all', 'assigned', 'none'] as const;

/**
 * The tenant. Global (not tenant-scoped): its slug is unique across every tenant, and
 * routing a host name to its account reads it before any tenant is known.
 */
export const accounts = pgTable(
  'accounts',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    slug: citext('slug').notNull().unique('accounts_slug_key'),
    vertical: text('vertical').notNull().default('real_estate'),
    planCode: text('plan_code')
      .notNull()
      .default('trial')
      .references(() => plans.code, { onUpdate: 'cascade' }),
    status: text('status').notNull().default('active'),
    country: text('country').notNull().default('US'),
    timezone: text('timezone').notNull().default('America/New_York'),
    phoneE164: text('phone_e164'),
    smsOptIn: boolean('sms_opt_in').notNull().default(false),
    /** When the account's phone proved it receives texts (a code sent to it came back); null when it changes. */
    phoneVerifiedAt: timestamp('phone_verified_at', { withTimezone: true }),
    /** Ring the account's phone for each new lead and bridge to the lead (plans with voiceCallback). */
    voiceCallback: boolean('voice_callback').notNull().default(false),
    /** A new submission with the email or phone of a lead this recent merges into it (0: never). */
    leadDedupeDays: integer('lead_dedupe_days').notNull().default(30),
    licenseNumber: text('license_number'),
    sponsorAccountId: uuid('sponsor_account_id'),
    stripeCustomerId: text('stripe_customer_id'),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('accounts_vertical_check', sql.raw(`vertical in (${sqlList(accountVerticals)})`)),
    check('accounts_status_check', sql.raw(`status in (${sqlList(accountStatuses)})`)),
    check('accounts_lead_dedupe_days_check', sql`lead_dedupe_days between 0 and 365`),
    check('accounts_slug_format_check', sql`slug ~ '^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$'`),
    foreignKey({ name: 'accounts_sponsor_fkey', columns: [t.sponsorAccountId], foreignColumns: [t.id] }),
    uniqueIndex('accounts_stripe_customer_key')
      .on(t.stripeCustomerId)
      .where(sql`${t.stripeCustomerId} is not null`),
  ],
);

/** A person who can sign in. Global: one login email across every account. */
export const users = pgTable('users', {
  id: uuid('id').primaryKey(),
  email: citext('email').notNull().unique('users_email_key'),
  passwordHash: text('password_hash'),
  name: text('name').notNull(),
  phoneE164: text('phone_e164'),
  photoUrl: text('photo_url'),
  emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true }),
  isPlatformAdmin: boolean('is_platform_admin').notNull().default(false),
  lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A user's role in one account. Tenant-scoped. */
export const memberships = pgTable(
  'memberships',
  {
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    /** The member's own choice of new-lead emails (newLeadAlertChoices); owners start on `all`. */
    newLeadAlerts: text('new_lead_alerts').notNull().default('assigned'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'memberships_pkey', columns: [t.accountId, t.userId] }),
    index('memberships_user_idx').on(t.userId),
    check('memberships_role_check', sql.raw(`role in (${sqlList(membershipRoles)})`)),
    check(
      'memberships_new_lead_alerts_check',
      sql.raw(`new_lead_alerts in (${sqlList(newLeadAlertChoices)})`),
    ),
  ],
);
