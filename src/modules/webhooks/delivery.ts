import crypto from 'node:crypto';
import type { Database, SqlClient } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import type { Logger } from '../../platform/logger.ts';
import { type Keyring, open, type Sealed } from '../../platform/secrets.ts';
import type { HttpClient } from '../../platform/ssrf.ts';
import { signingHeaders } from './signing.ts';
import {
  type DeliveryRow,
  firstAttemptAt,
  getDeliveryRow,
  getWebhookRow,
  insertAttempt,
  updateDeliveryRow,
  updateWebhookRow,
  type WebhookRow,
} from './webhooks.repo.ts';

/**
 * One attempt at one delivery (the `webhooks.deliver` job): decision 016.
 *
 * The delivery is claimed first (its attempt counted, a short lease set), the request made
 * outside any transaction, then the attempt, the delivery's state, the endpoint's health and the
 * next attempt's job are written in one transaction. `now` and the HTTP client are parameters so
 * a test can drive days of retries with a fake clock.
 */

/** Seconds after attempt n (1-based) before attempt n + 1: 75 h in all, then the delivery fails. */
export const RETRY_SCHEDULE_SECONDS = [
  5,
  5 * 60,
  30 * 60,
  2 * 3600,
  5 * 3600,
  10 * 3600,
  14 * 3600,
  20 * 3600,
  24 * 3600,
] as const;
export const MAX_ATTEMPTS = RETRY_SCHEDULE_SECONDS.length + 1;
/** Each wait is moved by up to this share either way, so failing receivers are not hit in step. */
export const JITTER = 0.1;
/** The last attempt is never sooner than this after the first. */
export const MIN_RETRY_SPAN_SECONDS = 72 * 3600;
/** A Retry-After is honoured up to a day. */
export const MAX_RETRY_AFTER_SECONDS = 24 * 3600;
/** An endpoint failing this long (no success in between) is disabled. */
export const DISABLE_AFTER_MS = 5 * 24 * 3_600_000;
export const ATTEMPT_TIMEOUT_MS = 15_000;
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** How long a claimed attempt keeps a second job (a retry clicked twice) from making another. */
const LEASE_MS = 60_000;
const USER_AGENT = 'Porchlight-Webhooks/1.0 (+https://porchlight.dev/docs/webhooks)';

export type DeliveryDeps = {
  db: Database;
  keyring: Keyring;
  http: HttpClient;
  /** Public URL of this instance: a payload's `url` path is made absolute with it. */
  baseUrl: string;
  now?: () => Date;
  random?: () => number;
  timeoutMs?: number;
  logger?: Logger | undefined;
  /** Queues the next attempt in the transaction that records this one. */
  scheduleNext: (client: SqlClient, deliveryId: string, startAfterSeconds: number) => Promise<void>;
  /** Queues the email to owners and admins about an endpoint disabled for failing. */
  notifyDisabled: (client: SqlClient, webhookId: string) => Promise<void>;
};

export type AttemptOutcome =
  | { kind: 'skipped'; reason: 'not_found' | 'done' | 'not_due' }
  | {
      kind: 'attempted';
      attempt: number;
      statusCode: number | null;
      error: string | null;
      delivery: 'pending' | 'succeeded' | 'failed';
      nextAttemptInSeconds: number | null;
      disabled: 'gone' | 'failing' | null;
    };

/** The wait before the attempt after `attempt`, with jitter; null when none is left. */
export function retryDelaySeconds(attempt: number, random: () => number = Math.random): number | null {
  const base = RETRY_SCHEDULE_SECONDS[attempt - 1];
  if (base === undefined) return null;
  return Math.max(1, Math.round(base * (1 + JITTER * (2 * random() - 1))));
}

/** Retry-After as seconds from `now` (a number of seconds or an HTTP date), bounded; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: Date): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  let seconds: number;
  if (/^\d+$/.test(text)) seconds = Number(text);
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    seconds = Math.ceil((at - now.getTime()) / 1000);
  }
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, seconds));
}

const sealedOf = (ciphertext: Uint8Array, wrappedKey: Uint8Array, keyVersion: number): Sealed => ({
  ciphertext: Buffer.from(ciphertext),
  wrappedKey: Buffer.from(wrappedKey),
  keyVersion,
});

/** The secrets that sign now: the current one, and the previous one until it expires. */
export function signingSecrets(
  keyring: Keyring,
  accountId: string,
  webhook: WebhookRow,
  now: Date,
): string[] {
  const context = { accountId, provider: 'webhook', keyName: webhook.id };
  const secrets = [
    open(
      keyring,
      sealedOf(webhook.secret_ciphertext, webhook.secret_wrapped_key, webhook.secret_key_version),
      context,
    ),
  ];
  if (
    webhook.previous_secret_ciphertext &&
    webhook.previous_secret_wrapped_key &&
    webhook.previous_secret_key_version &&
    webhook.previous_secret_expires_at &&
    new Date(webhook.previous_secret_expires_at) > now
  ) {
    secrets.push(
      open(
        keyring,
        sealedOf(
          webhook.previous_secret_ciphertext,
          webhook.previous_secret_wrapped_key,
          webhook.previous_secret_key_version,
        ),
        context,
      ),
    );
  }
  return secrets;
}

/** The body as sent: the stored payload, its `data.url` path made absolute. */
export function bodyOf(delivery: DeliveryRow, baseUrl: string): string {
  const payload = delivery.payload as { data?: Record<string, unknown> };
  const url = payload.data?.url;
  if (typeof url === 'string' && url.startsWith('/')) {
    return JSON.stringify({ ...payload, data: { ...payload.data, url: `${baseUrl}${url}` } });
  }
  return JSON.stringify(payload);
}

/** Makes one attempt at a delivery, if one is due; see the file's comment. */
export async function attemptDelivery(
  deps: DeliveryDeps,
  input: { accountId: string; deliveryId: string },
): Promise<AttemptOutcome> {
  const now = (deps.now ?? (() => new Date()))();
  const { accountId, deliveryId } = input;
  const claimed = await withTenant(deps.db, accountId, async (_tx, client) => {
    const delivery = await getDeliveryRow(client, accountId, deliveryId, { forUpdate: true });
    if (!delivery) return { skip: 'not_found' as const };
    if (delivery.status !== 'pending') return { skip: 'done' as const };
    // Another job for this delivery got here first (a retry asked for while one was scheduled).
    if (delivery.next_attempt_at && new Date(delivery.next_attempt_at).getTime() > now.getTime() + 5_000)
      return { skip: 'not_due' as const };
    const webhook = (await getWebhookRow(client, accountId, delivery.webhook_id))!;
    if (webhook.status !== 'active') {
      await updateDeliveryRow(client, accountId, deliveryId, {
        status: 'failed',
        next_attempt_at: null,
        last_error: 'endpoint_disabled',
      });
      return { skip: 'done' as const };
    }
    const attempt = delivery.attempts + 1;
    await updateDeliveryRow(client, accountId, deliveryId, {
      attempts: attempt,
      last_attempt_at: now,
      next_attempt_at: new Date(now.getTime() + LEASE_MS),
    });
    return { skip: undefined, delivery, webhook, attempt };
  });
  if (claimed.skip !== undefined) return { kind: 'skipped', reason: claimed.skip };
  const { delivery, webhook, attempt } = claimed;

  const body = bodyOf(delivery, deps.baseUrl);
  const timestamp = Math.floor(now.getTime() / 1000);
  const result = await deps.http({
    url: webhook.url,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      ...signingHeaders(
        signingSecrets(deps.keyring, accountId, webhook, now),
        delivery.message_id,
        timestamp,
        body,
      ),
    },
    body,
    timeoutMs: deps.timeoutMs ?? ATTEMPT_TIMEOUT_MS,
    maxResponseBytes: MAX_RESPONSE_BYTES,
  });
  const statusCode = result.ok ? result.status : null;
  const succeeded = result.ok && result.status >= 200 && result.status < 300;
  const gone = result.ok && result.status === 410;
  const error = succeeded
    ? null
    : !result.ok
      ? result.error
      : result.status >= 300 && result.status < 400
        ? 'redirect'
        : `http_${result.status}`;

  const outcome = await withTenant(deps.db, accountId, async (_tx, client) => {
    await insertAttempt(client, {
      accountId,
      id: crypto.randomUUID(),
      deliveryId,
      attempt,
      statusCode,
      durationMs: result.durationMs,
      error,
      at: now,
    });
    const hook = (await getWebhookRow(client, accountId, webhook.id, { forUpdate: true }))!;
    if (succeeded) {
      await updateDeliveryRow(client, accountId, deliveryId, {
        status: 'succeeded',
        next_attempt_at: null,
        delivered_at: now,
        last_status_code: statusCode,
        last_error: null,
      });
      await client.query(
        `UPDATE webhooks SET last_success_at = $3, failing_since = NULL, updated_at = now()
          WHERE account_id = $1 AND id = $2`,
        [accountId, webhook.id, now],
      );
      return { delivery: 'succeeded' as const, next: null, disabled: null };
    }

    let disabled: 'gone' | 'failing' | null = null;
    const failingSince = hook.failing_since ? new Date(hook.failing_since) : now;
    if (hook.status === 'active') {
      if (gone) disabled = 'gone';
      else if (now.getTime() - failingSince.getTime() >= DISABLE_AFTER_MS) disabled = 'failing';
    }
    await updateWebhookRow(client, accountId, webhook.id, {
      failing_since: failingSince,
      ...(disabled ? { status: 'disabled', disabled_reason: disabled, disabled_at: now } : {}),
    });
    if (disabled === 'failing') await deps.notifyDisabled(client, webhook.id);

    let next: number | null = null;
    if (!gone && !disabled && hook.status === 'active') {
      next = retryDelaySeconds(attempt, deps.random);
      if (next !== null) {
        const retryAfter = result.ok ? parseRetryAfter(result.headers['retry-after'], now) : undefined;
        if (retryAfter !== undefined) next = retryAfter;
        else if (attempt === MAX_ATTEMPTS - 1) {
          // The last wait makes up what jitter took off: the last attempt is ≥ 72 h after the first.
          const first = (await firstAttemptAt(client, accountId, deliveryId)) ?? now;
          const span = (now.getTime() - first.getTime()) / 1000;
          next = Math.max(next, Math.ceil(MIN_RETRY_SPAN_SECONDS - span));
        }
      }
    }
    await updateDeliveryRow(client, accountId, deliveryId, {
      status: next === null ? 'failed' : 'pending',
      next_attempt_at: next === null ? null : new Date(now.getTime() + next * 1000),
      last_status_code: statusCode,
      last_error: error,
    });
    if (next !== null) await deps.scheduleNext(client, deliveryId, next);
    return { delivery: next === null ? ('failed' as const) : ('pending' as const), next, disabled };
  });
  deps.logger?.info(
    { deliveryId, webhookId: webhook.id, attempt, statusCode, error, delivery: outcome.delivery },
    'webhook attempt',
  );
  return {
    kind: 'attempted',
    attempt,
    statusCode,
    error,
    delivery: outcome.delivery,
    nextAttemptInSeconds: outcome.next,
    disabled: outcome.disabled,
  };
}
