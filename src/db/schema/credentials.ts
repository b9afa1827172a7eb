import { sql } from 'drizzle-orm';
import {
  check,
  foreignKey,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { accounts } from './identity.ts';
import { bytea, sqlList } from './types.ts';

/** The outside services whose keys an account may bring (seed 000's BYOK; the set grows). */
export const credentialProviders = [
  'openai',
  'brevo',
  'sendgrid',
  'twilio',
  'vapi',
  'cloudflare',
  'google_ads',
  'batchdata',
] as const;

/**
 * An account's own keys for an outside service (seed 000 `provider_credentials`), one row per
 * key name: ciphertext only (envelope encryption, decision 013: the secret sealed under a
 * per-record data key, that key wrapped by master key `key_version`, both bound to the account,
 * provider and key name). `last4` is all that is ever shown again.
 */
export const providerCredentials = pgTable(
  'provider_credentials',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    provider: text('provider').notNull(),
    keyName: text('key_name').notNull(),
    ciphertext: bytea('ciphertext').notNull(),
    wrappedKey: bytea('wrapped_key').notNull(),
    keyVersion: integer('key_version').notNull(),
    last4: text('last4'),
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'provider_credentials_pkey', columns: [t.accountId, t.id] }),
    unique('provider_credentials_account_key').on(t.accountId, t.provider, t.keyName),
    foreignKey({
      name: 'provider_credentials_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    check('provider_credentials_provider_check', sql.raw(`provider in (${sqlList(credentialProviders)})`)),
    check('provider_credentials_key_name_check', sql`key_name ~ '^[a-z][a-z0-9_]{0,39}$'`),
    check('provider_credentials_key_version_check', sql`key_version > 0`),
  ],
);
