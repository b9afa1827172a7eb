import crypto from 'node:crypto';
import type { SqlClient } from '../../db/client.ts';
import { newMessageId } from './signing.ts';
import { findSubscribers, findSubscribersOfAny, insertDelivery } from './webhooks.repo.ts';
import type { DeliveredEvent, WebhookEvent } from './webhooks.schema.ts';

/** The job that makes one delivery's attempts (webhooks.jobs.ts), queued here by name. */
export const DELIVER_JOB_NAME = 'webhooks.deliver';

/** A payload is thin (ids, status, times, a link): well under this. */
export const MAX_PAYLOAD_BYTES = 20 * 1024;

/** Ids, statuses and times only (never a name, email, phone or message text), and `url`. */
export type EventData = Record<string, string | number | boolean | null>;

/**
 * Queues an event for every active endpoint of the account that subscribed to it, INSIDE the
 * caller's transaction (the transactional outbox): a delivery row per endpoint with the thin
 * payload `{ type, timestamp, data }`, and its `webhooks.deliver` job. Nothing is queued when no
 * endpoint takes the event. `key` makes a retried caller (a job) queue each delivery once: the
 * message id is derived from it. `data.url` may be a path (`/api/v1/leads/…`): the delivery
 * makes it absolute with the public URL.
 */
export async function emitWebhookEvent(
  client: SqlClient,
  input: { accountId: string; event: WebhookEvent; data: EventData; key?: string },
): Promise<string[]> {
  const endpoints = await findSubscribers(client, input.accountId, input.event);
  const queued: string[] = [];
  for (const webhookId of endpoints) {
    const id = await queueDelivery(client, { ...input, webhookId });
    if (id) queued.push(id);
  }
  return queued;
}

/** One delivery of an event to one endpoint, and its job (the caller's transaction). */
export async function queueDelivery(
  client: SqlClient,
  input: {
    accountId: string;
    webhookId: string;
    event: DeliveredEvent;
    data: EventData;
    key?: string | undefined;
  },
): Promise<string | undefined> {
  const payload = { type: input.event, timestamp: new Date().toISOString(), data: input.data };
  if (Buffer.byteLength(JSON.stringify(payload)) > MAX_PAYLOAD_BYTES)
    throw new Error(`webhook payload of ${input.event} is over ${MAX_PAYLOAD_BYTES} bytes`);
  const messageId = input.key
    ? `msg_${crypto.createHash('sha256').update(`${input.event}:${input.key}`).digest('hex').slice(0, 32)}`
    : newMessageId();
  const id = await insertDelivery(client, {
    accountId: input.accountId,
    id: crypto.randomUUID(),
    webhookId: input.webhookId,
    messageId,
    event: input.event,
    payload,
  });
  if (id) await enqueueDelivery(client, input.accountId, id);
  return id;
}

/** Queues an attempt now, by name from SQL (as intake does): no job-queue object needed. */
export async function enqueueDelivery(
  client: SqlClient,
  accountId: string,
  deliveryId: string,
): Promise<void> {
  await client.query('SELECT porchlight_enqueue($1, $2::jsonb)', [
    DELIVER_JOB_NAME,
    JSON.stringify({ accountId, deliveryId }),
  ]);
}

type LeadFacts = { id: string; status: string; created_at: Date; updated_at: Date };

/**
 * Lead events (created, updated, status_changed, note_added) with the lead's id, status and
 * times read in the caller's transaction. `extra`: ids and statuses only (previousStatus, noteId).
 * An account without an endpoint for these events (most) costs one indexed read and nothing more.
 */
export async function emitLeadWebhookEvents(
  client: SqlClient,
  input: {
    accountId: string;
    leadId: string;
    events: WebhookEvent[];
    extra?: EventData;
    key?: string;
  },
): Promise<void> {
  const endpoints = await findSubscribersOfAny(client, input.accountId, input.events);
  if (endpoints.length === 0) return;
  const { rows } = await client.query<LeadFacts>(
    'SELECT id, status, created_at, updated_at FROM leads WHERE account_id = $1 AND id = $2',
    [input.accountId, input.leadId],
  );
  const lead = rows[0];
  if (!lead) return;
  const data: EventData = {
    leadId: lead.id,
    status: lead.status,
    createdAt: new Date(lead.created_at).toISOString(),
    updatedAt: new Date(lead.updated_at).toISOString(),
    ...input.extra,
    url: `/api/v1/leads/${lead.id}`,
  };
  for (const event of input.events) {
    for (const endpoint of endpoints) {
      if (!endpoint.events.includes(event)) continue;
      await queueDelivery(client, {
        accountId: input.accountId,
        webhookId: endpoint.id,
        event,
        data,
        ...(input.key ? { key: `${input.key}:${lead.id}` } : {}),
      });
    }
  }
}
