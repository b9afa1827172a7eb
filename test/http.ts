import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { type AppDeps, buildApp } from '../src/app.ts';
import { type Config, testConfig } from '../src/config.ts';
import type { Database } from '../src/db/client.ts';
import { withTenant } from '../src/db/tenant.ts';
import { insertMembership } from '../src/modules/accounts/accounts.repo.ts';
import { createJobQueue, type JobQueue } from '../src/platform/jobs.ts';
import { createLogger } from '../src/platform/logger.ts';
import { allJobs, jobServices } from '../src/runtime.ts';
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
 * Someone new joins `owner`'s account with `role` and makes it their active account: what
 * accepting an invitation does, written directly (the invitation flow has its own tests).
 */
export async function joinAccount(
  app: FastifyInstance,
  db: Database,
  owner: SignedUp,
  role: 'admin' | 'member',
): Promise<SignedUp> {
  const other = await signUp(app, `joins-as-${role}`);
  await withTenant(db, owner.accountId, (tx) =>
    insertMembership(tx, { accountId: owner.accountId, userId: other.userId, role }),
  );
  const switched = await asSession(app, other.cookie)('PUT', '/api/v1/session', {
    accountId: owner.accountId,
  });
  if (switched.statusCode !== 200)
    throw new Error(`switching answered ${switched.statusCode}: ${switched.body}`);
  return { ...other, cookie: cookieOf(switched)!, accountId: owner.accountId };
}

/**
 * This file's own database and app, built in beforeAll and closed in afterAll. With
 * `withJobs`, a real job queue runs every job in-process (emails land in the dev outbox).
 */
export function useTestApp(
  options: {
    withJobs?: boolean;
    /** The configuration, made when the app is built (after earlier beforeAll hooks, e.g. a fake's start). */
    makeConfig?: () => Config;
  } & Partial<AppDeps> = {},
): {
  app: FastifyInstance;
  db: TestDatabase;
} {
  const { withJobs, makeConfig, ...overrides } = options;
  const handle = {} as { app: FastifyInstance; db: TestDatabase; jobs?: JobQueue };
  beforeAll(async () => {
    handle.db = await createTestDatabase();
    // The app and its jobs see one configuration.
    const config = makeConfig?.() ?? overrides.config ?? testConfig();
    if (withJobs) {
      handle.jobs = createJobQueue({
        db: handle.db,
        logger: createLogger('silent'),
        jobs: allJobs,
        services: jobServices(config, handle.db),
      });
      await handle.jobs.start();
      await handle.jobs.work({ pollingIntervalSeconds: 0.5 });
    }
    handle.app = await buildApp({
      db: handle.db,
      logger: createLogger('silent'),
      jobs: handle.jobs,
      ...overrides,
      config,
    });
    await handle.app.ready();
  });
  afterAll(async () => {
    await handle.jobs?.stop(1000);
    await handle.app?.close();
    await handle.db?.destroy();
  });
  return handle;
}

/** Waits for the newest dev-outbox email to `to` whose subject matches; returns the token in its link. */
export async function mailedToken(app: FastifyInstance, to: string, subject: RegExp): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const res = await app.inject({ method: 'GET', url: '/api/v1/dev/outbox' });
    const mail = (res.json().data as { to: string; subject: string; body: string }[]).find(
      (m) => m.to === to && subject.test(m.subject),
    );
    const token = mail?.body.match(/#token=([A-Za-z0-9_.-]+)/)?.[1];
    if (token) return token;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no "${subject}" email to ${to}`);
}

/** A debug-level logger whose output is kept in `lines`, for log-canary tests. */
export function captureLogs(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('debug', sink), lines };
}
