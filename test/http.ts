import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { type AppDeps, buildApp } from '../src/app.ts';
import { testConfig } from '../src/config.ts';
import { createLogger } from '../src/platform/logger.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

/** HTTP helpers for tests that go through the real app with `inject`. */
export const SESSION_COOKIE = 'porchlight_session';
/** BASE_URL's origin in testConfig(): cookie-authenticated unsafe requests must come from it. */
export const TEST_ORIGIN = 'http://localhost:3000';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export function cookieOf(res: LightMyRequestResponse): string | undefined {
  return res.cookies.find((c) => c.name === SESSION_COOKIE)?.value;
}

/** Requests as a signed-in browser: the session cookie and a same-origin Origin header. */
export function asSession(app: FastifyInstance, cookie: string) {
  return (method: Method, url: string, payload?: object) =>
    app.inject({
      method,
      url,
      cookies: { [SESSION_COOKIE]: cookie },
      headers: { origin: TEST_ORIGIN },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
}

export type SignedUp = { cookie: string; userId: string; accountId: string; email: string; password: string };

let seq = 0;

/** Signs a new owner and account up through the API; fails the test if that does not answer 201. */
export async function signUp(app: FastifyInstance, label = 'test'): Promise<SignedUp> {
  const u = `${label}-${Date.now().toString(36)}${seq++}`;
  const email = `${u}@example.test`;
  const password = `password for ${u}`;
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: { email, password, name: `Owner ${u}`, accountName: `Account ${u}`, accountSlug: u },
  });
  if (res.statusCode !== 201) throw new Error(`sign-up answered ${res.statusCode}: ${res.body}`);
  const body = res.json();
  return { cookie: cookieOf(res)!, userId: body.user.id, accountId: body.account.id, email, password };
}

/**
 * This file's own database and app, built in beforeAll and closed in afterAll. Returns a
 * handle whose `app` and `db` are set once beforeAll has run.
 */
export function useTestApp(overrides: Partial<AppDeps> = {}): { app: FastifyInstance; db: TestDatabase } {
  const handle = {} as { app: FastifyInstance; db: TestDatabase };
  beforeAll(async () => {
    handle.db = await createTestDatabase();
    handle.app = await buildApp({
      config: testConfig(),
      db: handle.db,
      logger: createLogger('silent'),
      ...overrides,
    });
    await handle.app.ready();
  });
  afterAll(async () => {
    await handle.app?.close();
    await handle.db?.destroy();
  });
  return handle;
}
