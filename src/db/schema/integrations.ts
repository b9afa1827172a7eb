import { sql } from 'drizzle-orm';
import {
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
import { bytea, citext, sqlList } from './types.ts';

/**
 * Outbound webhook endpoints of an account (seed 002 `webhooks`). The signing secret (`whsec_…`)
 * is sealed like a provider credential (decision 013) and shown once; while a rotation is fresh
 * the previous secret signs too, until `previous_secret_expires_at`. `failing_since` is the time
 * of the first failed attempt since the last success: five days of it disable the endpoint.
 */
export const webhooks = pgTable(
  'webhooks',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    url: text('url').notNull(),
    description: text('description'),
    events: text('events').array().notNull(),
    secretCiphertext: bytea('secret_ciphertext').notNull(),
    secretWrappedKey: bytea('secret_wrapped_key').notNull(),
    secretKeyVersion: integer('secret_key_version').notNull(),
    previousSecretCiphertext: bytea('previous_secret_ciphertext'),
    previousSecretWrappedKey: bytea('previous_secret_wrapped_key'),
    previousSecretKeyVersion: integer('previous_secret_key_version'),
    previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true }),
    /** `active`, or `disabled` (by a person, a 410 answer, or five days of failures). */
    status: text('status').notNull().default('active'),
    disabledReason: text('disabled_reason'),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    failingSince: timestamp('failing_since', { withTimezone: true }),
    lastSuccessAt: timestamp('last_success_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'webhooks_pkey', columns: [t.accountId, t.id] }),
    foreignKey({
      name: 'webhooks_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    check('webhooks_status_check', sql`status in ('active', 'disabled')`),
    check('webhooks_events_check', sql`cardinality(events) between 1 and 50`),
    check('webhooks_key_version_check', sql`secret_key_version > 0`),
  ],
);

export const webhookDeliveryStatuses = ['pending', 'succeeded', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof webhookDeliveryStatuses)[number];

/**
 * One event for one endpoint (seed 002 `webhook_deliveries`): the message (`msg_…`, the same
 * `webhook-id` on every attempt), its thin payload, and where its attempts stand.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    webhookId: uuid('webhook_id').notNull(),
    /** The Standard Webhooks message id, `msg_…`: one per event and endpoint, on every attempt. */
    messageId: text('message_id').notNull(),
    event: text('event').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'webhook_deliveries_pkey', columns: [t.accountId, t.id] }),
    foreignKey({
      name: 'webhook_deliveries_webhook_fkey',
      columns: [t.accountId, t.webhookId],
      foreignColumns: [webhooks.accountId, webhooks.id],
    }).onDelete('cascade'),
    unique('webhook_deliveries_message_key').on(t.accountId, t.webhookId, t.messageId),
    index('webhook_deliveries_webhook_idx').on(t.accountId, t.webhookId, t.createdAt.desc().nullsFirst()),
    // The hourly sweep's look for deliveries whose job went missing (webhooks.sweep).
    index('webhook_deliveries_due_idx').on(t.accountId, t.nextAttemptAt).where(sql`status = 'pending'`),
    check('webhook_deliveries_status_check', sql.raw(`status in (${sqlList(webhookDeliveryStatuses)})`)),
  ],
);

/** Every attempt at a delivery: when, the answer's status, how long it took, what went wrong. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    deliveryId: uuid('delivery_id').notNull(),
    attempt: integer('attempt').notNull(),
    statusCode: integer('status_code'),
    durationMs: integer('duration_ms'),
    /** `timeout`, `blocked_address`, `redirect`, `connection`… (null when a 2xx came back). */
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'webhook_attempts_pkey', columns: [t.accountId, t.id] }),
    foreignKey({
      name: 'webhook_attempts_delivery_fkey',
      columns: [t.accountId, t.deliveryId],
      foreignColumns: [webhookDeliveries.accountId, webhookDeliveries.id],
    }).onDelete('cascade'),
    index('webhook_attempts_delivery_idx').on(t.accountId, t.deliveryId, t.attempt),
  ],
);

/**
 * People who are not leads (seed 002 `contacts`): the sphere of influence, past clients,
 * vendors, report recipients. `type` is free text the account chooses.
 */
export const contacts = pgTable(
  'contacts',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    fullName: text('full_name'),
    email: citext('email'),
    /** lower(email) as text, leakproof for the dedupe lookup under RLS (as leads.email_key). */
    emailKey: text('email_key').generatedAlwaysAs(sql`lower(email::text)`),
    phoneE164: text('phone_e164'),
    type: text('type'),
    company: text('company'),
    notes: text('notes'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'contacts_pkey', columns: [t.accountId, t.id] }),
    foreignKey({
      name: 'contacts_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    index('contacts_account_created_idx').on(t.accountId, t.createdAt.desc().nullsFirst(), t.id.desc()),
    index('contacts_account_email_key_idx').on(t.accountId, t.emailKey),
    index('contacts_account_phone_idx').on(t.accountId, t.phoneE164),
    check('contacts_phone_e164_check', sql`phone_e164 is null or phone_e164 ~ '^\\+[1-9][0-9]{6,14}$'`),
    check(
      'contacts_reachable_check',
      sql`full_name is not null or email is not null or phone_e164 is not null`,
    ),
  ],
);

export const contactGroups = pgTable(
  'contact_groups',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'contact_groups_pkey', columns: [t.accountId, t.id] }),
    foreignKey({
      name: 'contact_groups_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    unique('contact_groups_name_key').on(t.accountId, t.name),
  ],
);

export const contactGroupMembers = pgTable(
  'contact_group_members',
  {
    accountId: uuid('account_id').notNull(),
    groupId: uuid('group_id').notNull(),
    contactId: uuid('contact_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'contact_group_members_pkey', columns: [t.accountId, t.groupId, t.contactId] }),
    foreignKey({
      name: 'contact_group_members_group_fkey',
      columns: [t.accountId, t.groupId],
      foreignColumns: [contactGroups.accountId, contactGroups.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'contact_group_members_contact_fkey',
      columns: [t.accountId, t.contactId],
      foreignColumns: [contacts.accountId, contacts.id],
    }).onDelete('cascade'),
    index('contact_group_members_contact_idx').on(t.accountId, t.contactId),
  ],
);

export const importKinds = ['leads', 'contacts'] as const;
export type ImportKind = (typeof importKinds)[number];
/**
 * `receiving` while the file streams in, `queued`/`running` while the job works it, then
 * `completed` (or `failed` when the job gave up); `undone` once reverted as a whole.
 */
export const importStatuses = ['receiving', 'queued', 'running', 'completed', 'failed', 'undone'] as const;
export type ImportStatus = (typeof importStatuses)[number];

/** One CSV import of leads or contacts: its mapping, progress and totals. */
export const imports = pgTable(
  'imports',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    kind: text('kind').notNull(),
    status: text('status').notNull().default('receiving'),
    /** `follow_up_boss`, `zillow`, `kvcore`, `generic`, `porchlight`… */
    preset: text('preset'),
    /** CSV header → field name, as applied. */
    mapping: jsonb('mapping').$type<Record<string, string>>().notNull().default({}),
    fileName: text('file_name'),
    totalRows: integer('total_rows').notNull().default(0),
    processedRows: integer('processed_rows').notNull().default(0),
    imported: integer('imported').notNull().default(0),
    merged: integer('merged').notNull().default(0),
    rejected: integer('rejected').notNull().default(0),
    error: text('error'),
    createdByUserId: uuid('created_by_user_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    undoneAt: timestamp('undone_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ name: 'imports_pkey', columns: [t.accountId, t.id] }),
    foreignKey({
      name: 'imports_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    index('imports_account_created_idx').on(t.accountId, t.createdAt.desc().nullsFirst()),
    check('imports_kind_check', sql.raw(`kind in (${sqlList(importKinds)})`)),
    check('imports_status_check', sql.raw(`status in (${sqlList(importStatuses)})`)),
  ],
);

export const importRowOutcomes = ['pending', 'imported', 'merged', 'rejected'] as const;
export type ImportRowOutcome = (typeof importRowOutcomes)[number];

/**
 * One data row of an import as it arrived (`data`: header → cell), then what became of it: the
 * lead or contact it made or merged into, the errors, and for a merge the fields it filled and
 * their values before (`previous`), so the import can be undone.
 */
export const importRows = pgTable(
  'import_rows',
  {
    accountId: uuid('account_id').notNull(),
    importId: uuid('import_id').notNull(),
    /** The row's number in the file, counting the header as row 1 (as a spreadsheet shows it). */
    rowNumber: integer('row_number').notNull(),
    data: jsonb('data').$type<Record<string, string>>().notNull(),
    outcome: text('outcome').notNull().default('pending'),
    targetId: uuid('target_id'),
    errors: jsonb('errors').$type<{ path: string; message: string }[]>(),
    previous: jsonb('previous').$type<Record<string, unknown>>(),
  },
  (t) => [
    primaryKey({ name: 'import_rows_pkey', columns: [t.accountId, t.importId, t.rowNumber] }),
    foreignKey({
      name: 'import_rows_import_fkey',
      columns: [t.accountId, t.importId],
      foreignColumns: [imports.accountId, imports.id],
    }).onDelete('cascade'),
    check('import_rows_outcome_check', sql.raw(`outcome in (${sqlList(importRowOutcomes)})`)),
  ],
);
