import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  foreignKey,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { accounts, membershipRoles, users } from './identity.ts';
import { citext, sqlList } from './types.ts';

/*
 * Who may reach what (see docs/decisions/007-identity-tables.md):
 * - sessions, login_attempts, password_reset_tokens, email_verification_tokens are global and
 *   reached only on the system path (no tenant set): they are looked up by a token or an email
 *   before any tenant is known, and no tenant ever needs to read them.
 * - api_keys is global too (a request's key is found by its prefix before the tenant is known),
 *   but a tenant sees and changes only its own keys.
 * - invitations and audit_log are tenant tables. An invitation token carries its account id, so
 *   accepting one opens that tenant's transaction; audit_log is append-only for the app role.
 */

/** A signed-in browser. Only the SHA-256 of the 256-bit token is stored. */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey(),
    tokenHash: text('token_hash').notNull().unique('sessions_token_hash_key'),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    activeAccountId: uuid('active_account_id').references(() => accounts.id, { onDelete: 'set null' }),
    ipHash: text('ip_hash'),
    userAgent: text('user_agent'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedReason: text('revoked_reason'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/** Every sign-in attempt, for brute-force throttling by email and by IP (hashed). */
export const loginAttempts = pgTable(
  'login_attempts',
  {
    id: uuid('id').primaryKey(),
    email: citext('email').notNull(),
    ipHash: text('ip_hash').notNull(),
    success: boolean('success').notNull(),
    attemptedAt: timestamp('attempted_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('login_attempts_email_idx').on(t.email, t.attemptedAt),
    index('login_attempts_ip_idx').on(t.ipHash, t.attemptedAt),
  ],
);

/** Single-use, expiring (1 h), stored hashed. */
export const passwordResetTokens = pgTable(
  'password_reset_tokens',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull().unique('password_reset_tokens_token_hash_key'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('password_reset_tokens_user_idx').on(t.userId)],
);

/** Single-use, expiring (24 h), stored hashed; for the address it was sent to. */
export const emailVerificationTokens = pgTable(
  'email_verification_tokens',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    email: citext('email').notNull(),
    tokenHash: text('token_hash').notNull().unique('email_verification_tokens_token_hash_key'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('email_verification_tokens_user_idx').on(t.userId)],
);

/** `pl_live_<prefix>_<secret>`: the prefix finds the row, an HMAC of the whole key proves it. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    prefix: text('prefix').notNull().unique('api_keys_prefix_key'),
    keyHash: text('key_hash').notNull(),
    scopes: text('scopes').array().notNull().default(sql`'{}'::text[]`),
    createdByUserId: uuid('created_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('api_keys_account_idx').on(t.accountId)],
);

/** An invitation to join an account with a role. Tenant-scoped. */
export const invitations = pgTable(
  'invitations',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    email: citext('email').notNull(),
    role: text('role').notNull(),
    tokenHash: text('token_hash').notNull(),
    invitedByUserId: uuid('invited_by_user_id'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'invitations_pkey', columns: [t.accountId, t.id] }),
    unique('invitations_account_token_key').on(t.accountId, t.tokenHash),
    foreignKey({
      name: 'invitations_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    index('invitations_account_email_idx').on(t.accountId, t.email),
    check('invitations_role_check', sql.raw(`role in (${sqlList(membershipRoles)})`)),
  ],
);

export const auditActions = [
  'account.signed_up',
  'auth.login_succeeded',
  'auth.login_failed',
  'auth.locked_out',
  'auth.logged_out',
  'auth.password_changed',
  'auth.password_reset',
  'auth.email_verified',
  'session.revoked',
  'invitation.sent',
  'invitation.accepted',
  'invitation.revoked',
  'member.role_changed',
  'member.removed',
  'api_key.created',
  'api_key.revoked',
  'credentials.saved',
  'credentials.deleted',
  'credentials.verified',
  'credentials.rejected',
  'credits.adjusted',
  'billing.plan_changed',
  'account.exported',
] as const;

/** Append-only security record of one account: who did what, when, from where (hashed). */
export const auditLog = pgTable(
  'audit_log',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    action: text('action').notNull(),
    actorUserId: uuid('actor_user_id'),
    actorApiKeyId: uuid('actor_api_key_id'),
    targetType: text('target_type'),
    targetId: text('target_id'),
    ipHash: text('ip_hash'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'audit_log_pkey', columns: [t.accountId, t.id] }),
    foreignKey({
      name: 'audit_log_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    index('audit_log_account_created_idx').on(t.accountId, t.createdAt.desc().nullsFirst()),
    check('audit_log_action_format_check', sql`action ~ '^[a-z_]+\\.[a-z_]+$'`),
  ],
);
