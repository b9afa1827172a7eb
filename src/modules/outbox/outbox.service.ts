import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import type { devOutbox } from '../../db/schema/index.ts';
import { withSystem } from '../../db/tenant.ts';
import { createDevEmailProvider } from '../../providers/email/dev.ts';
import type { EmailProvider } from '../../providers/email/email.ts';
import { createDevSmsProvider } from '../../providers/sms/dev.ts';
import type { SmsProvider } from '../../providers/sms/sms.ts';
import { findRecentOutboxMessages, insertOutboxMessage } from './outbox.repo.ts';

export type OutboxMessage = typeof devOutbox.$inferSelect;

/** The dev email provider, capturing into the dev outbox table. */
export function devEmailProvider(db: Database): EmailProvider {
  return createDevEmailProvider((email, idempotencyKey) =>
    withSystem(db, 'outbox: capture a dev email', (tx) =>
      insertOutboxMessage(tx, {
        id: crypto.randomUUID(),
        idempotencyKey,
        channel: 'email',
        to: email.to,
        from: email.from,
        subject: email.subject,
        body: email.text,
        accountId: email.accountId ?? null,
        leadId: email.leadId ?? null,
      }),
    ),
  );
}

/** The dev SMS and voice provider, capturing texts and calls (the words spoken) into the dev outbox. */
export function devSmsProvider(db: Database): SmsProvider {
  return createDevSmsProvider((item, idempotencyKey) =>
    withSystem(db, `outbox: capture a dev ${item.channel === 'sms' ? 'text' : 'call'}`, (tx) =>
      insertOutboxMessage(tx, { id: crypto.randomUUID(), idempotencyKey, subject: null, ...item }),
    ),
  );
}

export function listOutbox(db: Database, limit = 100): Promise<OutboxMessage[]> {
  return withSystem(db, 'outbox: list', (tx) => findRecentOutboxMessages(tx, limit));
}
