import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { isUuid, withSystem, withTenant } from '../../db/tenant.ts';
import { decodeTimeCursor, encodeTimeCursor } from '../../platform/cursor.ts';
import { invalid, notFound } from '../../platform/errors.ts';
import { type Keyring, last4, open, rewrap, type Sealed, seal } from '../../platform/secrets.ts';
import { BlockedDestinationError, checkDestination, type DestinationPolicy } from '../../platform/ssrf.ts';
import { generateWebhookSecret } from './signing.ts';
import {
  allWebhookSecrets,
  deleteWebhookRow,
  findWebhooks,
  getWebhookRow,
  insertWebhook,
  updateWebhookRow,
  type WebhookChange,
  type WebhookRow,
} from './webhooks.repo.ts';
import type { CreateWebhookBody, PatchWebhookBody, WebhookView } from './webhooks.schema.ts';

/**
 * An account's outbound webhook endpoints (issue 9): the URL checked against SSRF when saved
 * (and again at every delivery), the `whsec_` secret sealed (decision 013) and shown once, a
 * rotation keeping the previous secret signing for a day. A foreign or malformed id is a 404.
 */

export type WebhookDeps = { db: Database; keyring: Keyring; policy: DestinationPolicy };

/** How long the previous secret keeps signing after a rotation. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

export const WEBHOOK_NOT_FOUND = () => notFound('WEBHOOK_NOT_FOUND', 'No such webhook endpoint');

const contextOf = (accountId: string, webhookId: string) => ({
  accountId,
  provider: 'webhook',
  keyName: webhookId,
});

const sealedOf = (ciphertext: Uint8Array, wrappedKey: Uint8Array, keyVersion: number): Sealed => ({
  ciphertext: Buffer.from(ciphertext),
  wrappedKey: Buffer.from(wrappedKey),
  keyVersion,
});

export const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function present(keyring: Keyring, accountId: string, row: WebhookRow): WebhookView {
  const secret = open(
    keyring,
    sealedOf(row.secret_ciphertext, row.secret_wrapped_key, row.secret_key_version),
    contextOf(accountId, row.id),
  );
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    status: row.status,
    disabledReason: row.disabled_reason,
    disabledAt: iso(row.disabled_at),
    failingSince: iso(row.failing_since),
    lastSuccessAt: iso(row.last_success_at),
    secretLast4: last4(secret),
    previousSecretExpiresAt: iso(row.previous_secret_expires_at),
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}

/** 422 naming body.url for a destination that is malformed, not https (production) or private. */
async function checkUrl(policy: DestinationPolicy, url: string): Promise<string> {
  try {
    return (await checkDestination(url, policy)).href;
  } catch (error) {
    if (error instanceof BlockedDestinationError)
      throw invalid('WEBHOOK_URL_INVALID', [{ path: 'body.url', message: error.message }]);
    throw error;
  }
}

export async function createWebhook(
  deps: WebhookDeps,
  accountId: string,
  body: CreateWebhookBody,
): Promise<WebhookView & { secret: string }> {
  const url = await checkUrl(deps.policy, body.url);
  const id = crypto.randomUUID();
  const secret = generateWebhookSecret();
  const sealed = seal(deps.keyring, secret, contextOf(accountId, id));
  const row = await withTenant(deps.db, accountId, (_tx, client) =>
    insertWebhook(client, {
      accountId,
      id,
      url,
      description: body.description ?? null,
      events: body.events,
      sealed,
    }),
  );
  return { ...present(deps.keyring, accountId, row), secret };
}

export async function listWebhooks(
  deps: WebhookDeps,
  accountId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ data: WebhookView[]; nextCursor: string | null }> {
  const cursor = page.cursor ? decodeTimeCursor(page.cursor, 'WEBHOOK_CURSOR_INVALID') : null;
  const rows = await withTenant(deps.db, accountId, (_tx, client) =>
    findWebhooks(client, accountId, { limit: page.limit, cursor }),
  );
  const shown = rows.slice(0, page.limit);
  const last = shown[shown.length - 1];
  return {
    data: shown.map((r) => present(deps.keyring, accountId, r)),
    nextCursor:
      rows.length > page.limit && last ? encodeTimeCursor({ at: last.cursor_at, id: last.id }) : null,
  };
}

export async function getWebhook(deps: WebhookDeps, accountId: string, id: string): Promise<WebhookView> {
  if (!isUuid(id)) throw WEBHOOK_NOT_FOUND();
  const row = await withTenant(deps.db, accountId, (_tx, client) => getWebhookRow(client, accountId, id));
  if (!row) throw WEBHOOK_NOT_FOUND();
  return present(deps.keyring, accountId, row);
}

/**
 * Changes an endpoint field by field. Disabling records `manual`; enabling again clears the
 * reason and `failingSince` (its pending deliveries are not revived: retry them one by one).
 */
export async function updateWebhook(
  deps: WebhookDeps,
  accountId: string,
  id: string,
  patch: PatchWebhookBody,
): Promise<WebhookView> {
  if (!isUuid(id)) throw WEBHOOK_NOT_FOUND();
  const url = patch.url === undefined ? undefined : await checkUrl(deps.policy, patch.url);
  const row = await withTenant(deps.db, accountId, async (_tx, client) => {
    const current = await getWebhookRow(client, accountId, id, { forUpdate: true });
    if (!current) throw WEBHOOK_NOT_FOUND();
    const change: WebhookChange = {};
    if (url !== undefined) change.url = url;
    if (patch.events !== undefined) change.events = patch.events;
    if (patch.description !== undefined) change.description = patch.description;
    if (patch.status !== undefined && patch.status !== current.status) {
      change.status = patch.status;
      if (patch.status === 'disabled') {
        Object.assign(change, { disabled_reason: 'manual', disabled_at: new Date() });
      } else {
        Object.assign(change, { disabled_reason: null, disabled_at: null, failing_since: null });
      }
    }
    if (Object.keys(change).length === 0) return current;
    return updateWebhookRow(client, accountId, id, change);
  });
  return present(deps.keyring, accountId, row);
}

export async function deleteWebhook(deps: WebhookDeps, accountId: string, id: string): Promise<void> {
  if (!isUuid(id)) throw WEBHOOK_NOT_FOUND();
  const deleted = await withTenant(deps.db, accountId, (_tx, client) =>
    deleteWebhookRow(client, accountId, id),
  );
  if (!deleted) throw WEBHOOK_NOT_FOUND();
}

/**
 * A new secret, shown once; the current one becomes the previous and keeps signing (a second
 * `v1,` signature) for 24 hours, so receivers can switch without losing a delivery. A rotation
 * during the overlap drops the oldest secret.
 */
export async function rotateWebhookSecret(
  deps: WebhookDeps,
  accountId: string,
  id: string,
  now = new Date(),
): Promise<WebhookView & { secret: string }> {
  if (!isUuid(id)) throw WEBHOOK_NOT_FOUND();
  const secret = generateWebhookSecret();
  const sealed = seal(deps.keyring, secret, contextOf(accountId, id));
  const row = await withTenant(deps.db, accountId, async (_tx, client) => {
    const current = await getWebhookRow(client, accountId, id, { forUpdate: true });
    if (!current) throw WEBHOOK_NOT_FOUND();
    return updateWebhookRow(client, accountId, id, {
      secret_ciphertext: sealed.ciphertext,
      secret_wrapped_key: sealed.wrappedKey,
      secret_key_version: sealed.keyVersion,
      previous_secret_ciphertext: Buffer.from(current.secret_ciphertext),
      previous_secret_wrapped_key: Buffer.from(current.secret_wrapped_key),
      previous_secret_key_version: current.secret_key_version,
      previous_secret_expires_at: new Date(now.getTime() + ROTATION_OVERLAP_MS),
    });
  });
  return { ...present(deps.keyring, accountId, row), secret };
}

export type WebhookRotationReport = {
  accounts: number;
  records: number;
  rewrapped: number;
  failed: { accountId: string; id: string; reason: string }[];
};

/**
 * `porchlight keys rotate`, for webhook secrets (current and previous): each is opened (to prove
 * it still does) and its data key re-wrapped under the newest master key, one account at a time.
 */
export async function rotateWebhookSecrets(db: Database, keyring: Keyring): Promise<WebhookRotationReport> {
  const accounts = await withSystem(db, 'keys rotate: every account', async (_tx, client) => {
    const { rows } = await client.query<{ id: string }>('SELECT id FROM accounts ORDER BY id');
    return rows.map((r) => r.id);
  });
  const report: WebhookRotationReport = { accounts: 0, records: 0, rewrapped: 0, failed: [] };
  for (const accountId of accounts) {
    await withTenant(db, accountId, async (_tx, client) => {
      const rows = await allWebhookSecrets(client, accountId);
      if (rows.length) report.accounts++;
      for (const row of rows) {
        const context = contextOf(accountId, row.id);
        const current = sealedOf(row.secret_ciphertext, row.secret_wrapped_key, row.secret_key_version);
        const previous =
          row.previous_secret_ciphertext && row.previous_secret_wrapped_key && row.previous_secret_key_version
            ? sealedOf(
                row.previous_secret_ciphertext,
                row.previous_secret_wrapped_key,
                row.previous_secret_key_version,
              )
            : null;
        report.records += previous ? 2 : 1;
        const change: WebhookChange = {};
        try {
          if (current.keyVersion !== keyring.newest) {
            open(keyring, current, context);
            const next = rewrap(keyring, current, context);
            Object.assign(change, {
              secret_wrapped_key: next.wrappedKey,
              secret_key_version: next.keyVersion,
            });
            report.rewrapped++;
          }
          if (previous && previous.keyVersion !== keyring.newest) {
            open(keyring, previous, context);
            const next = rewrap(keyring, previous, context);
            Object.assign(change, {
              previous_secret_wrapped_key: next.wrappedKey,
              previous_secret_key_version: next.keyVersion,
            });
            report.rewrapped++;
          }
          if (Object.keys(change).length) await updateWebhookRow(client, accountId, row.id, change);
        } catch (error) {
          report.failed.push({
            accountId,
            id: row.id,
            reason: error instanceof Error ? error.message : String(error),
          });
        }
      }
    });
  }
  return report;
}
