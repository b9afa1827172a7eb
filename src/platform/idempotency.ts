import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Database, SqlClient } from '../db/client.ts';
import { withTenant } from '../db/tenant.ts';
import { AppError } from './errors.ts';

/**
 * `Idempotency-Key` for authenticated creating requests (API.md, Conventions). A route opts in
 * with `config: { idempotent: true }`. With the header, the key is claimed for
 * (account, `METHOD /url/:pattern`, key) in its own short transaction before the handler runs:
 *
 * - a new key runs the handler; a 2xx answer is stored, anything else drops the claim so the
 *   client can retry;
 * - the same key with the same request again (within 24 h) answers the stored status and body,
 *   with `idempotent-replayed: true`, and the handler does not run;
 * - the same key with another request answers 422; while the first is still running, 409.
 *
 * The request hash is the SHA-256 of the canonical JSON body (keys sorted); on a route with path
 * parameters it covers `{ body, params }`, so one key cannot create a note on two leads.
 * A claim left without an answer for 10 minutes (a crashed process) is taken over.
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    /** Honour the Idempotency-Key header (authenticated POST/PUT/PATCH routes). */
    idempotent?: boolean;
  }
}

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';
const KEY = /^[\x20-\x7e]{1,255}$/;
const ABANDONED_AFTER = "interval '10 minutes'";
const KEPT_FOR = "interval '24 hours'";

type State =
  | { kind: 'hashed'; hash: string }
  | { kind: 'claimed'; accountId: string; id: string }
  | { kind: 'replayed' };

const states = new WeakMap<FastifyRequest, State>();
const registered = new WeakSet<FastifyInstance>();

/** JSON with object keys sorted at every depth: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function requestHash(body: unknown, params?: Record<string, unknown>): string {
  const subject = params && Object.keys(params).length > 0 ? { body: body ?? null, params } : body;
  return crypto.createHash('sha256').update(canonicalJson(subject)).digest('hex');
}

/** The header's key: undefined without one; 400 for a repeated, empty, long or unprintable one. */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const raw = request.headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !KEY.test(raw) || raw.trim() === '') {
    throw new AppError(
      'bad_request',
      'IDEMPOTENCY_KEY_INVALID',
      'Idempotency-Key must be one header of 1 to 255 printable characters',
    );
  }
  return raw;
}

type Claim =
  | { outcome: 'claimed'; id: string }
  | { outcome: 'replay'; statusCode: number; response: unknown }
  | { outcome: 'mismatch' }
  | { outcome: 'in_flight' };

type Stored = {
  id: string;
  request_hash: string;
  status_code: number | null;
  response: unknown;
  stale: boolean;
};

async function claimIn(
  client: SqlClient,
  accountId: string,
  scope: string,
  key: string,
  hash: string,
): Promise<Claim | undefined> {
  const id = crypto.randomUUID();
  const inserted = await client.query<{ id: string }>(
    `INSERT INTO idempotency_keys (account_id, id, scope, key, request_hash) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (account_id, scope, key) DO NOTHING RETURNING id`,
    [accountId, id, scope, key, hash],
  );
  if (inserted.rows.length > 0) return { outcome: 'claimed', id };
  const { rows } = await client.query<Stored>(
    `SELECT id, request_hash, status_code, response,
       (created_at < now() - ${KEPT_FOR}
         OR (status_code IS NULL AND created_at < now() - ${ABANDONED_AFTER})) AS stale
     FROM idempotency_keys WHERE account_id = $1 AND scope = $2 AND key = $3 FOR UPDATE`,
    [accountId, scope, key],
  );
  const row = rows[0];
  if (!row) return undefined; // dropped by a failed first request meanwhile: try again
  if (row.stale) {
    // Expired (not yet pruned) or abandoned: the key starts afresh.
    await client.query(
      `UPDATE idempotency_keys SET request_hash = $3, status_code = NULL, response = NULL, created_at = now()
       WHERE account_id = $1 AND id = $2`,
      [accountId, row.id, hash],
    );
    return { outcome: 'claimed', id: row.id };
  }
  if (row.request_hash !== hash) return { outcome: 'mismatch' };
  if (row.status_code === null) return { outcome: 'in_flight' };
  return { outcome: 'replay', statusCode: row.status_code, response: row.response };
}

/** Claims a key in its own transaction (see the module comment for the outcomes). */
export async function claimIdempotencyKey(
  db: Database,
  input: { accountId: string; scope: string; key: string; hash: string },
): Promise<Claim> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const claim = await withTenant(db, input.accountId, (_tx, client) =>
      claimIn(client, input.accountId, input.scope, input.key, input.hash),
    );
    if (claim) return claim;
  }
  return { outcome: 'in_flight' };
}

/** Stores the answer to a claimed key (a JSON text), so a retry replays it. */
export function storeIdempotentAnswer(
  db: Database,
  input: { accountId: string; id: string; statusCode: number; response: string },
): Promise<void> {
  return withTenant(db, input.accountId, async (_tx, client) => {
    await client.query(
      'UPDATE idempotency_keys SET status_code = $3, response = $4::jsonb WHERE account_id = $1 AND id = $2',
      [input.accountId, input.id, input.statusCode, input.response],
    );
  });
}

/** Drops a claim whose request failed: the same key may be tried again. */
export function releaseIdempotencyKey(db: Database, input: { accountId: string; id: string }): Promise<void> {
  return withTenant(db, input.accountId, async (_tx, client) => {
    await client.query('DELETE FROM idempotency_keys WHERE account_id = $1 AND id = $2', [
      input.accountId,
      input.id,
    ]);
  });
}

/** Deletes the account's keys older than 24 h (the daily maintenance job); returns how many. */
export function pruneIdempotencyKeys(db: Database, accountId: string): Promise<number> {
  return withTenant(db, accountId, async (_tx, client) => {
    const { rowCount } = await client.query(
      `DELETE FROM idempotency_keys WHERE account_id = $1 AND created_at < now() - ${KEPT_FOR}`,
      [accountId],
    );
    return rowCount;
  });
}

function hooksFor(db: Database) {
  const preValidation = async (request: FastifyRequest) => {
    if (idempotencyKeyOf(request) === undefined) return;
    // Before validation: the body as the client sent it, not as the schema rewrote it.
    const params = request.params as Record<string, unknown> | undefined;
    states.set(request, { kind: 'hashed', hash: requestHash(request.body, params) });
  };

  const preHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const state = states.get(request);
    const key = idempotencyKeyOf(request);
    if (state?.kind !== 'hashed' || key === undefined || !request.auth) return;
    const accountId = request.auth.accountId;
    const scope = `${request.method} ${request.routeOptions.url}`;
    const claim = await claimIdempotencyKey(db, { accountId, scope, key, hash: state.hash });
    switch (claim.outcome) {
      case 'claimed':
        states.set(request, { kind: 'claimed', accountId, id: claim.id });
        return;
      case 'mismatch':
        throw new AppError(
          'unprocessable',
          'IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was used with another request',
          [{ path: 'headers.idempotency-key', message: 'was used with another request' }],
        );
      case 'in_flight':
        throw new AppError(
          'conflict',
          'IDEMPOTENCY_KEY_IN_FLIGHT',
          'A request with this Idempotency-Key is still being processed; retry shortly',
          [],
          { 'retry-after': '1' },
        );
      case 'replay':
        states.set(request, { kind: 'replayed' });
        reply.code(claim.statusCode).header(REPLAYED_HEADER, 'true');
        return reply.send(claim.response);
    }
  };

  // Runs before the answer leaves, so a retry that follows it at once is replayed.
  const onSend = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const state = states.get(request);
    if (state?.kind !== 'claimed') return payload;
    states.delete(request);
    const ok = reply.statusCode >= 200 && reply.statusCode < 300 && typeof payload === 'string';
    try {
      if (ok) {
        await storeIdempotentAnswer(db, {
          accountId: state.accountId,
          id: state.id,
          statusCode: reply.statusCode,
          response: payload,
        });
      } else {
        await releaseIdempotencyKey(db, state);
      }
    } catch (error) {
      // The answer stands; the claim is taken over once it is 10 minutes old.
      request.log.error({ err: error }, 'could not record the idempotent answer');
    }
    return payload;
  };

  return { preValidation, preHandler, onSend };
}

function appended(existing: unknown, hook: unknown): unknown[] {
  return [...(existing === undefined ? [] : [existing].flat()), hook];
}

/**
 * Makes `config.idempotent` work on the routes registered after this call. Registering twice on
 * one app is harmless (the second call does nothing). A route that opts in must be an
 * authenticated POST, PUT or PATCH: the key is kept per account.
 */
export function registerIdempotency(app: FastifyInstance, deps: { db: Database }): void {
  if (registered.has(app)) return;
  registered.add(app);
  const hooks = hooksFor(deps.db);
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.config?.idempotent) return;
    const methods = [route.method].flat();
    if (methods.some((m) => !['POST', 'PUT', 'PATCH'].includes(m)) || route.config.auth === 'public') {
      throw new Error(`route ${methods.join(',')} ${route.url}: idempotent needs an authenticated write`);
    }
    const r = route as unknown as Record<string, unknown>;
    r.preValidation = appended(r.preValidation, hooks.preValidation);
    r.preHandler = appended(r.preHandler, hooks.preHandler);
    r.onSend = appended(r.onSend, hooks.onSend);
  });
}
