import crypto from 'node:crypto';
import type { Config } from '../../config.ts';
import type { Database, SqlClient } from '../../db/client.ts';
import { isUuid, withTenant } from '../../db/tenant.ts';
import {
  type EmailEvent,
  type VerifiedEmailEvents,
  verifyBrevoEvents,
  verifySendgridEvents,
  type WebhookHeaders,
} from '../../providers/email/events.ts';
import { suppressAddress } from './messaging.service.ts';

/**
 * Bounce, complaint and unsubscribe events from the email providers, applied to the account
 * that sent the message: the address is suppressed, the message marked, the lead's timeline told.
 * An event is trusted only for the message it names, in the account it names, and only when
 * that message went to the address the event is about: a stale or forged id suppresses nobody.
 */

export const EMAIL_WEBHOOK_PROVIDERS = ['brevo', 'sendgrid'] as const;
export type EmailWebhookProvider = (typeof EMAIL_WEBHOOK_PROVIDERS)[number];

export function isEmailWebhookProvider(value: unknown): value is EmailWebhookProvider {
  return (EMAIL_WEBHOOK_PROVIDERS as readonly unknown[]).includes(value);
}

/**
 * Whether this install takes the provider's webhook: its token or verification key is set.
 * Without one nothing could be checked, so the endpoint does not exist.
 */
export function isEmailWebhookConfigured(config: Config, provider: EmailWebhookProvider): boolean {
  return provider === 'brevo'
    ? Boolean(config.emailWebhooks.brevoToken)
    : Boolean(config.emailWebhooks.sendgridPublicKey);
}

/** Checks a webhook POST with the provider's secret and reads its events (no I/O). */
export function verifyEmailWebhook(
  config: Config,
  provider: EmailWebhookProvider,
  rawBody: string | Buffer,
  headers: WebhookHeaders,
): VerifiedEmailEvents {
  if (provider === 'brevo') {
    return verifyBrevoEvents({ rawBody, headers, token: config.emailWebhooks.brevoToken ?? '' });
  }
  return verifySendgridEvents({ rawBody, headers, publicKey: config.emailWebhooks.sendgridPublicKey ?? '' });
}

/**
 * What came of a batch: `received` events read, `applied` acted on (matched a message of the
 * account at the event's address and were a bounce, complaint or unsubscribe; a repeat counts
 * again though it changes nothing), `unattributed` ignored for want of an account or message id.
 */
export type EmailEventsOutcome = { received: number; applied: number; unattributed: number };

/** The lead event kinds written for a message's lead; other kinds write none. */
const LEAD_EVENT_KIND = { hardBounce: 'email_bounced', complaint: 'email_complaint' } as const;

type MessageFacts = { to_address: string; lead_id: string | null; status: string };

/**
 * Applies verified events: one transaction per account, so an account's events land together
 * or not at all. Throws on a database error (the caller answers 500 and the provider retries;
 * every step is idempotent, so a batch partly applied before the error is safe to replay).
 */
export async function applyEmailEvents(
  db: Database,
  provider: EmailWebhookProvider,
  events: EmailEvent[],
): Promise<EmailEventsOutcome> {
  const byAccount = new Map<string, EmailEvent[]>();
  let unattributed = 0;
  for (const event of events) {
    // The verifier already nulls malformed ids; checked again as they are spliced into SET LOCAL.
    if (!isUuid(event.accountId) || !isUuid(event.messageId)) {
      unattributed++;
      continue;
    }
    const list = byAccount.get(event.accountId) ?? [];
    list.push(event);
    byAccount.set(event.accountId, list);
  }

  let applied = 0;
  for (const [accountId, list] of byAccount) {
    applied += await withTenant(db, accountId, async (_tx, client) => {
      let n = 0;
      for (const event of list) {
        if (await applyOne(client, provider, accountId, event)) n++;
      }
      return n;
    });
  }
  return { received: events.length, applied, unattributed };
}

/** One event inside its account's transaction; true when it was acted on. */
async function applyOne(
  client: SqlClient,
  provider: EmailWebhookProvider,
  accountId: string,
  event: EmailEvent,
): Promise<boolean> {
  // Delivered, opened, a soft drop…: EmailEvent does not tell them apart, so nothing is recorded.
  if (event.kind === 'other') return false;
  const messageId = event.messageId!;
  // FOR UPDATE: a redelivery racing this one waits here, then sees the lead event written below.
  const { rows } = await client.query<MessageFacts>(
    `SELECT to_address, lead_id, status FROM messages
     WHERE account_id = $1 AND id = $2 AND channel = 'email' FOR UPDATE`,
    [accountId, messageId],
  );
  const message = rows[0];
  if (!message || message.to_address.trim().toLowerCase() !== event.email.toLowerCase()) return false;

  if (event.kind === 'bounce' && !event.hard) {
    // A soft bounce never hides a harder verdict already recorded (events arrive out of order).
    await client.query(
      `UPDATE messages SET provider_status = 'soft_bounce', updated_at = now()
       WHERE account_id = $1 AND id = $2
         AND provider_status IS DISTINCT FROM 'bounced' AND provider_status IS DISTINCT FROM 'complained'`,
      [accountId, messageId],
    );
    return true;
  }
  if (event.kind === 'bounce') {
    await suppressAddress(client, accountId, 'email', event.email, 'bounce');
    // The message stays `sent` (the provider did take it); the error says what became of it.
    await client.query(
      `UPDATE messages SET provider_status = 'bounced', updated_at = now(),
         error = CASE WHEN status = 'sent' THEN $3 ELSE error END
       WHERE account_id = $1 AND id = $2`,
      [accountId, messageId, `bounced: hard bounce reported by ${provider}`],
    );
    await addLeadEvent(client, accountId, message.lead_id, messageId, LEAD_EVENT_KIND.hardBounce);
    return true;
  }
  if (event.kind === 'complaint') {
    await suppressAddress(client, accountId, 'email', event.email, 'complaint');
    await client.query(
      `UPDATE messages SET provider_status = 'complained', updated_at = now() WHERE account_id = $1 AND id = $2`,
      [accountId, messageId],
    );
    await addLeadEvent(client, accountId, message.lead_id, messageId, LEAD_EVENT_KIND.complaint);
    return true;
  }
  await suppressAddress(client, accountId, 'email', event.email, 'unsubscribe');
  return true;
}

/** Once per message and kind: a redelivered event does not add a second line to the timeline. */
async function addLeadEvent(
  client: SqlClient,
  accountId: string,
  leadId: string | null,
  messageId: string,
  kind: string,
): Promise<void> {
  if (!leadId) return;
  // INSERT … SELECT takes no types from the target columns, hence the casts (all checked uuids).
  await client.query(
    `INSERT INTO lead_events (account_id, id, lead_id, kind, payload)
     SELECT $1::uuid, $2::uuid, $3::uuid, $4::text, jsonb_build_object('messageId', $5::text)
     WHERE NOT EXISTS (SELECT 1 FROM lead_events
       WHERE account_id = $1::uuid AND lead_id = $3::uuid AND kind = $4::text AND payload->>'messageId' = $5::text)`,
    [accountId, crypto.randomUUID(), leadId, kind, messageId],
  );
}
