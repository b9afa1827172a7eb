import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { captureLogs } from '../../../test/http.ts';
import { buildApp } from '../../app.ts';
import { testConfig } from '../../config.ts';
import { withSystem, withTenant } from '../../db/tenant.ts';
import { AppError } from '../../platform/errors.ts';
import { createLogger } from '../../platform/logger.ts';
import { loadAuthPepper } from '../../platform/secrets.ts';
import { hashApiKey } from '../../platform/tokens.ts';
import { insertMembership } from '../accounts/accounts.repo.ts';
import { createApiKeyRateLimiter } from './api-keys.service.ts';
import { createAuthenticator } from './authenticate.ts';

let db: TestDatabase;
let app: FastifyInstance;
const config = testConfig();
const { pepper } = loadAuthPepper(config);
let logLines: string[] = [];
const COOKIE = 'porchlight_session';
const ORIGIN = 'http://localhost:3000';
const KEY_FORMAT = /^pl_live_([a-z2-7]{12})_[A-Za-z0-9_-]{43}$/;
/** The secret part of a key (base64url may itself hold `_`). */
const secretOf = (key: string) => key.slice('pl_live_'.length + 13);

/** Test-only routes: who the request is, and one that needs the leads:write scope. */
function testRoutes(instance: FastifyInstance) {
  const r = instance.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/test/whoami',
    {
      config: { auth: 'member', scope: 'leads:read' },
      schema: {
        response: {
          200: z.object({
            via: z.string(),
            accountId: z.string(),
            role: z.string(),
            apiKeyId: z.string().nullable(),
            scopes: z.array(z.string()).nullable(),
          }),
        },
      },
    },
    async (request) => {
      const auth = request.auth!;
      return {
        via: auth.via,
        accountId: auth.accountId,
        role: auth.role,
        apiKeyId: auth.apiKeyId ?? null,
        scopes: auth.scopes ?? null,
      };
    },
  );
  r.post(
    '/api/v1/test/leads',
    {
      config: { auth: 'member', scope: 'leads:write' },
      schema: { response: { 200: z.object({ ok: z.boolean() }) } },
    },
    async () => ({ ok: true }),
  );
}

beforeAll(async () => {
  db = await createTestDatabase();
  const captured = captureLogs();
  logLines = captured.lines;
  app = await buildApp({ config, db, logger: captured.logger, configure: testRoutes });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await db?.destroy();
});

let seq = 0;
const unique = () => `${Date.now().toString(36)}${seq++}`;
const cookieOf = (res: LightMyRequestResponse) => res.cookies.find((c) => c.name === COOKIE)?.value;

type Person = { cookie: string; userId: string; accountId: string };

async function signup(): Promise<Person> {
  const u = unique();
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: {
      email: `keys-${u}@example.test`,
      password: `keys password ${u}`,
      name: `Owner ${u}`,
      accountName: `Keys ${u}`,
      accountSlug: `keys-${u}`,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { cookie: cookieOf(res)!, userId: res.json().user.id, accountId: res.json().account.id };
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A signed-in browser request (cookie and our own Origin, as the CSRF check wants). */
function call(p: { cookie: string }, method: Method, url: string, payload?: object) {
  return app.inject({
    method,
    url,
    cookies: { [COOKIE]: p.cookie },
    headers: { origin: ORIGIN },
    ...(payload ? { payload: payload as Record<string, unknown> } : {}),
  });
}

/** A program's request: the key in the Authorization header, no cookie. */
function bearer(key: string, method: Method, url: string, payload?: object, on = app) {
  return on.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key}` },
    ...(payload ? { payload: payload as Record<string, unknown> } : {}),
  });
}

/** Every key these tests were shown: none may be stored or logged. */
const shownKeys = new Set<string>();

async function createKey(owner: Person, body: object = { name: 'Zapier' }) {
  const res = await call(owner, 'POST', '/api/v1/api-keys', body);
  expect(res.statusCode, res.body).toBe(201);
  const json = res.json() as { id: string; key: string; prefix: string; scopes: string[] };
  shownKeys.add(json.key);
  return json;
}

async function auditActions(accountId: string) {
  return withTenant(db, accountId, async (_tx, c) => {
    const { rows } = await c.query<{ action: string; actor_user_id: string; target_id: string }>(
      'SELECT action, actor_user_id, target_id FROM audit_log WHERE account_id = $1 ORDER BY created_at',
      [accountId],
    );
    return rows;
  });
}

describe('creating and listing keys', () => {
  it('creates a key shown once, lists it without the key, and audits the creation', async () => {
    const owner = await signup();
    const res = await call(owner, 'POST', '/api/v1/api-keys', { name: '  Zapier  ' });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json();
    shownKeys.add(created.key);
    expect(Object.keys(created).sort()).toEqual(['createdAt', 'id', 'key', 'name', 'prefix', 'scopes']);
    expect(created).toMatchObject({ name: 'Zapier', scopes: ['leads:read', 'leads:write'] });
    const match = KEY_FORMAT.exec(created.key);
    expect(match).not.toBeNull();
    expect(created.prefix).toBe(match![1]);

    const list = await call(owner, 'GET', '/api/v1/api-keys');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({
      data: [
        {
          id: created.id,
          name: 'Zapier',
          prefix: created.prefix,
          scopes: ['leads:read', 'leads:write'],
          lastUsedAt: null,
          revokedAt: null,
          createdAt: created.createdAt,
        },
      ],
      nextCursor: null,
    });
    expect(list.body).not.toContain(created.key);
    expect(list.body).not.toContain(hashApiKey(pepper, created.key));

    const audit = await auditActions(owner.accountId);
    expect(audit).toContainEqual({
      action: 'api_key.created',
      actor_user_id: owner.userId,
      target_id: created.id,
    });
  });

  it('stores only an HMAC of the key under the pepper, never the key', async () => {
    const owner = await signup();
    const { key, id } = await createKey(owner);
    const rows = await withSystem(db, 'test', async (_tx, c) => {
      const { rows } = await c.query<{ row: string }>('SELECT row_to_json(k)::text AS row FROM api_keys k');
      return rows.map((r) => r.row).join('\n');
    });
    expect(rows).toContain(id);
    expect(rows).not.toContain(key);
    expect(rows).not.toContain(secretOf(key));
    expect(rows).toContain(hashApiKey(pepper, key));
  });

  it('takes named scopes once each, and refuses an unknown scope, no scopes or a bad name with 422', async () => {
    const owner = await signup();
    const some = await createKey(owner, {
      name: 'Reporting',
      scopes: ['pages:read', 'leads:read', 'pages:read'],
    });
    expect(some.scopes).toEqual(['leads:read', 'pages:read']);
    for (const [body, path] of [
      [{ name: 'x', scopes: ['leads:read', 'leads:delete'] }, 'body.scopes.1'],
      [{ name: 'x', scopes: [] }, 'body.scopes'],
      [{ name: '' }, 'body.name'],
      [{ name: 'x'.repeat(81) }, 'body.name'],
      [{ scopes: ['leads:read'] }, 'body.name'],
      [{ name: 'x', extra: true }, 'body'],
    ] as const) {
      const res = await call(owner, 'POST', '/api/v1/api-keys', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    const list = (await call(owner, 'GET', '/api/v1/api-keys')).json();
    expect(list.data).toHaveLength(1);
  });

  it('lets owners and admins manage keys; a member gets 403', async () => {
    const owner = await signup();
    const joinAs = async (role: 'admin' | 'member') => {
      const person = await signup();
      await withTenant(db, owner.accountId, (tx) =>
        insertMembership(tx, { accountId: owner.accountId, userId: person.userId, role }),
      );
      const res = await call(person, 'PUT', '/api/v1/session', { accountId: owner.accountId });
      expect(res.statusCode, res.body).toBe(200);
      return { ...person, cookie: cookieOf(res)!, accountId: owner.accountId };
    };
    const member = await joinAs('member');
    const admin = await joinAs('admin');
    const { id } = await createKey(owner);

    for (const [method, url, body] of [
      ['POST', '/api/v1/api-keys', { name: 'mine' }],
      ['GET', '/api/v1/api-keys', undefined],
      ['DELETE', `/api/v1/api-keys/${id}`, undefined],
    ] as const) {
      const res = await call(member, method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().code).toBe('AUTH_FORBIDDEN');
    }
    const byAdmin = await createKey(admin, { name: 'Admin key' });
    const list = (await call(admin, 'GET', '/api/v1/api-keys')).json();
    expect(list.data.map((k: { id: string }) => k.id).sort()).toEqual([id, byAdmin.id].sort());
    expect((await call(admin, 'DELETE', `/api/v1/api-keys/${id}`)).statusCode).toBe(204);
  });
});

describe('authenticating with a key', () => {
  it("acts for the key's account as a member with its scopes, and notes last use at most once a minute", async () => {
    const owner = await signup();
    const { key, id } = await createKey(owner);
    const res = await bearer(key, 'GET', '/api/v1/test/whoami');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      via: 'api_key',
      accountId: owner.accountId,
      role: 'member',
      apiKeyId: id,
      scopes: ['leads:read', 'leads:write'],
    });
    const lastUsed = async () =>
      (await call(owner, 'GET', '/api/v1/api-keys')).json().data.find((k: { id: string }) => k.id === id)
        .lastUsedAt;
    const first = await lastUsed();
    expect(first).not.toBeNull();
    expect((await bearer(key, 'GET', '/api/v1/test/whoami')).statusCode).toBe(200);
    expect(await lastUsed()).toBe(first);
  });

  it('cannot manage keys, sign a person in, or speak for the person who made it', async () => {
    const owner = await signup();
    const { key, id } = await createKey(owner);
    for (const [method, url, body] of [
      ['POST', '/api/v1/api-keys', { name: 'from a key' }],
      ['GET', '/api/v1/api-keys', undefined],
      ['DELETE', `/api/v1/api-keys/${id}`, undefined],
    ] as const) {
      const res = await bearer(key, method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
    }
    // Switching accounts would start a session for the key's creator, an owner: refused, no cookie.
    const sw = await bearer(key, 'PUT', '/api/v1/session', { accountId: owner.accountId });
    expect(sw.statusCode).toBe(403);
    expect(sw.json().code).toBe('SESSION_REQUIRED');
    expect(cookieOf(sw)).toBeUndefined();
    // "Who am I" and password changes are about a signed-in person; a key is none.
    expect((await bearer(key, 'GET', '/api/v1/me')).statusCode).toBe(403);
    const pw = await bearer(key, 'POST', '/api/v1/auth/password', { currentPassword: 'x', newPassword: 'y' });
    expect(pw.statusCode).toBe(403);
    const list = (await call(owner, 'GET', '/api/v1/api-keys')).json();
    expect(list.data).toHaveLength(1);
    expect(list.data[0].revokedAt).toBeNull();
  });

  it('refuses a malformed key, an unknown one, a right prefix with a wrong secret, and other schemes', async () => {
    const owner = await signup();
    const { key, prefix } = await createKey(owner);
    const wrongSecret = `pl_live_${prefix}_${'A'.repeat(43)}`;
    const unknownPrefix = `pl_live_${'a'.repeat(12)}_${secretOf(key)}`;
    for (const authorization of [
      'Bearer nonsense',
      `Bearer ${wrongSecret}`,
      `Bearer ${unknownPrefix}`,
      `Bearer ${key}x`,
      `Bearer ${key.toUpperCase()}`,
      `Basic ${Buffer.from(`user:${key}`).toString('base64')}`,
      key,
      'Bearer',
    ]) {
      const res = await app.inject({ method: 'GET', url: '/api/v1/test/whoami', headers: { authorization } });
      expect(res.statusCode, authorization).toBe(401);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    // The Authorization header decides alone: a bad key next to a good cookie is still refused.
    const mixed = await app.inject({
      method: 'GET',
      url: '/api/v1/test/whoami',
      headers: { authorization: `Bearer ${wrongSecret}` },
      cookies: { [COOKIE]: owner.cookie },
    });
    expect(mixed.statusCode).toBe(401);
    expect((await bearer(key, 'GET', '/api/v1/test/whoami')).statusCode).toBe(200);
  });

  it('needs the scope a route asks for; sessions are limited by role, not scopes', async () => {
    const owner = await signup();
    const readOnly = await createKey(owner, { name: 'read only', scopes: ['leads:read'] });
    const writer = await createKey(owner, { name: 'writer' });
    const refused = await bearer(readOnly.key, 'POST', '/api/v1/test/leads', {});
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('API_KEY_SCOPE');
    expect(refused.json().detail).toContain('leads:write');
    expect((await bearer(writer.key, 'POST', '/api/v1/test/leads', {})).statusCode).toBe(200);
    expect((await call(owner, 'POST', '/api/v1/test/leads', {})).statusCode).toBe(200);
  });

  it('limits each key to its requests per window, with Retry-After, apart from other keys', async () => {
    const owner = await signup();
    const limited = await createKey(owner, { name: 'busy' });
    const other = await createKey(owner, { name: 'quiet' });
    const policy = { idleMs: config.sessionIdleMs, maxMs: config.sessionMaxMs };
    const small = await buildApp({
      config,
      db,
      logger: createLogger('silent'),
      configure: testRoutes,
      authenticate: createAuthenticator({
        db,
        isHttps: false,
        policy,
        pepper,
        apiKeyLimiter: createApiKeyRateLimiter({ limit: 3, windowMs: 60_000 }),
      }),
    });
    try {
      for (let i = 0; i < 3; i++)
        expect((await bearer(limited.key, 'GET', '/api/v1/test/whoami', undefined, small)).statusCode).toBe(
          200,
        );
      const over = await bearer(limited.key, 'GET', '/api/v1/test/whoami', undefined, small);
      expect(over.statusCode).toBe(429);
      expect(over.json().code).toBe('API_KEY_RATE_LIMITED');
      const retryAfter = Number(over.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect((await bearer(other.key, 'GET', '/api/v1/test/whoami', undefined, small)).statusCode).toBe(200);
    } finally {
      await small.close();
    }
  });

  it('opens a new window once the old one has passed', () => {
    let t = 1_000_000;
    const limiter = createApiKeyRateLimiter({ limit: 2, windowMs: 10_000, now: () => t });
    limiter.hit('k');
    limiter.hit('k');
    t += 4_000;
    const over = (() => {
      try {
        limiter.hit('k');
      } catch (error) {
        return error as AppError;
      }
    })();
    expect(over).toBeInstanceOf(AppError);
    expect(over).toMatchObject({
      status: 429,
      code: 'API_KEY_RATE_LIMITED',
      headers: { 'retry-after': '6' },
    });
    expect(over!.message).toContain('limited to 2 requests per 10 s');
    t += 6_000;
    expect(() => limiter.hit('k')).not.toThrow();
  });
});

describe('revoking keys', () => {
  it('revokes with 204 and the key fails from the next request; revoking again changes nothing', async () => {
    const owner = await signup();
    const { key, id } = await createKey(owner);
    expect((await bearer(key, 'GET', '/api/v1/test/whoami')).statusCode).toBe(200);
    const res = await call(owner, 'DELETE', `/api/v1/api-keys/${id}`);
    expect(res.statusCode, res.body).toBe(204);
    expect((await bearer(key, 'GET', '/api/v1/test/whoami')).statusCode).toBe(401);
    const listed = (await call(owner, 'GET', '/api/v1/api-keys')).json().data[0];
    expect(listed.id).toBe(id);
    expect(listed.revokedAt).not.toBeNull();
    expect((await call(owner, 'DELETE', `/api/v1/api-keys/${id}`)).statusCode).toBe(204);
    const revoked = (await auditActions(owner.accountId)).filter((a) => a.action === 'api_key.revoked');
    expect(revoked).toEqual([{ action: 'api_key.revoked', actor_user_id: owner.userId, target_id: id }]);
  });

  it("answers 404 for another account's key, an unknown id or a malformed one; the key keeps working", async () => {
    const a = await signup();
    const b = await signup();
    const { key, id } = await createKey(a);
    const missing = await call(b, 'DELETE', '/api/v1/api-keys/00000000-0000-4000-8000-000000000000');
    const foreign = await call(b, 'DELETE', `/api/v1/api-keys/${id}`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.headers['content-type']).toMatch(/application\/problem\+json/);
    const strip = (r: LightMyRequestResponse) => ({ ...r.json(), requestId: undefined });
    expect(strip(foreign)).toEqual(strip(missing));
    expect((await call(b, 'DELETE', '/api/v1/api-keys/not-a-uuid')).statusCode).toBe(404);
    expect((await call(b, 'DELETE', `/api/v1/api-keys/${id.toUpperCase()}`)).statusCode).toBe(404);
    expect((await call(b, 'GET', '/api/v1/api-keys')).json().data).toEqual([]);
    expect((await bearer(key, 'GET', '/api/v1/test/whoami')).statusCode).toBe(200);
    expect((await call(a, 'GET', '/api/v1/api-keys')).json().data[0].revokedAt).toBeNull();
    expect((await auditActions(b.accountId)).map((r) => r.action)).not.toContain('api_key.revoked');
  });
});

describe('at rest and in the log', () => {
  it('no table holds a key and no log line shows one, after all the flows above', async () => {
    expect(shownKeys.size).toBeGreaterThan(10);
    const tables = await db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r'`,
    );
    // As the connecting superuser, which RLS does not restrict: every row of every table.
    for (const { name } of tables.rows) {
      const { rows } = await db.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${name}" t`);
      const text = rows.map((r) => r.row).join('\n');
      for (const key of shownKeys) {
        expect(text.includes(key), `${name} holds an API key in clear`).toBe(false);
        expect(text.includes(secretOf(key)), `${name} holds an API key's secret`).toBe(false);
      }
    }
    const log = logLines.join('');
    expect(log.length).toBeGreaterThan(0);
    for (const key of shownKeys) {
      expect(log).not.toContain(key);
      expect(log).not.toContain(secretOf(key));
    }
  });
});
