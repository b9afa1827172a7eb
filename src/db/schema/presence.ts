import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  foreignKey,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { accounts } from './identity.ts';
import { sqlList } from './types.ts';

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
