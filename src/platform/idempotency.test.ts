import Fastify, { type FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SESSION_COOKIE, type SignedUp, signUp, TEST_ORIGIN, useTestApp } from '../../test/http.ts';
import { AppError } from './errors.ts';
import { canonicalJson, pruneIdempotencyKeys, registerIdempotency, requestHash } from './idempotency.ts';

let calls = 0;
let gate: { entered: () => void; open: Promise<void> } | undefined;

function testRoutes(app: FastifyInstance) {
  registerIdempotency(app, { db: t.db });
  app.withTypeProvider<ZodTypeProvider>().post(
    '/api/v1/test/things/:kind',
    {
      config: { auth: 'member', scope: 'leads:write', idempotent: true },
      schema: {
        params: z.object({ kind: z.string() }),
        body: z.object({
          name: z.string().trim(),
          mode: z.enum(['ok', 'wait', 'crash', 'refuse']).default('ok'),
        }),
        response: { 201: z.object({ n: z.number(), name: z.string() }) },
      },
    },
    async (request, reply) => {
      calls++;
      const n = calls;
      if (request.body.mode === 'wait' && gate) {
        gate.entered();
        await gate.open;
      }
      if (request.body.mode === 'crash') throw new Error('boom');
      if (request.body.mode === 'refuse') throw new AppError('unprocessable', 'NOPE', 'Refused');
      return reply.code(201).send({ n, name: request.body.name });
    },
  );
}

const t = useTestApp({ configure: testRoutes });

const post = (p: SignedUp, key: string | undefined, payload: object, kind = 'a') =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/test/things/${kind}`,
    cookies: { [SESSION_COOKIE]: p.cookie },
    headers: { origin: TEST_ORIGIN, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    payload,
  });

describe('canonical request hash', () => {
  it('ignores key order and undefined, and tells values and params apart', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"e":3,"f":2}]},"b":1}',
    );
    expect(requestHash({ a: 1, b: 2 })).toBe(requestHash({ b: 2, a: 1 }));
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: '1' }));
    expect(requestHash({ a: 1 }, { id: 'x' })).not.toBe(requestHash({ a: 1 }, { id: 'y' }));
    expect(requestHash({ a: 1 }, {})).toBe(requestHash({ a: 1 }));
  });
});

describe('Idempotency-Key', () => {
  it('answers 409 while the first request is running, then replays its answer', async () => {
    const owner = await signUp(t.app, 'inflight');
    let entered!: () => void;
    let open!: () => void;
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    gate = { entered, open: new Promise<void>((r) => (open = r)) };
    const first = post(owner, 'k1', { name: 'slow', mode: 'wait' });
    await inside;
    const twin = await post(owner, 'k1', { name: 'slow', mode: 'wait' });
    expect(twin.statusCode).toBe(409);
    expect(twin.json().code).toBe('IDEMPOTENCY_KEY_IN_FLIGHT');
    expect(twin.headers['retry-after']).toBe('1');
    const mismatched = await post(owner, 'k1', { name: 'other' });
    expect(mismatched.statusCode).toBe(422);
    open();
    const done = await first;
    expect(done.statusCode).toBe(201);
    gate = undefined;
    const before = calls;
    const replay = await post(owner, 'k1', { name: 'slow', mode: 'wait' });
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(done.json());
    expect(calls).toBe(before);
  });

  it('drops the claim when the request fails (4xx or 5xx), so the key can be retried', async () => {
    const owner = await signUp(t.app, 'failing');
    expect((await post(owner, 'k2', { name: 'x', mode: 'crash' })).statusCode).toBe(500);
    expect((await post(owner, 'k2', { name: 'x', mode: 'refuse' })).statusCode).toBe(422);
    const ok = await post(owner, 'k2', { name: 'x' });
    expect(ok.statusCode).toBe(201);
    expect(ok.headers['idempotent-replayed']).toBeUndefined();
    // Validation failures never claim the key.
    expect((await post(owner, 'k3', { name: 5 })).statusCode).toBe(422);
    expect((await post(owner, 'k3', { name: 'y' })).statusCode).toBe(201);
  });

  it('compares the body as sent, and the path parameters', async () => {
    const owner = await signUp(t.app, 'as-sent');
    const first = await post(owner, 'k4', { name: 'x' });
    expect(first.statusCode).toBe(201);
    // Trimmed by the schema to the same value, but not the same request.
    expect((await post(owner, 'k4', { name: ' x ' })).statusCode).toBe(422);
    expect((await post(owner, 'k4', { name: 'x' }, 'b')).statusCode).toBe(422);
    expect((await post(owner, 'k4', { name: 'x' })).headers['idempotent-replayed']).toBe('true');
  });

  it('takes over an abandoned claim and an expired key; the prune removes keys older than 24 h', async () => {
    const owner = await signUp(t.app, 'stale');
    const scope = 'POST /api/v1/test/things/:kind';
    const insert = (key: string, age: string, status: number | null) =>
      t.db.query(
        `INSERT INTO idempotency_keys (account_id, id, scope, key, request_hash, status_code, response, created_at)
         VALUES ($1, gen_random_uuid(), $2, $3, 'other-hash', $4, $5::jsonb, now() - $6::interval)`,
        [owner.accountId, scope, key, status, status ? '{"n": -1, "name": "old"}' : null, age],
      );
    await insert('abandoned', '11 minutes', null);
    await insert('expired', '25 hours', 201);
    await insert('recent', '5 minutes', null);
    expect((await post(owner, 'abandoned', { name: 'x' })).statusCode).toBe(201);
    const fresh = await post(owner, 'expired', { name: 'x' });
    expect(fresh.statusCode).toBe(201);
    expect(fresh.json().name).toBe('x');
    expect((await post(owner, 'recent', { name: 'x' })).statusCode).toBe(422);

    await insert('old-1', '30 hours', 201);
    await insert('old-2', '2 days', 201);
    expect(await pruneIdempotencyKeys(t.db, owner.accountId)).toBe(2);
    const { rows } = await t.db.query<{ key: string }>(
      'SELECT key FROM idempotency_keys WHERE account_id = $1 ORDER BY key',
      [owner.accountId],
    );
    expect(rows.map((r) => r.key)).toEqual(['abandoned', 'expired', 'recent']);
  });

  it('refuses to make a read or a public route idempotent', async () => {
    for (const [method, auth] of [
      ['GET', 'member'],
      ['POST', 'public'],
    ] as const) {
      const app = Fastify();
      registerIdempotency(app, { db: t.db });
      await expect(
        (async () => {
          app.route({ method, url: '/x', config: { auth, idempotent: true }, handler: async () => ({}) });
          await app.ready();
        })(),
      ).rejects.toThrow(/idempotent/);
      await app.close();
    }
  });
});
