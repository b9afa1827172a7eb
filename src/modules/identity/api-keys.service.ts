import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { isUuid, withSystem, withTenant } from '../../db/tenant.ts';
import type { AuthContext } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import { hashApiKey, newApiKey, parseApiKey, safeEqualHex } from '../../platform/tokens.ts';
import { recordAudit } from '../audit/audit.service.ts';
import {
  findApiKeysOfAccount,
  getApiKeyByPrefix,
  getApiKeyForUpdate,
  insertApiKey,
  markApiKeyRevoked,
  touchApiKey,
} from './api-keys.repo.ts';
import { API_KEY_SCOPES, type ApiKeyScope, DEFAULT_API_KEY_SCOPES } from './api-keys.schema.ts';

/** A key as its account sees it: never the key, never its hash. */
export type ApiKey = {
  id: string;
  accountId: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdByUserId: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
};

/** Who a valid, unrevoked key speaks for. */
export type ApiKeyIdentity = {
  id: string;
  accountId: string;
  scopes: string[];
  createdByUserId: string | null;
};

// last_used_at is written at most once a minute per key: an integration may call all day.
const TOUCH_EVERY_SECONDS = 60;

const KEY_NOT_FOUND = () => new AppError('not_found', 'API_KEY_NOT_FOUND', 'No such API key');

/** Known scopes, each once, in the canonical order of API_KEY_SCOPES. */
function normalizeScopes(scopes: readonly ApiKeyScope[] | undefined): ApiKeyScope[] {
  const wanted = new Set(scopes ?? DEFAULT_API_KEY_SCOPES);
  return API_KEY_SCOPES.filter((s) => wanted.has(s));
}

/**
 * Creates a key for the account and records `api_key.created` in the same transaction.
 * Returns the key itself once: only its HMAC under the server pepper is stored.
 */
export async function createApiKey(
  db: Database,
  input: {
    accountId: string;
    name: string;
    scopes?: readonly ApiKeyScope[] | undefined;
    createdByUserId: string;
    ipHash: string | null;
    pepper: string;
  },
): Promise<{ apiKey: ApiKey; key: string }> {
  const scopes = normalizeScopes(input.scopes);
  // The 60-bit public prefix is unique; a collision is astronomically rare, but costs one retry.
  for (let attempt = 1; ; attempt++) {
    const { key, prefix, hash } = newApiKey(input.pepper);
    try {
      const apiKey = await withTenant(db, input.accountId, async (tx) => {
        const row = await insertApiKey(tx, {
          id: crypto.randomUUID(),
          accountId: input.accountId,
          name: input.name.trim(),
          prefix,
          keyHash: hash,
          scopes,
          createdByUserId: input.createdByUserId,
        });
        await recordAudit(tx, {
          accountId: input.accountId,
          action: 'api_key.created',
          actorUserId: input.createdByUserId,
          target: { type: 'api_key', id: row.id },
          ipHash: input.ipHash,
          details: { prefix, scopes: scopes.join(' ') },
        });
        return row;
      });
      return { apiKey, key };
    } catch (error) {
      if (attempt >= 3 || !isUniqueViolation(error, 'api_keys_prefix_key')) throw error;
    }
  }
}

/** The account's keys, newest first; revoked ones stay listed with their revokedAt. */
export function listApiKeys(db: Database, accountId: string): Promise<ApiKey[]> {
  return withTenant(db, accountId, (tx) => findApiKeysOfAccount(tx, accountId));
}

/**
 * Revokes one of the account's keys and records `api_key.revoked`; it stops working on the
 * next request. Revoking a revoked key again changes nothing. Any id that is not one of this
 * account's keys (another account's, unknown, not a uuid) is 404, exactly as a missing key.
 */
export async function revokeApiKey(
  db: Database,
  input: { accountId: string; id: string; actorUserId: string; ipHash: string | null },
): Promise<void> {
  if (!isUuid(input.id)) throw KEY_NOT_FOUND();
  await withTenant(db, input.accountId, async (tx) => {
    const row = await getApiKeyForUpdate(tx, input.accountId, input.id);
    if (!row) throw KEY_NOT_FOUND();
    if (row.revokedAt) return;
    await markApiKeyRevoked(tx, input.accountId, input.id);
    await recordAudit(tx, {
      accountId: input.accountId,
      action: 'api_key.revoked',
      actorUserId: input.actorUserId,
      target: { type: 'api_key', id: input.id },
      ipHash: input.ipHash,
      details: { prefix: row.prefix },
    });
  });
}

/**
 * The identity behind a presented key, or null for anything that is not a live key: malformed,
 * unknown prefix, wrong secret, revoked. Looked up on every request (no cache), so a revocation
 * holds from the next request. The HMAC is computed before the lookup and compared in constant
 * time, so a known prefix with a wrong secret costs the same as an unknown one.
 */
export async function authenticateApiKey(
  db: Database,
  pepper: string,
  key: string,
): Promise<ApiKeyIdentity | null> {
  const parsed = parseApiKey(key);
  if (!parsed) return null;
  const presented = hashApiKey(pepper, key);
  return withSystem(db, 'identity: api key lookup', async (tx) => {
    const row = await getApiKeyByPrefix(tx, parsed.prefix);
    if (!row || !safeEqualHex(presented, row.keyHash) || row.revokedAt) return null;
    const stale = !row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() >= TOUCH_EVERY_SECONDS * 1000;
    if (stale) await touchApiKey(tx, row.id, TOUCH_EVERY_SECONDS);
    return {
      id: row.id,
      accountId: row.accountId,
      scopes: row.scopes,
      createdByUserId: row.createdByUserId,
    };
  });
}

/**
 * Refuses (403 API_KEY_SCOPE) a request made with an API key that lacks `scope`. Sessions pass:
 * a person is limited by their role, which the route's auth level already checked.
 * Takes anything with `auth` (a Fastify request) so this module stays free of HTTP types.
 */
export function requireScope(request: { auth: AuthContext | null }, scope: ApiKeyScope): void {
  const auth = request.auth;
  if (!auth) throw new AppError('unauthorized', 'AUTH_REQUIRED', 'Sign in or send an API key');
  if (auth.via === 'api_key' && !auth.scopes?.includes(scope)) {
    throw new AppError('forbidden', 'API_KEY_SCOPE', `This API key lacks the ${scope} scope`);
  }
}

/**
 * Refuses (403 SESSION_REQUIRED) a request made with an API key: managing keys and other
 * things only a person should do need a signed-in session.
 */
export function requireSession(request: { auth: AuthContext | null }): AuthContext {
  const auth = request.auth;
  if (!auth) throw new AppError('unauthorized', 'AUTH_REQUIRED', 'Sign in or send an API key');
  if (auth.via !== 'session') {
    throw new AppError('forbidden', 'SESSION_REQUIRED', 'Sign in to do this; an API key cannot');
  }
  return auth;
}

export type ApiKeyRateLimiter = {
  /** Counts one request of a key; throws 429 API_KEY_RATE_LIMITED with Retry-After past the limit. */
  hit(keyId: string): void;
};

/**
 * A fixed-window request limit per API key (default 600 per minute), starting at a key's first
 * request in the window. Per process and in memory: with several processes each allows the
 * full limit; a shared store comes with the Redis / rate-limit work. Only authenticated keys
 * are counted, so unknown keys cannot grow the table.
 */
export function createApiKeyRateLimiter(
  options: { limit?: number; windowMs?: number; now?: () => number } = {},
): ApiKeyRateLimiter {
  const limit = options.limit ?? 600;
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  const windows = new Map<string, { start: number; count: number }>();
  const prune = (t: number) => {
    for (const [id, w] of windows) if (t - w.start >= windowMs) windows.delete(id);
  };
  return {
    hit(keyId) {
      const t = now();
      let w = windows.get(keyId);
      if (!w || t - w.start >= windowMs) {
        if (windows.size >= 1000) prune(t);
        w = { start: t, count: 0 };
        windows.set(keyId, w);
      }
      w.count += 1;
      if (w.count > limit) {
        const retryAfter = Math.max(1, Math.ceil((w.start + windowMs - t) / 1000));
        throw new AppError(
          'rate_limited',
          'API_KEY_RATE_LIMITED',
          `This API key is limited to ${limit} requests per ${Math.round(windowMs / 1000)} s`,
          [],
          { 'retry-after': String(retryAfter) },
        );
      }
    },
  };
}
