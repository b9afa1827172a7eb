import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { asSession, signUp } from '../../../test/http.ts';
import { buildApp } from '../../app.ts';
import { testConfig } from '../../config.ts';
import { createLogger } from '../../platform/logger.ts';

let db: TestDatabase;
let app: FastifyInstance;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await buildApp({ config: testConfig(), db, logger: createLogger('silent') });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await db?.destroy();
});

const owner = async () => (await signUp(app, 'acct')).cookie;
const call = (cookie: string, method: 'GET' | 'PATCH', payload?: object) =>
  asSession(app, cookie)(method, '/api/v1/account', payload);

describe('account profile', () => {
  it('reads and changes the active account, validating each field', async () => {
    const cookie = await owner();
    expect((await call(cookie, 'GET')).json()).toMatchObject({
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
