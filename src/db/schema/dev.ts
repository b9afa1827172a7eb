import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { citext } from './types.ts';

/**
 * What the dev providers would have sent (the embedded default): shown at /dev/outbox and
 * GET /api/v1/dev/outbox. Global and reached only on the system path; never used with real
 * providers. It holds message bodies, links included, by design: it is a developer's inbox.
 */
export const devOutbox = pgTable(
  'dev_outbox',
  {
    id: uuid('id').primaryKey(),
    idempotencyKey: text('idempotency_key').notNull().unique('dev_outbox_idempotency_key'),
    channel: text('channel').notNull(),
    to: citext('to').notNull(),
    from: text('from').notNull(),
    subject: text('subject'),
    body: text('body').notNull(),
    accountId: uuid('account_id'),
    leadId: uuid('lead_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('dev_outbox_created_idx').on(t.createdAt.desc().nullsFirst())],
);
