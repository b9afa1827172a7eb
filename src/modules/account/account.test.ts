import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { buildApp } from '../../app.ts';
import { testConfig } from '../../config.ts';
import { createLogger } from '../../platform/logger.ts';

let db: TestDatabase;
let app: FastifyInstance;
const COOKIE = 'porchlight_session';

beforeAll(async () => {
  db = await createTestDatabase();
  app = await buildApp({ config: testConfig(), db, logger: createLogger('silent') });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await db?.destroy();
});

async function owner() {
  const u = Date.now().toString(36);
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: {
      email: `acct-${u}@example.test`,
      password: `account password ${u}`,
      name: 'Owner',
      accountName: 'Pine Realty',
      accountSlug: `pine-${u}`,
    },
  });
  return res.cookies.find((c) => c.name === COOKIE)!.value;
}

const call = (cookie: string, method: 'GET' | 'PATCH', payload?: object) =>
  app.inject({
    method,
    url: '/api/v1/account',
    cookies: { [COOKIE]: cookie },
    headers: { origin: 'http://localhost:3000' },
    ...(payload ? { payload: payload as Record<string, unknown> } : {}),
  });

describe('account profile', () => {
  it('reads and changes the active account, validating each field', async () => {
    const cookie = await owner();
    expect((await call(cookie, 'GET')).json()).toMatchObject({
      name: 'Pine Realty',
      timezone: 'America/New_York',
    });
    const patched = await call(cookie, 'PATCH', {
      name: 'Pine & Oak Realty',
      timezone: 'America/Chicago',
      licenseNumber: 'TX-123',
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      name: 'Pine & Oak Realty',
      timezone: 'America/Chicago',
      licenseNumber: 'TX-123',
    });
    const badZone = await call(cookie, 'PATCH', { timezone: 'Mars/Olympus' });
    expect(badZone.statusCode).toBe(422);
    expect(badZone.json().errors[0].path).toBe('timezone');
    const unknown = await call(cookie, 'PATCH', { slug: 'hijack' });
    expect(unknown.statusCode).toBe(422);
    expect((await call(cookie, 'GET')).json().name).toBe('Pine & Oak Realty');
  });

  it('is not readable without a session', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/account' })).statusCode).toBe(401);
  });
});
