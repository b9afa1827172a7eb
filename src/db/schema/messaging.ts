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
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { accounts } from './identity.ts';
import { leads } from './leads.ts';
import { pageKinds } from './presence.ts';
import { sqlList } from './types.ts';

export const messageChannels = ['email', 'sms'] as const;
export const messageDirections = ['outbound', 'inbound'] as const;
/** What a message is for; the set grows with the messaging features. */
export const messageKinds = [
  'agent_alert',
  'autoresponder',
  'manual',
  'missed_call_text_back',
  'reply',
  /** The automatic answer to an inbound HELP (and the like), given in the webhook's reply. */
  'auto_reply',
  /** A code proving the account's phone receives texts (its body is stored without the code). */
  'verification',
] as const;
/**
 * queued: waiting for (another) attempt; sending: an attempt is under way (recorded before the
 * provider is called); sent: the provider accepted it; failed: the last attempt failed, or the
 * provider refused it for good (dead-lettered, retryable by hand); suppressed: the address opted
 * out; over_limit: the plan's monthly limit was reached; received: inbound.
 */
export const messageStatuses = [
  'queued',
  'sending',
  'sent',
  'failed',
  'suppressed',
  'over_limit',
  'received',
] as const;
export type MessageStatus = (typeof messageStatuses)[number];
export type MessageKind = (typeof messageKinds)[number];

/**
 * What a template is for: the wording of an automatic message (one per use), or a saved reply —
 * one of the agent's named messages a member sends by hand (the message itself is `manual`).
 */
export const templateKinds = ['autoresponder', 'missed_call_text_back', 'saved_reply'] as const;

/**
 * Every email and SMS Porchlight sends or receives for an account (seed 000 notifications,
 * 001 sms_logs, 002 email_log): one row per message, its attempts and outcome.
 */
export const messages = pgTable(
  'messages',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    leadId: uuid('lead_id'),
    channel: text('channel').notNull(),
    direction: text('direction').notNull().default('outbound'),
    kind: text('kind').notNull(),
    /** An email address or an E.164 number. */
    toAddress: text('to_address').notNull(),
    fromAddress: text('from_address').notNull(),
    subject: text('subject'),
    body: text('body').notNull(),
    templateId: uuid('template_id'),
    status: text('status').notNull(),
    provider: text('provider'),
    providerMessageId: text('provider_message_id'),
    /** The last failure, in the provider's words (never a key). */
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    /** Who asked for it (a job id and purpose): a retried job finds its message, not a new one. */
    idempotencyKey: text('idempotency_key').notNull(),
    /** Not before this instant: a text to a lead waits out the lead's quiet hours (8:00–21:00). */
    sendAfter: timestamp('send_after', { withTimezone: true }),
    /** The credit ledger entry that paid for it: sent past the plan's monthly limit on a plan with overage. */
    creditEntryId: uuid('credit_entry_id'),
    /** What the provider last reported (Twilio: queued, sent, delivered, undelivered, failed…). */
    providerStatus: text('provider_status'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'messages_pkey', columns: [t.accountId, t.id] }),
    unique('messages_account_idempotency_key').on(t.accountId, t.idempotencyKey),
    foreignKey({
      name: 'messages_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'messages_lead_fkey',
      columns: [t.accountId, t.leadId],
      foreignColumns: [leads.accountId, leads.id],
    }),
    foreignKey({
      name: 'messages_template_fkey',
      columns: [t.accountId, t.templateId],
      foreignColumns: [templates.accountId, templates.id],
    }),
    index('messages_account_lead_idx').on(t.accountId, t.leadId, t.createdAt),
    check('messages_channel_check', sql.raw(`channel in (${sqlList(messageChannels)})`)),
    check('messages_direction_check', sql.raw(`direction in (${sqlList(messageDirections)})`)),
    check('messages_kind_check', sql.raw(`kind in (${sqlList(messageKinds)})`)),
    check('messages_status_check', sql.raw(`status in (${sqlList(messageStatuses)})`)),
  ],
);

/**
 * An account's own wording for a kind of message (seed 003 subscriber_scripts), per channel
 * and optionally per page kind; none: the built-in default for that page kind. Saved replies
 * (`saved_reply`) are named, many per channel (a distinct name each); the other kinds have no
 * name and stay one per use.
 */
export const templates = pgTable(
  'templates',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    channel: text('channel').notNull(),
    kind: text('kind').notNull(),
    /** null: every page kind without a template of its own. */
    pageKind: text('page_kind'),
    /** A saved reply's name (1–80 characters); null for every other kind. */
    name: text('name'),
    subject: text('subject'),
    body: text('body').notNull(),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'templates_pkey', columns: [t.accountId, t.id] }),
    unique('templates_account_use_key')
      .on(t.accountId, t.channel, t.kind, t.pageKind, t.name)
      .nullsNotDistinct(),
    foreignKey({
      name: 'templates_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    check('templates_channel_check', sql.raw(`channel in (${sqlList(messageChannels)})`)),
    check('templates_kind_check', sql.raw(`kind in (${sqlList(templateKinds)})`)),
    check('templates_page_kind_check', sql.raw(`page_kind is null or page_kind in (${sqlList(pageKinds)})`)),
    check(
      'templates_name_check',
      sql`(kind = 'saved_reply') = (name is not null) and (name is null or char_length(name) between 1 and 80)`,
    ),
  ],
);

export const callDirections = ['outbound', 'inbound'] as const;
/** voice_callback: the agent is rung and bridged to a new lead; inbound: a call to the account's number. */
export const callKinds = ['voice_callback', 'inbound'] as const;
/** Twilio's call statuses, with `deferred` (waiting out quiet hours) and `over_limit`. */
export const callStatuses = [
  'queued',
  'deferred',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
  'over_limit',
] as const;
/**
 * How a call ended for the people in it: connected (the agent spoke with the lead), missed (an
 * inbound call nobody answered), agent_no_answer, lead_no_answer, declined (the agent did not
 * press 1), failed.
 */
export const callOutcomes = [
  'connected',
  'missed',
  'agent_no_answer',
  'lead_no_answer',
  'declined',
  'failed',
] as const;

/**
 * Every call placed or taken for an account (seed 001 call_logs, seed 000 voice callback): the
 * provider's id, status and duration, and what it came to.
 */
export const calls = pgTable(
  'calls',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    leadId: uuid('lead_id'),
    direction: text('direction').notNull(),
    kind: text('kind').notNull(),
    fromNumber: text('from_number').notNull(),
    toNumber: text('to_number').notNull(),
    status: text('status').notNull(),
    outcome: text('outcome'),
    provider: text('provider'),
    providerCallId: text('provider_call_id'),
    durationSeconds: integer('duration_seconds'),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    sendAfter: timestamp('send_after', { withTimezone: true }),
    idempotencyKey: text('idempotency_key').notNull(),
    answeredAt: timestamp('answered_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'calls_pkey', columns: [t.accountId, t.id] }),
    unique('calls_account_idempotency_key').on(t.accountId, t.idempotencyKey),
    foreignKey({
      name: 'calls_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'calls_lead_fkey',
      columns: [t.accountId, t.leadId],
      foreignColumns: [leads.accountId, leads.id],
    }),
    index('calls_account_lead_idx').on(t.accountId, t.leadId, t.createdAt),
    check('calls_direction_check', sql.raw(`direction in (${sqlList(callDirections)})`)),
    check('calls_kind_check', sql.raw(`kind in (${sqlList(callKinds)})`)),
    check('calls_status_check', sql.raw(`status in (${sqlList(callStatuses)})`)),
    check('calls_outcome_check', sql.raw(`outcome is null or outcome in (${sqlList(callOutcomes)})`)),
  ],
);

export const phoneNumberProviders = ['twilio', 'vapi'] as const;

/**
 * An account's own phone numbers (seed 003 subscriber_phone_numbers, seed 004 Vapi numbers):
 * texts and calls to them reach the account; texts to leads go out from the first Twilio one.
 */
export const phoneNumbers = pgTable(
  'phone_numbers',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    e164: text('e164').notNull(),
    provider: text('provider').notNull(),
    providerId: text('provider_id'),
    purpose: text('purpose'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'phone_numbers_pkey', columns: [t.accountId, t.id] }),
    unique('phone_numbers_account_e164_key').on(t.accountId, t.e164),
    foreignKey({
      name: 'phone_numbers_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    check('phone_numbers_provider_check', sql.raw(`provider in (${sqlList(phoneNumberProviders)})`)),
    check('phone_numbers_e164_check', sql`e164 ~ '^\\+[1-9][0-9]{7,14}$'`),
  ],
);

/**
 * Which account a phone number belongs to: global, so a number is claimed once across all
 * tenants and a webhook that names only the number routes to its account (a Citus reference
 * table). Readable by all; a tenant adds and removes only its own.
 */
export const phoneNumberRoutes = pgTable('phone_number_routes', {
  e164: text('e164').primaryKey(),
  accountId: uuid('account_id')
    .notNull()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  phoneNumberId: uuid('phone_number_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * A code texted to the account's phone to prove it receives texts: only its HMAC is kept, for
 * 10 minutes and 5 tries.
 */
export const phoneVerifications = pgTable(
  'phone_verifications',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    phoneE164: text('phone_e164').notNull(),
    codeHash: text('code_hash').notNull(),
    attempts: integer('attempts').notNull().default(0),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'phone_verifications_pkey', columns: [t.accountId, t.id] }),
    foreignKey({
      name: 'phone_verifications_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    index('phone_verifications_account_created_idx').on(t.accountId, t.createdAt),
  ],
);

export const suppressionReasons = ['unsubscribe', 'stop', 'bounce', 'complaint', 'manual'] as const;

/**
 * Addresses an account must not message again (seed 002 email_suppressions, SMS STOP): an email
 * address (lower case) or an E.164 number, per channel.
 */
export const suppressions = pgTable(
  'suppressions',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    channel: text('channel').notNull(),
    address: text('address').notNull(),
    reason: text('reason').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'suppressions_pkey', columns: [t.accountId, t.id] }),
    unique('suppressions_account_address_key').on(t.accountId, t.channel, t.address),
    foreignKey({
      name: 'suppressions_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    check('suppressions_channel_check', sql.raw(`channel in (${sqlList(messageChannels)})`)),
    check('suppressions_reason_check', sql.raw(`reason in (${sqlList(suppressionReasons)})`)),
  ],
);
