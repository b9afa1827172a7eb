import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.ts';
import { buildApp } from '../app.ts';
import { testConfig } from '../config.ts';
import { createLogger } from './logger.ts';

/** A pino destination that keeps every line in memory. */
function memoryStream() {
  const lines: string[] = [];
  return {
    lines,
    write(chunk: string) {
      lines.push(chunk);
    },
    text: () => lines.join(''),
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const SECRET = 'S3CR3T-value-that-must-not-leak';

describe('logger redaction', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['top-level authorization', { authorization: `Bearer ${SECRET}` }],
    ['top-level cookie', { cookie: `porchlight_session=${SECRET}` }],
    ['top-level password', { password: SECRET }],
    ['top-level token', { token: SECRET }],
    ['top-level apiKey', { apiKey: SECRET }],
    ['top-level secret', { secret: SECRET }],
    ['top-level set-cookie', { 'set-cookie': `porchlight_session=${SECRET}` }],
    [
      'request headers (outside the req serializer)',
      { request: { headers: { authorization: `Bearer ${SECRET}`, cookie: `porchlight_session=${SECRET}` } } },
    ],
    ['response set-cookie', { res: { headers: { 'set-cookie': [`s=${SECRET}`] } } }],
    ['body password', { body: { password: SECRET } }],
    ['user apiKey', { user: { apiKey: SECRET } }],
    ['three levels deep', { a: { b: { c: { secret: SECRET } } } }],
    ['four levels deep', { a: { b: { c: { d: { token: SECRET } } } } }],
    ['refresh and access tokens', { oauth: { accessToken: SECRET, refreshToken: SECRET } }],
  ];

  for (const [name, payload] of cases) {
    it(`redacts ${name}`, () => {
      const out = memoryStream();
      const logger = createLogger('info', out);
      logger.info(payload, 'something happened');
      expect(out.lines).toHaveLength(1);
      expect(out.text()).not.toContain(SECRET);
      expect(out.text()).toContain('[redacted]');
      expect(out.records()[0]).toMatchObject({ msg: 'something happened', service: 'porchlight' });
    });
  }

  it('never logs req headers (the req serializer keeps method and path only)', () => {
    const out = memoryStream();
    const logger = createLogger('info', out);
    logger.info(
      {
        req: {
          method: 'GET',
          url: `/x?token=${SECRET}`,
          headers: { authorization: `Bearer ${SECRET}`, cookie: `porchlight_session=${SECRET}` },
        },
      },
      'x',
    );
    expect(out.text()).not.toContain(SECRET);
    expect(out.records()[0]?.req).toEqual({ method: 'GET', path: '/x' });
  });

  it('keeps the fields that are not secret', () => {
    const out = memoryStream();
    const logger = createLogger('info', out);
    logger.info({ user: { id: 'u1', apiKey: SECRET }, accountId: 'a1' }, 'x');
    const record = out.records()[0] as { user: Record<string, unknown>; accountId: string };
    expect(record.user).toEqual({ id: 'u1', apiKey: '[redacted]' });
    expect(record.accountId).toBe('a1');
  });

  it('redacts in child loggers too', () => {
    const out = memoryStream();
    const child = createLogger('info', out).child({ reqId: 'r1' });
    child.warn({ req: { headers: { authorization: `Bearer ${SECRET}` } } }, 'x');
    expect(out.text()).not.toContain(SECRET);
  });
});

describe('request logs from the app', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.destroy());

  it('log the path without its query string, and no credentials', async () => {
    const out = memoryStream();
    const app = await buildApp({
      config: testConfig(),
      db,
      logger: createLogger('info', out),
      configure: (a) => {
        a.get('/__test/boom', { config: { auth: 'public' } }, async () => {
          throw new Error('kaboom for the log');
        });
      },
    });
    try {
      await app.inject({
        method: 'GET',
        url: '/api/v1/plans?email=private.person@example.com&q=555-0142',
        headers: { authorization: `Bearer ${SECRET}`, cookie: `porchlight_session=${SECRET}` },
      });
      await app.inject({ method: 'GET', url: `/nope?token=${SECRET}` });
      const boom = await app.inject({ method: 'GET', url: '/__test/boom?email=private.person@example.com' });
      expect(boom.statusCode).toBe(500);
    } finally {
      await app.close();
    }

    const text = out.text();
    const records = out.records();
    const incoming = records.filter((r) => r.msg === 'incoming request');
    expect(incoming.length).toBeGreaterThanOrEqual(3);
    expect(incoming.map((r) => r.req)).toContainEqual({ method: 'GET', path: '/api/v1/plans' });
    expect(incoming.map((r) => r.req)).toContainEqual({ method: 'GET', path: '/nope' });
    expect(text).not.toContain('?');
    expect(text).not.toContain('private.person');
    expect(text).not.toContain('555-0142');
    expect(text).not.toContain(SECRET);

    // An unhandled error is logged in full (the client sees a bare 500).
    const failure = records.find((r) => r.msg === 'unhandled error') as { err?: { message?: string } };
    expect(failure?.err?.message).toBe('kaboom for the log');
  });
});
