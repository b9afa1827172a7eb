import type { SqlClient } from '../../db/client.ts';
import type { TimeCursor } from '../../platform/cursor.ts';
import type { Sealed } from '../../platform/secrets.ts';

/** SQL of the webhooks tables; every function runs in the transaction it is given. */

export type WebhookRow = {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  secret_ciphertext: Uint8Array;
  secret_wrapped_key: Uint8Array;
  secret_key_version: number;
  previous_secret_ciphertext: Uint8Array | null;
  previous_secret_wrapped_key: Uint8Array | null;
  previous_secret_key_version: number | null;
  previous_secret_expires_at: Date | null;
  status: 'active' | 'disabled';
  disabled_reason: string | null;
  disabled_at: Date | null;
  failing_since: Date | null;
  last_success_at: Date | null;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
};

const WEBHOOK_COLUMNS = `id, url, description, events, secret_ciphertext, secret_wrapped_key, secret_key_version,
  previous_secret_ciphertext, previous_secret_wrapped_key, previous_secret_key_version, previous_secret_expires_at,
  status, disabled_reason, disabled_at, failing_since, last_success_at, created_at, updated_at,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at`;

export async function insertWebhook(
  client: SqlClient,
  row: {
    accountId: string;
    id: string;
    url: string;
    description: string | null;
    events: string[];
    sealed: Sealed;
  },
): Promise<WebhookRow> {
  const { rows } = await client.query<WebhookRow>(
    `INSERT INTO webhooks (account_id, id, url, description, events, secret_ciphertext, secret_wrapped_key,
       secret_key_version)
     VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8)
     RETURNING ${WEBHOOK_COLUMNS}`,
    [
      row.accountId,
      row.id,
      row.url,
      row.description,
      row.events,
      row.sealed.ciphertext,
      row.sealed.wrappedKey,
      row.sealed.keyVersion,
    ],
  );
  return rows[0]!;
}

export async function findWebhooks(
  client: SqlClient,
  accountId: string,
  page: { limit: number; cursor: TimeCursor | null },
): Promise<WebhookRow[]> {
  const { rows } = await client.query<WebhookRow>(
    `SELECT ${WEBHOOK_COLUMNS} FROM webhooks
      WHERE account_id = $1
        AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
      ORDER BY created_at DESC, id DESC LIMIT $4`,
    [accountId, page.cursor?.at ?? null, page.cursor?.id ?? null, page.limit + 1],
  );
  return rows;
}

export async function getWebhookRow(
  client: SqlClient,
  accountId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<WebhookRow | undefined> {
  const { rows } = await client.query<WebhookRow>(
    `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE account_id = $1 AND id = $2${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [accountId, id],
  );
  return rows[0];
}

/** The columns a change may set (snake_case names, values as stored). */
export type WebhookChange = Partial<{
  url: string;
  description: string | null;
  events: string[];
  status: 'active' | 'disabled';
  disabled_reason: string | null;
  disabled_at: Date | null;
  failing_since: Date | null;
  secret_ciphertext: Buffer;
  secret_wrapped_key: Buffer;
  secret_key_version: number;
  previous_secret_ciphertext: Buffer | null;
  previous_secret_wrapped_key: Buffer | null;
  previous_secret_key_version: number | null;
  previous_secret_expires_at: Date | null;
}>;

export async function updateWebhookRow(
  client: SqlClient,
  accountId: string,
  id: string,
  change: WebhookChange,
): Promise<WebhookRow> {
  const entries = Object.entries(change);
  const sets = entries.map(
    ([column, _], i) => `${column} = $${i + 3}${column === 'events' ? '::text[]' : ''}`,
  );
  const { rows } = await client.query<WebhookRow>(
    `UPDATE webhooks SET ${[...sets, 'updated_at = now()'].join(', ')}
      WHERE account_id = $1 AND id = $2 RETURNING ${WEBHOOK_COLUMNS}`,
    [accountId, id, ...entries.map(([, v]) => v)],
  );
  return rows[0]!;
}

export async function deleteWebhookRow(client: SqlClient, accountId: string, id: string): Promise<boolean> {
  const { rowCount } = await client.query('DELETE FROM webhooks WHERE account_id = $1 AND id = $2', [
    accountId,
    id,
  ]);
  return Boolean(rowCount);
}

/** Every endpoint of the account with its sealed secrets, locked (for `keys rotate`). */
export async function allWebhookSecrets(client: SqlClient, accountId: string): Promise<WebhookRow[]> {
  const { rows } = await client.query<WebhookRow>(
    `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE account_id = $1 ORDER BY id FOR UPDATE`,
    [accountId],
  );
  return rows;
}

/** The account's active endpoints that take an event. */
export async function findSubscribers(
  client: SqlClient,
  accountId: string,
  event: string,
): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `SELECT id FROM webhooks WHERE account_id = $1 AND status = 'active' AND $2 = ANY(events) ORDER BY id`,
    [accountId, event],
  );
  return rows.map((r) => r.id);
}

/** The active endpoints of the account subscribed to any of `events`, with what each takes. */
export async function findSubscribersOfAny(
  client: SqlClient,
  accountId: string,
  events: string[],
): Promise<{ id: string; events: string[] }[]> {
  const { rows } = await client.query<{ id: string; events: string[] }>(
    `SELECT id, events FROM webhooks
      WHERE account_id = $1 AND status = 'active' AND events && $2::text[] ORDER BY id`,
    [accountId, events],
  );
  return rows;
}

/** A new pending delivery; undefined when its message id was delivered to that endpoint already. */
export async function insertDelivery(
  client: SqlClient,
  row: {
    accountId: string;
    id: string;
    webhookId: string;
    messageId: string;
    event: string;
    payload: Record<string, unknown>;
  },
): Promise<string | undefined> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO webhook_deliveries (account_id, id, webhook_id, message_id, event, payload, next_attempt_at)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, now())
     ON CONFLICT ON CONSTRAINT webhook_deliveries_message_key DO NOTHING RETURNING id`,
    [row.accountId, row.id, row.webhookId, row.messageId, row.event, JSON.stringify(row.payload)],
  );
  return rows[0]?.id;
}

export type DeliveryRow = {
  id: string;
  webhook_id: string;
  message_id: string;
  event: string;
  payload: Record<string, unknown>;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
  created_at: Date;
  cursor_at: string;
};

const DELIVERY_COLUMNS = `id, webhook_id, message_id, event, payload, status, attempts, next_attempt_at,
  last_status_code, last_error, last_attempt_at, delivered_at, created_at,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at`;

export async function getDeliveryRow(
  client: SqlClient,
  accountId: string,
  id: string,
  options: { webhookId?: string; forUpdate?: boolean } = {},
): Promise<DeliveryRow | undefined> {
  const { rows } = await client.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
      WHERE account_id = $1 AND id = $2 AND ($3::uuid IS NULL OR webhook_id = $3)${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [accountId, id, options.webhookId ?? null],
  );
  return rows[0];
}

/** Pending deliveries whose next attempt was due before `before`, the latest first served last. */
export async function findOverdueDeliveryIds(
  client: SqlClient,
  accountId: string,
  before: Date,
  limit: number,
): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `SELECT id FROM webhook_deliveries
      WHERE account_id = $1 AND status = 'pending' AND next_attempt_at < $2
      ORDER BY next_attempt_at LIMIT $3`,
    [accountId, before, limit],
  );
  return rows.map((r) => r.id);
}

export async function findDeliveries(
  client: SqlClient,
  accountId: string,
  webhookId: string,
  page: { limit: number; cursor: TimeCursor | null },
): Promise<DeliveryRow[]> {
  const { rows } = await client.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
      WHERE account_id = $1 AND webhook_id = $2
        AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::uuid))
      ORDER BY created_at DESC, id DESC LIMIT $5`,
    [accountId, webhookId, page.cursor?.at ?? null, page.cursor?.id ?? null, page.limit + 1],
  );
  return rows;
}

export type AttemptRow = {
  delivery_id: string;
  attempt: number;
  status_code: number | null;
  duration_ms: number | null;
  error: string | null;
  created_at: Date;
};

export async function findAttempts(
  client: SqlClient,
  accountId: string,
  deliveryIds: string[],
): Promise<AttemptRow[]> {
  if (!deliveryIds.length) return [];
  const { rows } = await client.query<AttemptRow>(
    `SELECT delivery_id, attempt, status_code, duration_ms, error, created_at FROM webhook_attempts
      WHERE account_id = $1 AND delivery_id = ANY($2::uuid[]) ORDER BY delivery_id, attempt, created_at`,
    [accountId, deliveryIds],
  );
  return rows;
}

/** When the first attempt of a delivery was made (for the schedule's 72-hour floor). */
export async function firstAttemptAt(
  client: SqlClient,
  accountId: string,
  deliveryId: string,
): Promise<Date | null> {
  const { rows } = await client.query<{ at: Date | null }>(
    'SELECT min(created_at) AS at FROM webhook_attempts WHERE account_id = $1 AND delivery_id = $2',
    [accountId, deliveryId],
  );
  return rows[0]?.at ? new Date(rows[0].at) : null;
}

export async function insertAttempt(
  client: SqlClient,
  row: {
    accountId: string;
    id: string;
    deliveryId: string;
    attempt: number;
    statusCode: number | null;
    durationMs: number;
    error: string | null;
    at: Date;
  },
): Promise<void> {
  await client.query(
    `INSERT INTO webhook_attempts (account_id, id, delivery_id, attempt, status_code, duration_ms, error, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [row.accountId, row.id, row.deliveryId, row.attempt, row.statusCode, row.durationMs, row.error, row.at],
  );
}

export async function updateDeliveryRow(
  client: SqlClient,
  accountId: string,
  id: string,
  change: Partial<{
    status: 'pending' | 'succeeded' | 'failed';
    attempts: number;
    next_attempt_at: Date | null;
    last_status_code: number | null;
    last_error: string | null;
    last_attempt_at: Date | null;
    delivered_at: Date | null;
  }>,
): Promise<void> {
  const entries = Object.entries(change);
  await client.query(
    `UPDATE webhook_deliveries SET ${entries.map(([c], i) => `${c} = $${i + 3}`).join(', ')}
      WHERE account_id = $1 AND id = $2`,
    [accountId, id, ...entries.map(([, v]) => v)],
  );
}

/** The account's owners and admins, who hear of an endpoint disabled for failing. */
export async function findAdminEmails(
  client: SqlClient,
  accountId: string,
): Promise<{ name: string; email: string }[]> {
  const { rows } = await client.query<{ name: string; email: string }>(
    `SELECT u.name, u.email::text AS email FROM memberships m JOIN users u ON u.id = m.user_id
      WHERE m.account_id = $1 AND m.role IN ('owner', 'admin') ORDER BY u.email`,
    [accountId],
  );
  return rows;
}
