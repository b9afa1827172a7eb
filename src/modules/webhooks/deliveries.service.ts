import type { Database, SqlClient } from '../../db/client.ts';
import { isUuid, withTenant } from '../../db/tenant.ts';
import { forEachAccount } from '../../platform/account-sweep.ts';
import { decodeTimeCursor, encodeTimeCursor } from '../../platform/cursor.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import type { EmailProvider } from '../../providers/email/email.ts';
import { enqueueDelivery, queueDelivery } from './webhooks.events.ts';
import {
  type DeliveryRow,
  findAdminEmails,
  findAttempts,
  findDeliveries,
  findOverdueDeliveryIds,
  getDeliveryRow,
  getWebhookRow,
  updateDeliveryRow,
} from './webhooks.repo.ts';
import type { DeliveryView } from './webhooks.schema.ts';
import { iso, WEBHOOK_NOT_FOUND, type WebhookDeps } from './webhooks.service.ts';

/**
 * An endpoint's deliveries: the test event, the list with every attempt, a retry by hand, and the
 * email to owners and admins when an endpoint is disabled for failing. A foreign id is a 404.
 */

const DELIVERY_NOT_FOUND = () => notFound('WEBHOOK_DELIVERY_NOT_FOUND', 'No such delivery');

function presentDelivery(row: DeliveryRow, attempts: Awaited<ReturnType<typeof findAttempts>>): DeliveryView {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    messageId: row.message_id,
    event: row.event,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: iso(row.next_attempt_at),
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    lastAttemptAt: iso(row.last_attempt_at),
    deliveredAt: iso(row.delivered_at),
    createdAt: iso(row.created_at)!,
    attemptLog: attempts
      .filter((a) => a.delivery_id === row.id)
      .map((a) => ({
        attempt: a.attempt,
        statusCode: a.status_code,
        durationMs: a.duration_ms,
        error: a.error,
        createdAt: iso(a.created_at)!,
      })),
  };
}

async function deliveryView(client: SqlClient, accountId: string, id: string): Promise<DeliveryView> {
  const row = (await getDeliveryRow(client, accountId, id))!;
  return presentDelivery(row, await findAttempts(client, accountId, [id]));
}

/** Queues a `webhook.test` event to this endpoint (whatever it subscribed to); 409 when disabled. */
export async function sendTestEvent(deps: WebhookDeps, accountId: string, id: string): Promise<DeliveryView> {
  if (!isUuid(id)) throw WEBHOOK_NOT_FOUND();
  return withTenant(deps.db, accountId, async (_tx, client) => {
    const webhook = await getWebhookRow(client, accountId, id);
    if (!webhook) throw WEBHOOK_NOT_FOUND();
    if (webhook.status !== 'active') throw WEBHOOK_DISABLED();
    const deliveryId = await queueDelivery(client, {
      accountId,
      webhookId: id,
      event: 'webhook.test',
      data: { webhookId: id, url: `/api/v1/webhooks/${id}` },
    });
    return deliveryView(client, accountId, deliveryId!);
  });
}

const WEBHOOK_DISABLED = () =>
  new AppError(
    'conflict',
    'WEBHOOK_DISABLED',
    'This endpoint is disabled: enable it first (PATCH status active)',
  );

/** The endpoint's deliveries, newest first, a page at a time, each with its attempts. */
export async function listDeliveries(
  deps: WebhookDeps,
  accountId: string,
  id: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ data: DeliveryView[]; nextCursor: string | null }> {
  if (!isUuid(id)) throw WEBHOOK_NOT_FOUND();
  const cursor = page.cursor ? decodeTimeCursor(page.cursor, 'WEBHOOK_CURSOR_INVALID') : null;
  return withTenant(
    deps.db,
    accountId,
    async (_tx, client) => {
      if (!(await getWebhookRow(client, accountId, id))) throw WEBHOOK_NOT_FOUND();
      const rows = await findDeliveries(client, accountId, id, { limit: page.limit, cursor });
      const shown = rows.slice(0, page.limit);
      const attempts = await findAttempts(
        client,
        accountId,
        shown.map((r) => r.id),
      );
      const last = shown[shown.length - 1];
      return {
        data: shown.map((r) => presentDelivery(r, attempts)),
        nextCursor:
          rows.length > page.limit && last ? encodeTimeCursor({ at: last.cursor_at, id: last.id }) : null,
      };
    },
    { snapshot: true },
  );
}

/**
 * A failed or pending delivery gets an attempt now (the same webhook-id); a failed one starts
 * again as pending. 409 for one that succeeded or an endpoint that is disabled.
 */
export async function retryDelivery(
  deps: WebhookDeps,
  accountId: string,
  input: { webhookId: string; deliveryId: string },
): Promise<DeliveryView> {
  if (!isUuid(input.webhookId) || !isUuid(input.deliveryId)) throw DELIVERY_NOT_FOUND();
  return withTenant(deps.db, accountId, async (_tx, client) => {
    const webhook = await getWebhookRow(client, accountId, input.webhookId);
    const delivery = webhook
      ? await getDeliveryRow(client, accountId, input.deliveryId, { webhookId: webhook.id, forUpdate: true })
      : undefined;
    if (!webhook || !delivery) throw DELIVERY_NOT_FOUND();
    if (delivery.status === 'succeeded')
      throw new AppError('conflict', 'WEBHOOK_DELIVERY_SUCCEEDED', 'This delivery succeeded already');
    if (webhook.status !== 'active') throw WEBHOOK_DISABLED();
    await updateDeliveryRow(client, accountId, delivery.id, {
      status: 'pending',
      next_attempt_at: new Date(),
    });
    await enqueueDelivery(client, accountId, delivery.id);
    return deliveryView(client, accountId, delivery.id);
  });
}

/** How late a pending delivery's attempt must be before the sweep gives it a new job. */
export const OVERDUE_AFTER_MS = 10 * 60_000;
const SWEEP_PER_ACCOUNT = 1000;

/**
 * The hourly sweep (the `webhooks.sweep` job): a pending delivery whose next attempt is more than
 * ten minutes late has lost its job — a process that died holding its claim, a job that ran early
 * on a skewed clock and was skipped as not due, a queue restored from an older backup — and gets
 * a new one. A job too many is harmless: an attempt is claimed under the delivery's row lock.
 */
export async function requeueOverdueDeliveries(
  db: Database,
  options: { now: Date; logger: Logger },
): Promise<{ accounts: number; requeued: number }> {
  const before = new Date(options.now.getTime() - OVERDUE_AFTER_MS);
  let requeued = 0;
  const { accounts } = await forEachAccount(
    db,
    { reason: 'webhooks: the sweep for deliveries that lost their job', logger: options.logger },
    (accountId) =>
      withTenant(db, accountId, async (_tx, client) => {
        const ids = await findOverdueDeliveryIds(client, accountId, before, SWEEP_PER_ACCOUNT);
        for (const id of ids) await enqueueDelivery(client, accountId, id);
        requeued += ids.length;
      }),
  );
  return { accounts, requeued };
}

/**
 * Tells the account's owners and admins that an endpoint was disabled after five days of
 * failures (the `webhooks.notify_disabled` job); `idempotencyKey` keeps a retried job from
 * sending twice. Names the endpoint by its id and host only.
 */
export async function notifyWebhookDisabled(
  db: Database,
  mail: { email: EmailProvider; baseUrl: string; emailFrom: string },
  input: { accountId: string; webhookId: string; idempotencyKey: string },
): Promise<number> {
  const { accountId, webhookId } = input;
  const found = await withTenant(db, accountId, async (_tx, client) => {
    const webhook = await getWebhookRow(client, accountId, webhookId);
    return webhook ? { webhook, admins: await findAdminEmails(client, accountId) } : null;
  });
  // Enabled again before the email went: nothing to tell.
  if (!found) return 0;
  if (found.webhook.status !== 'disabled') return 0;
  const host = new URL(found.webhook.url).host;
  for (const admin of found.admins) {
    await mail.email.send(
      {
        to: admin.email,
        from: mail.emailFrom,
        subject: 'A webhook endpoint was disabled',
        text: `Hi ${admin.name},\n\nThe webhook endpoint at ${host} (id ${webhookId}) has failed every delivery for five days, so Porchlight stopped sending to it.\n\nOnce it answers again, enable it in Settings → Webhooks:\n\n${mail.baseUrl}/app/settings?section=webhooks\n`,
        accountId,
      },
      { idempotencyKey: `${input.idempotencyKey}:${admin.email}` },
    );
  }
  return found.admins.length;
}
