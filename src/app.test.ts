import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase, type TestDatabase, testEngine } from '../test/db.ts';
import { type AppDeps, buildApp } from './app.ts';
import { testConfig } from './config.ts';
import { type AuthContext, RouteWithoutAuthError, RouteWithoutScopeError } from './platform/auth.ts';
import { AppError } from './platform/errors.ts';
import { createLifecycle } from './platform/lifecycle.ts';
import { createLogger } from './platform/logger.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.destroy());

const PROBLEM = /^application\/problem\+json/;

const member: AuthContext = {
  userId: '7d0c5a0e-4f43-4a49-9c8e-2b1d1a8b6f01',
  accountId: '0b6f3a4e-52a8-4d57-9a55-0f3b7f5a7c11',
  role: 'member',
  isPlatformAdmin: false,
  via: 'session',
};

/** An API key of the same account, holding only leads:read. */
const leadsReader: AuthContext = { ...member, via: 'api_key', scopes: ['leads:read'] };

/** Test routes, registered through `configure` under the same rules as the modules'. */
function testRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/__test/people',
    {
      config: { auth: 'public' },
      schema: {
        body: z.object({ email: z.email(), age: z.number().int() }),
        response: { 200: z.object({ email: z.string(), age: z.number() }) },
      },
    },
    async (request) => ({ email: request.body.email, age: request.body.age }),
  );
  r.get(
    '/__test/leaky',
    {
      config: { auth: 'public' },
      schema: { response: { 200: z.object({ id: z.string(), email: z.string() }) } },
    },
    async () => ({ id: 'u1', email: 'a@example.com', passwordHash: '$argon2id$secret-hash' }),
  );
  r.get(
    '/__test/mismatch',
    { config: { auth: 'public' }, schema: { response: { 200: z.object({ count: z.number() }) } } },
    // A handler bug: the answer does not match its declared schema.
    async () => ({ count: 'many, see postgres://u:p@h/db' }) as unknown as { count: number },
  );
  r.get('/__test/boom', { config: { auth: 'public' } }, async () => {
    throw new Error('secret internals: connection string postgres://u:p@h/db');
  });
  r.get('/__test/taken', { config: { auth: 'public' } }, async () => {
    throw new AppError('conflict', 'X_TAKEN', 'That x is taken');
  });
  r.get('/__test/member', { config: { auth: 'member' } }, async (request) => ({
    userId: request.auth?.userId,
  }));
  r.get('/__test/admin', { config: { auth: 'admin' } }, async () => ({ ok: true }));
  r.get('/__test/owner', { config: { auth: 'owner' } }, async () => ({ ok: true }));
  r.get('/__test/platform', { config: { auth: 'platform' } }, async () => ({ ok: true }));
  const ok = { response: { 200: z.object({ ok: z.boolean() }) } };
  r.get('/api/v1/__test/read', { config: { auth: 'member', scope: 'leads:read' }, schema: ok }, async () => ({
    ok: true,
  }));
  r.get(
    '/api/v1/__test/write',
    { config: { auth: 'member', scope: 'leads:write' }, schema: ok },
    async () => ({
      ok: true,
    }),
  );
  r.get(
    '/api/v1/__test/admin-read',
    { config: { auth: 'admin', scope: 'leads:read' }, schema: ok },
    async () => ({
      ok: true,
    }),
  );
  r.get('/api/v1/__test/person', { config: { auth: 'member', scope: null }, schema: ok }, async () => ({
    ok: true,
  }));
  r.get('/api/v1/__test/owner', { config: { auth: 'owner' }, schema: ok }, async () => ({ ok: true }));
}

async function makeApp(overrides: Partial<AppDeps> = {}): Promise<FastifyInstance> {
  const app = await buildApp({
    config: testConfig({ BODY_LIMIT_BYTES: '2048' }),
    db,
    logger: createLogger('silent'),
    configure: testRoutes,
    ...overrides,
  });
  await app.ready();
  return app;
}

function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  status: number,
) {
  expect(res.statusCode).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(PROBLEM);
  const body = res.json() as Record<string, unknown>;
  expect(body).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
  return body;
}

describe('app', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await makeApp();
  });
  afterAll(async () => app?.close());

  describe('health and readiness', () => {
    it('GET /healthz answers 200 ok', async () => {
      const res = await app.inject({ method: 'GET', url: '/healthz' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok' });
    });

    it('GET /readyz answers 200 with the engine when ready', async () => {
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ready', database: testEngine });
    });

    for (const state of ['starting', 'draining'] as const) {
      it(`GET /readyz answers 503 problem+json while ${state}`, async () => {
        const other = await makeApp({ lifecycle: createLifecycle(state) });
        try {
          const res = await other.inject({ method: 'GET', url: '/readyz' });
          const body = expectProblem(res, 503);
          expect(body.detail).toContain(state);
          expect(res.headers['retry-after']).toBe('2');
          const health = await other.inject({ method: 'GET', url: '/healthz' });
          expect(health.statusCode).toBe(200);
        } finally {
          await other.close();
        }
      });
    }

    it('closes each connection while draining, so keep-alive clients cannot hold the shutdown', async () => {
      const lifecycle = createLifecycle('ready');
      const other = await makeApp({ lifecycle });
      try {
        const before = await other.inject({ method: 'GET', url: '/healthz' });
        expect(before.headers.connection).not.toBe('close');
        lifecycle.state = 'draining';
        const during = await other.inject({ method: 'GET', url: '/__test/taken' });
        expect(during.statusCode).toBe(409);
        expect(during.headers.connection).toBe('close');
      } finally {
        await other.close();
      }
    });

    it('answers every other route 503 with retry-after while starting', async () => {
      const other = await makeApp({ lifecycle: createLifecycle('starting') });
      try {
        for (const url of ['/api/v1/plans', '/__test/taken', '/no/such/route', '/readyz?x=1']) {
          const res = await other.inject({ method: 'GET', url });
          if (url.startsWith('/readyz')) {
            expect(res.statusCode).toBe(503);
            continue;
          }
          const body = expectProblem(res, 503);
          expect(body.code).toBe('STARTING');
          expect(res.headers['retry-after']).toBe('2');
        }
        const res = await other.inject({
          method: 'POST',
          url: '/__test/people',
          payload: { email: 'a@example.com', age: 3 },
        });
        expectProblem(res, 503);
      } finally {
        await other.close();
      }
    });

    it('answers 503 instead of reaching a database that failed to start', async () => {
      const failed = await makeApp({ lifecycle: createLifecycle('failed') });
      try {
        expect(expectProblem(await failed.inject({ method: 'GET', url: '/api/v1/plans' }), 503).code).toBe(
          'START_FAILED',
        );
        expect((await failed.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
        expectProblem(await failed.inject({ method: 'GET', url: '/readyz' }), 503);
      } finally {
        await failed.close();
      }
    });
  });

  describe('errors are problem+json', () => {
    it('unknown route → 404 with type, title, status, detail', async () => {
      const res = await app.inject({ method: 'GET', url: '/nope?email=x@example.com' });
      const body = expectProblem(res, 404);
      expect(body.type).toMatch(/^https?:\/\/|^about:blank$/);
      expect(body.title).toBe('Not found');
      expect(body.detail).toBe('No route for GET /nope');
    });

    it('a valid body passes', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/__test/people',
        payload: { email: 'a@example.com', age: 42 },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ email: 'a@example.com', age: 42 });
    });

    it('an invalid field → 422 naming the field', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/__test/people',
        payload: { email: 'not-an-email', age: 42 },
      });
      const body = expectProblem(res, 422);
      const errors = body.errors as { path: string; message: string }[];
      expect(Array.isArray(errors)).toBe(true);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.some((e) => e.path.includes('email'))).toBe(true);
      expect(errors.every((e) => typeof e.message === 'string' && e.message.length > 0)).toBe(true);
    });

    it('a missing field and a wrong type → 422 naming each field', async () => {
      const res = await app.inject({ method: 'POST', url: '/__test/people', payload: { age: 1.5 } });
      const body = expectProblem(res, 422);
      const paths = (body.errors as { path: string }[]).map((e) => e.path);
      expect(paths.some((p) => p.includes('email'))).toBe(true);
      expect(paths.some((p) => p.includes('age'))).toBe(true);
    });

    it('malformed JSON → 400', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/__test/people',
        headers: { 'content-type': 'application/json' },
        payload: '{"email": "a@example.com", ',
      });
      const body = expectProblem(res, 400);
      expect(body.detail).toBe('The body is not valid JSON');
    });

    it('a body over bodyLimitBytes → 413', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/__test/people',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ email: 'a@example.com', age: 1, pad: 'x'.repeat(4096) }),
      });
      expectProblem(res, 413);
    });

    it('a wrong content type → 415', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/__test/people',
        headers: { 'content-type': 'text/plain' },
        payload: 'email=a@example.com',
      });
      expectProblem(res, 415);
    });

    it('a thrown plain Error → bare 500 with no message or stack', async () => {
      const res = await app.inject({ method: 'GET', url: '/__test/boom' });
      const body = expectProblem(res, 500);
      expect(body.title).toBe('Internal error');
      expect(body.detail).toBeUndefined();
      expect(body.stack).toBeUndefined();
      expect(body.errors).toBeUndefined();
      expect(res.body).not.toContain('secret internals');
      expect(res.body).not.toContain('postgres://');
      expect(res.body).not.toMatch(/at .*\.ts:\d+/);
    });

    it('the response schema is an allow-list: undeclared fields never leave', async () => {
      const res = await app.inject({ method: 'GET', url: '/__test/leaky' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ id: 'u1', email: 'a@example.com' });
      expect(res.body).not.toContain('argon2');
    });

    it('an answer that does not match its schema → bare 500', async () => {
      const res = await app.inject({ method: 'GET', url: '/__test/mismatch' });
      const body = expectProblem(res, 500);
      expect(body.detail).toBeUndefined();
      expect(res.body).not.toContain('postgres://');
      expect(res.body).not.toContain('many');
    });

    it("AppError('conflict') → 409 with its code", async () => {
      const res = await app.inject({ method: 'GET', url: '/__test/taken' });
      const body = expectProblem(res, 409);
      expect(body.code).toBe('X_TAKEN');
      expect(body.detail).toBe('That x is taken');
    });
  });

  describe('route declarations are enforced at start-up', () => {
    it('a route without config.auth fails with RouteWithoutAuthError', async () => {
      const attempt = (async () => {
        const bad = await buildApp({
          config: testConfig(),
          db,
          logger: createLogger('silent'),
          configure: (a) => {
            a.get('/__test/undeclared', async () => ({ ok: true }));
          },
        });
        try {
          await bad.ready();
        } finally {
          await bad.close().catch(() => {});
        }
      })();
      await expect(attempt).rejects.toBeInstanceOf(RouteWithoutAuthError);
    });

    it('an /api/v1 route without a response schema fails', async () => {
      const attempt = (async () => {
        const bad = await buildApp({
          config: testConfig(),
          db,
          logger: createLogger('silent'),
          configure: (a) => {
            a.get('/api/v1/__test/unschema', { config: { auth: 'public' } }, async () => ({ ok: true }));
          },
        });
        try {
          await bad.ready();
        } finally {
          await bad.close().catch(() => {});
        }
      })();
      await expect(attempt).rejects.toThrow(/declares no response schema/);
    });
  });

  describe('auth levels', () => {
    it("auth: 'member' answers 401 without credentials (default authenticator)", async () => {
      const res = await app.inject({ method: 'GET', url: '/__test/member' });
      const body = expectProblem(res, 401);
      expect(body.code).toBe('AUTH_REQUIRED');
    });

    it("a member may call auth: 'member' routes (200) but not auth: 'admin' (403)", async () => {
      const other = await makeApp({ authenticate: async () => member });
      try {
        const ok = await other.inject({ method: 'GET', url: '/__test/member' });
        expect(ok.statusCode).toBe(200);
        expect(ok.json()).toEqual({ userId: member.userId });
        const denied = await other.inject({ method: 'GET', url: '/__test/admin' });
        const body = expectProblem(denied, 403);
        expect(body.code).toBe('AUTH_FORBIDDEN');
      } finally {
        await other.close();
      }
    });
  });

  describe('API-key scopes', () => {
    it('a key reaches a route only with its scope; null-scope and owner routes are for people', async () => {
      const other = await makeApp({ authenticate: async () => leadsReader });
      try {
        const expected: Record<string, [number, string?]> = {
          '/api/v1/__test/read': [200],
          '/api/v1/__test/write': [403, 'API_KEY_SCOPE'],
          // The scope stands for the admin role: an admin made the key and chose its scopes.
          '/api/v1/__test/admin-read': [200],
          '/api/v1/__test/person': [403, 'SESSION_REQUIRED'],
          '/api/v1/__test/owner': [403, 'AUTH_FORBIDDEN'],
        };
        for (const [url, [status, code]] of Object.entries(expected)) {
          const res = await other.inject({ method: 'GET', url });
          expect(res.statusCode, url).toBe(status);
          if (code) expect(res.json().code, url).toBe(code);
        }
      } finally {
        await other.close();
      }
    });

    it('a session is limited by its role, not by scopes', async () => {
      const other = await makeApp({ authenticate: async () => member });
      try {
        for (const url of ['/api/v1/__test/read', '/api/v1/__test/write', '/api/v1/__test/person'])
          expect((await other.inject({ method: 'GET', url })).statusCode, url).toBe(200);
        expect((await other.inject({ method: 'GET', url: '/api/v1/__test/admin-read' })).statusCode).toBe(
          403,
        );
      } finally {
        await other.close();
      }
    });

    it('a member or admin /api/v1 route that declares no scope, or an unknown one, fails start-up', async () => {
      for (const [config, error] of [
        [{ auth: 'member' }, RouteWithoutScopeError],
        [{ auth: 'admin', scope: 'leads:delete' }, /unknown scope "leads:delete"/],
      ] as const) {
        const attempt = (async () => {
          const bad = await buildApp({
            config: testConfig(),
            db,
            logger: createLogger('silent'),
            configure: (a) => {
              a.get(
                '/api/v1/__test/unscoped',
                { config, schema: { response: { 200: z.object({ ok: z.boolean() }) } } },
                async () => ({ ok: true }),
              );
            },
          });
          try {
            await bad.ready();
          } finally {
            await bad.close().catch(() => {});
          }
        })();
        if (error instanceof RegExp) await expect(attempt).rejects.toThrow(error);
        else await expect(attempt).rejects.toBeInstanceOf(error);
      }
    });
  });

  describe('owner and platform levels', () => {
    it("lets an admin reach 'admin' but not 'owner'; an owner both; only a platform admin 'platform'", async () => {
      const cases = [
        [
          { ...member, role: 'admin' as const },
          { admin: 200, owner: 403, platform: 403 },
        ],
        [
          { ...member, role: 'owner' as const },
          { admin: 200, owner: 200, platform: 403 },
        ],
        [
          { ...member, isPlatformAdmin: true },
          { admin: 403, owner: 403, platform: 200 },
        ],
      ] as const;
      for (const [who, expected] of cases) {
        const other = await makeApp({ authenticate: async () => who });
        try {
          for (const [level, status] of Object.entries(expected)) {
            const res = await other.inject({ method: 'GET', url: `/__test/${level}` });
            expect(res.statusCode, `${who.role}/${who.isPlatformAdmin} on ${level}`).toBe(status);
          }
        } finally {
          await other.close();
        }
      }
    });
  });

  describe('x-request-id', () => {
    it('echoes a valid id from the client', async () => {
      const id = 'client-req_0123.abc';
      const res = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': id } });
      expect(res.headers['x-request-id']).toBe(id);
    });

    it('generates one when none is sent', async () => {
      const a = await app.inject({ method: 'GET', url: '/healthz' });
      const b = await app.inject({ method: 'GET', url: '/healthz' });
      const idA = String(a.headers['x-request-id']);
      expect(idA).toMatch(/^[0-9a-f-]{36}$/);
      expect(b.headers['x-request-id']).not.toBe(idA);
    });

    it('replaces an invalid one', async () => {
      const res = await app.inject({
        method: 'GET',
        url: '/healthz',
        headers: { 'x-request-id': 'has spaces <script>' },
      });
      const id = String(res.headers['x-request-id']);
      expect(id).not.toContain(' ');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('appears in problem bodies', async () => {
      const id = 'trace-0000-1111';
      const res = await app.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': id } });
      expect(res.json()).toMatchObject({ requestId: id });
    });
  });

  describe('OpenAPI', () => {
    it('GET /api/openapi.json is OpenAPI 3.1 and lists /api/v1/plans', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/openapi.json' });
      expect(res.statusCode).toBe(200);
      const doc = res.json() as { openapi: string; paths: Record<string, unknown> };
      expect(doc.openapi).toMatch(/^3\.1/);
      expect(doc.paths).toHaveProperty('/api/v1/plans');
    });

    it('GET /api/docs/ answers HTML', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/docs/' });
      expect(res.statusCode).toBe(200);
      expect(String(res.headers['content-type'])).toMatch(/^text\/html/);
    });
  });

  describe('plans', () => {
    it('GET /api/v1/plans lists the four seeded plans', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/v1/plans' });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { data: { code: string; name: string; priceMonthCents: number }[] };
      expect(body.data.map((p) => p.code)).toEqual(['trial', 'booster', 'pro', 'team']);
      for (const plan of body.data) {
        expect(typeof plan.name).toBe('string');
        expect(typeof plan.priceMonthCents).toBe('number');
      }
    });
  });
});
