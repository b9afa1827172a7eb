import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { asSession, cookieOf, signUp } from '../../../test/http.ts';
import { buildApp } from '../../app.ts';
import { testConfig } from '../../config.ts';
import { withSystem } from '../../db/tenant.ts';
import { createJobQueue, type JobQueue } from '../../platform/jobs.ts';
import { createLogger } from '../../platform/logger.ts';
import { devEmailProvider } from '../outbox/outbox.service.ts';
import { identityJobs } from './identity.jobs.ts';

let db: TestDatabase;
let app: FastifyInstance;
let jobs: JobQueue;
const config = testConfig();
const tokens = new Set<string>();

beforeAll(async () => {
  db = await createTestDatabase();
  jobs = createJobQueue({
    db,
    logger: createLogger('silent'),
    jobs: identityJobs,
    services: {
      // Identity jobs only: nothing here sends through the messaging module or scores.
      messaging: undefined as never,
      ai: undefined as never,
      billing: undefined as never,
      mail: { email: devEmailProvider(db), baseUrl: config.baseUrl, emailFrom: config.emailFrom },
      pepper: 'test-pepper',
    },
  });
  await jobs.start();
  await jobs.work({ pollingIntervalSeconds: 0.5 });
  app = await buildApp({ config, db, logger: createLogger('silent'), jobs });
  await app.ready();
});
afterAll(async () => {
  await jobs?.stop(1000);
  await app?.close();
  await db?.destroy();
});

type OutboxItem = { to: string; subject: string; body: string };

/** Waits for the newest email to `to` whose subject matches; returns the token in its link. */
async function tokenMailedTo(to: string, subject: RegExp, after = new Set<string>()): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const res = await app.inject({ method: 'GET', url: '/api/v1/dev/outbox' });
    const mail = (res.json().data as OutboxItem[]).find((m) => m.to === to && subject.test(m.subject));
    const token = mail?.body.match(/#token=([A-Za-z0-9_-]{43})/)?.[1];
    if (token && !after.has(token)) {
      tokens.add(token);
      return token;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no "${subject}" email to ${to}`);
}

describe('email verification', () => {
  it('mails a link after sign-up; the token verifies once', async () => {
    const owner = await signUp(app, 'verify');
    const token = await tokenMailedTo(owner.email, /Confirm your email/);
    const verify = (t: string) =>
      app.inject({ method: 'POST', url: '/api/v1/auth/verify-email', payload: { token: t } });
    expect((await verify(token)).statusCode).toBe(204);
    const me = (await asSession(app, owner.cookie)('GET', '/api/v1/me')).json();
    expect(me.user.emailVerifiedAt).not.toBeNull();
    const again = await verify(token);
    expect(again.statusCode).toBe(422);
    expect(again.json().errors[0].path).toBe('token');
    expect((await verify('x'.repeat(43))).statusCode).toBe(422);
  });

  it('queues nothing for a sign-up that failed', async () => {
    const first = await signUp(app, 'dup');
    const email = `never-${Date.now()}@example.test`;
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: {
        email,
        password: 'a long fine password 1',
        name: 'N',
        accountName: 'N',
        accountSlug: first.email.split('@')[0],
      },
    });
    expect(res.statusCode).toBe(409);
    await tokenMailedTo(first.email, /Confirm your email/); // the worker has had time to run
    const outbox = (await app.inject({ method: 'GET', url: '/api/v1/dev/outbox' })).json()
      .data as OutboxItem[];
    expect(outbox.some((m) => m.to === email)).toBe(false);
  });
});

describe('sending the verification email again', () => {
  const resend = (cookie: string) => asSession(app, cookie)('POST', '/api/v1/auth/verify-email/resend');
  const mailsTo = async (to: string) =>
    ((await app.inject({ method: 'GET', url: '/api/v1/dev/outbox' })).json().data as OutboxItem[]).filter(
      (m) => m.to === to && /Confirm your email/.test(m.subject),
    ).length;

  it('mails a new link on request, three an hour in all, then answers 429 with when to try again', async () => {
    const owner = await signUp(app, 'resend');
    const seen = new Set([await tokenMailedTo(owner.email, /Confirm your email/)]);
    for (let i = 0; i < 2; i++) {
      expect((await resend(owner.cookie)).statusCode).toBe(202);
      seen.add(await tokenMailedTo(owner.email, /Confirm your email/, seen));
    }
    expect(seen.size).toBe(3);
    const limited = await resend(owner.cookie);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('VERIFICATION_RESEND_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(await mailsTo(owner.email)).toBe(3);
    // The newest link verifies (so does any live one).
    const verify = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/verify-email',
      payload: { token: [...seen].at(-1) },
    });
    expect(verify.statusCode).toBe(204);
  });

  it('sends no more than the limit when asked many times at once', async () => {
    const owner = await signUp(app, 'resend-burst');
    await tokenMailedTo(owner.email, /Confirm your email/);
    const answers = await Promise.all(Array.from({ length: 6 }, () => resend(owner.cookie)));
    expect(answers.every((r) => r.statusCode === 202 || r.statusCode === 429)).toBe(true);
    await new Promise((r) => setTimeout(r, 3000)); // the worker has run every queued job
    expect(await mailsTo(owner.email)).toBeLessThanOrEqual(3);
  });

  it('answers 409 once the address is verified, and 403 to an API key (it is a person’s address)', async () => {
    const owner = await signUp(app, 'resend-done');
    const token = await tokenMailedTo(owner.email, /Confirm your email/);
    await app.inject({ method: 'POST', url: '/api/v1/auth/verify-email', payload: { token } });
    const done = await resend(owner.cookie);
    expect(done.statusCode).toBe(409);
    expect(done.json().code).toBe('EMAIL_ALREADY_VERIFIED');
    const { key } = (await asSession(app, owner.cookie)('POST', '/api/v1/api-keys', { name: 'k' })).json();
    const byKey = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/verify-email/resend',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(byKey.statusCode).toBe(403);
  });
});

describe('password reset', () => {
  it('answers 202 either way, mails a link, and the token sets a new password once, ending every session', async () => {
    const owner = await signUp(app, 'reset');
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { email: `nobody-${owner.email}` },
    });
    const known = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { email: owner.email },
    });
    expect(unknown.statusCode).toBe(202);
    expect(known.statusCode).toBe(202);
    expect(known.body).toBe(unknown.body);
    const token = await tokenMailedTo(owner.email, /Reset your Porchlight password/);
    const confirm = (password: string, t = token) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/auth/password-reset/confirm',
        payload: { token: t, password },
      });
    const weak = await confirm('password1');
    expect(weak.statusCode).toBe(422);
    expect(weak.json().errors[0].path).toBe('password');
    expect((await confirm('a completely new secret 77')).statusCode).toBe(204);
    expect((await asSession(app, owner.cookie)('GET', '/api/v1/me')).statusCode).toBe(401);
    expect((await confirm('another new secret 88')).statusCode).toBe(422);
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: owner.email, password: 'a completely new secret 77' },
    });
    expect(login.statusCode).toBe(200);
    expect(cookieOf(login)).toBeDefined();
  });
});

describe('expired tokens', () => {
  it('refuses a reset token past its hour', async () => {
    const owner = await signUp(app, 'expired');
    await app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: owner.email } });
    const token = await tokenMailedTo(owner.email, /Reset your Porchlight password/);
    await withSystem(db, 'test: expire', (_tx, c) =>
      c.query(`UPDATE password_reset_tokens SET expires_at = now() - interval '1 second'`),
    );
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset/confirm',
      payload: { token, password: 'a completely new secret 99' },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0].path).toBe('token');
  });
});

describe('the dev outbox', () => {
  it('answers only on this machine', async () => {
    const remote = await app.inject({
      method: 'GET',
      url: '/api/v1/dev/outbox',
      remoteAddress: '203.0.113.9',
    });
    expect(remote.statusCode).toBe(404);
    const html = await app.inject({ method: 'GET', url: '/dev/outbox' });
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toMatch(/text\/html/);
  });

  it('is the only table holding the mailed tokens (it is the developer inbox); no other table has one', async () => {
    expect(tokens.size).toBeGreaterThanOrEqual(2);
    const tables = await db.query<{ name: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname IN ('public', 'pgboss') AND c.relkind = 'r' AND c.relname <> 'dev_outbox'`,
    );
    for (const { name } of tables.rows) {
      const { rows } = await db.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM ${name} t`);
      const text = rows.map((r) => r.row).join('\n');
      for (const token of tokens) expect(text.includes(token), `${name} holds a token`).toBe(false);
    }
  });
});
