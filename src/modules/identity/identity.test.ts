import crypto from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { captureLogs } from '../../../test/http.ts';
import { buildApp } from '../../app.ts';
import { testConfig } from '../../config.ts';
import { withSystem, withTenant } from '../../db/tenant.ts';
import { createLogger } from '../../platform/logger.ts';
import { insertMembership } from '../accounts/accounts.repo.ts';

let db: TestDatabase;
let app: FastifyInstance;
let logLines: string[] = [];
const ORIGIN = 'http://localhost:3000';

beforeAll(async () => {
  db = await createTestDatabase();
  const captured = captureLogs();
  logLines = captured.lines;
  app = await buildApp({ config: testConfig(), db, logger: captured.logger });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await db?.destroy();
});

const COOKIE = 'porchlight_session';
let seq = 0;
function newSignup(overrides: Record<string, unknown> = {}) {
  const u = `${Date.now().toString(36)}${seq++}`;
  return {
    email: `agent-${u}@example.test`,
    password: `correct horse ${u} battery`,
    name: `Agent ${u}`,
    accountName: `Realty ${u}`,
    accountSlug: `realty-${u}`,
    ...overrides,
  };
}

function sessionCookie(res: LightMyRequestResponse): string | undefined {
  return res.cookies.find((c) => c.name === COOKIE)?.value;
}

/** Every password and session token these flows handled: no table may hold one in clear. */
const secrets = new Set<string>();

async function signup(body = newSignup()) {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: body });
  expect(res.statusCode, res.body).toBe(201);
  secrets.add(body.password);
  secrets.add(sessionCookie(res)!);
  return { body, res, cookie: sessionCookie(res)!, json: res.json() };
}

function login(email: string, password: string, ip = '203.0.113.7') {
  return app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
    remoteAddress: ip,
  });
}

function me(cookie: string) {
  return app.inject({ method: 'GET', url: '/api/v1/me', cookies: { [COOKIE]: cookie } });
}

describe('sign-up', () => {
  it('creates user, account and owner membership, signs in with a safe cookie, and audits it', async () => {
    const { res, json, body, cookie } = await signup();
    expect(json.user.email).toBe(body.email);
    expect(json.account).toMatchObject({ slug: body.accountSlug, planCode: 'trial' });
    const set = res.cookies.find((c) => c.name === COOKIE)!;
    expect(set).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(set.secure).toBeFalsy(); // BASE_URL is http here
    expect(cookie).toHaveLength(43);
    const who = await me(cookie);
    expect(who.statusCode).toBe(200);
    expect(who.json()).toMatchObject({
      user: { email: body.email },
      activeAccountId: json.account.id,
      memberships: [{ role: 'owner', account: { id: json.account.id } }],
    });
    const audit = await withTenant(
      db,
      json.account.id,
      async (_tx, c) =>
        (
          await c.query<{ action: string }>('SELECT action FROM audit_log WHERE account_id = $1', [
            json.account.id,
          ])
        ).rows,
    );
    expect(audit.map((a) => a.action)).toContain('account.signed_up');
  });

  it('stores an argon2id hash at the policy parameters, and no raw session token', async () => {
    const { body, cookie } = await signup();
    const stored = await withSystem(db, 'test', async (_tx, c) => {
      const users = await c.query<{ password_hash: string }>(
        'SELECT password_hash FROM users WHERE email = $1',
        [body.email],
      );
      const sessions = await c.query<{ row: string }>('SELECT row_to_json(s)::text AS row FROM sessions s');
      return { hash: users.rows[0]!.password_hash, sessions: sessions.rows.map((r) => r.row).join('\n') };
    });
    expect(stored.hash.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    expect(stored.sessions).not.toContain(cookie);
    expect(stored.sessions).toContain(crypto.createHash('sha256').update(cookie).digest('hex'));
  });

  it('refuses a reserved or malformed slug, a common password, and says which field', async () => {
    for (const [overrides, path] of [
      [{ accountSlug: 'www' }, 'accountSlug'],
      [{ accountSlug: 'No Spaces' }, 'accountSlug'],
      [{ password: 'password123' }, 'password'],
      [{ password: 'short' }, 'password'],
    ] as const) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: newSignup(overrides),
      });
      expect(res.statusCode, JSON.stringify(overrides)).toBe(422);
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
    }
  });

  it('answers a taken slug or email with 409 naming the field', async () => {
    const { body } = await signup();
    const slug = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: newSignup({ accountSlug: body.accountSlug }),
    });
    expect(slug.statusCode).toBe(409);
    expect(slug.json().errors[0].path).toBe('accountSlug');
    const email = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: newSignup({ email: body.email.toUpperCase() }),
    });
    expect(email.statusCode).toBe(409);
    expect(email.json().errors[0].path).toBe('email');
  });
});

describe('sign-in', () => {
  it('answers an unknown email and a wrong password identically', async () => {
    const { body } = await signup();
    const wrong = await login(body.email, 'not the password at all', '198.51.100.1');
    const unknown = await login(`nobody-${body.email}`, 'not the password at all', '198.51.100.2');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    const strip = (r: LightMyRequestResponse) => ({ ...r.json(), requestId: undefined });
    expect(strip(wrong)).toEqual(strip(unknown));
  });

  it('signs in, rotates the session, and signs out server-side', async () => {
    const { body, cookie: first } = await signup();
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: body.email.toUpperCase(), password: body.password },
      cookies: { [COOKIE]: first },
      headers: { origin: ORIGIN },
    });
    expect(res.statusCode, res.body).toBe(200);
    const second = sessionCookie(res)!;
    expect(second).not.toBe(first);
    expect((await me(first)).statusCode).toBe(401); // the old session was revoked
    expect((await me(second)).statusCode).toBe(200);
    const out = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      cookies: { [COOKIE]: second },
      headers: { origin: ORIGIN },
    });
    expect(out.statusCode).toBe(204);
    expect((await me(second)).statusCode).toBe(401);
    const actions = await withTenant(db, res.json().account.id, async (_tx, c) =>
      (
        await c.query<{ action: string }>('SELECT action FROM audit_log WHERE account_id = $1', [
          res.json().account.id,
        ])
      ).rows.map((r) => r.action),
    );
    expect(actions).toEqual(
      expect.arrayContaining(['account.signed_up', 'auth.login_succeeded', 'auth.logged_out']),
    );
  });

  it('locks an email after repeated failures with a rising Retry-After, but lets a known device in', async () => {
    const { body } = await signup();
    const known = '192.0.2.10';
    expect((await login(body.email, body.password, known)).statusCode).toBe(200);
    for (let i = 0; i < 5; i++)
      expect((await login(body.email, 'wrong password!', '192.0.2.66')).statusCode).toBe(401);
    const locked = await login(body.email, 'wrong password!', '192.0.2.66');
    expect(locked.statusCode).toBe(429);
    const first = Number(locked.headers['retry-after']);
    expect(first).toBeGreaterThan(0);
    const again = await login(body.email, 'wrong password!', '192.0.2.66');
    expect(again.statusCode).toBe(429);
    expect(Number(again.headers['retry-after'])).toBeGreaterThan(first);
    // The right password from an unknown place is still refused while locked…
    expect((await login(body.email, body.password, '192.0.2.99')).statusCode).toBe(429);
    // …but the owner's known device gets in.
    expect((await login(body.email, body.password, known)).statusCode).toBe(200);
  });
});

describe('sessions and accounts', () => {
  it('refuses a cross-site post that carries the session cookie', async () => {
    const { cookie } = await signup();
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      cookies: { [COOKIE]: cookie },
      headers: { origin: 'https://evil.example' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('CSRF_REJECTED');
    expect((await me(cookie)).statusCode).toBe(200); // still signed in
  });

  it('switches to another account the user belongs to, with a new session; a foreign one is 404', async () => {
    const mine = await signup();
    const other = await signup();
    await withTenant(db, other.json.account.id, (tx) =>
      insertMembership(tx, { accountId: other.json.account.id, userId: mine.json.user.id, role: 'member' }),
    );
    const stranger = await signup();
    const put = (accountId: string, cookie: string) =>
      app.inject({
        method: 'PUT',
        url: '/api/v1/session',
        payload: { accountId },
        cookies: { [COOKIE]: cookie },
        headers: { origin: ORIGIN },
      });
    const foreign = await put(stranger.json.account.id, mine.cookie);
    expect(foreign.statusCode).toBe(404);
    const res = await put(other.json.account.id, mine.cookie);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ role: 'member', account: { id: other.json.account.id } });
    const next = sessionCookie(res)!;
    expect(next).not.toBe(mine.cookie);
    const who = (await me(next)).json();
    expect(who.activeAccountId).toBe(other.json.account.id);
    expect(who.memberships.map((m: { role: string }) => m.role).sort()).toEqual(['member', 'owner']);
  });

  it('never writes a password or a session token to the log', async () => {
    const { body, cookie } = await signup(newSignup({ password: 'canary-password-7f3e9a1b' }));
    await login(body.email, body.password);
    await me(cookie);
    const log = logLines.join('');
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toContain('canary-password-7f3e9a1b');
    expect(log).not.toContain(cookie);
  });
});

describe('session lifetime', () => {
  it('ends a session idle for longer than the idle timeout, and one past its absolute lifetime', async () => {
    const idle = await signup();
    const old = await signup();
    const hash = (t: string) => crypto.createHash('sha256').update(t).digest('hex');
    await withSystem(db, 'test: age sessions', async (_tx, c) => {
      await c.query(`UPDATE sessions SET last_seen_at = now() - interval '25 hours' WHERE token_hash = $1`, [
        hash(idle.cookie),
      ]);
      await c.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [
        hash(old.cookie),
      ]);
    });
    expect((await me(idle.cookie)).statusCode).toBe(401);
    expect((await me(old.cookie)).statusCode).toBe(401);
    const revoked = await withSystem(
      db,
      'test',
      async (_tx, c) =>
        (
          await c.query<{ revoked_reason: string }>(
            'SELECT revoked_reason FROM sessions WHERE token_hash = $1',
            [hash(idle.cookie)],
          )
        ).rows[0],
    );
    expect(revoked?.revoked_reason).toBe('idle');
  });

  it('uses a __Host- cookie marked Secure when BASE_URL is https', async () => {
    const secure = await buildApp({
      config: testConfig({ BASE_URL: 'https://leads.example.com' }),
      db,
      logger: createLogger('silent'),
    });
    try {
      const res = await secure.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: newSignup() });
      expect(res.statusCode).toBe(201);
      const set = res.cookies.find((c) => c.name === '__Host-porchlight_session');
      expect(set).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax', path: '/' });
      expect(set?.domain).toBeUndefined();
      secrets.add(set!.value);
    } finally {
      await secure.close();
    }
  });
});

describe('password change', () => {
  it('needs the current password, applies the policy, ends every other session and keeps this one', async () => {
    const { body, cookie } = await signup();
    const other = sessionCookie(await login(body.email, body.password, '203.0.113.50'))!;
    const change = (payload: object) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/auth/password',
        payload: payload as Record<string, unknown>,
        cookies: { [COOKIE]: cookie },
        headers: { origin: ORIGIN },
      });
    const wrong = await change({ currentPassword: 'not it at all', newPassword: 'a brand new passphrase' });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().errors[0].path).toBe('currentPassword');
    const weak = await change({ currentPassword: body.password, newPassword: 'password1' });
    expect(weak.statusCode).toBe(422);
    expect(weak.json().errors[0].path).toBe('newPassword');
    const fresh = 'a brand new passphrase 9c1';
    secrets.add(fresh);
    expect((await change({ currentPassword: body.password, newPassword: fresh })).statusCode).toBe(204);
    expect((await me(cookie)).statusCode).toBe(200);
    expect((await me(other)).statusCode).toBe(401);
    expect((await login(body.email, body.password, '203.0.113.51')).statusCode).toBe(401);
    expect((await login(body.email, fresh, '203.0.113.51')).statusCode).toBe(200);
  });
});

describe('at rest', () => {
  it('no table holds a password or a session token in clear, after all the flows above', async () => {
    expect(secrets.size).toBeGreaterThan(10);
    const tables = await db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r'`,
    );
    // As the connecting superuser, which RLS does not restrict: every row of every table.
    for (const { name } of tables.rows) {
      const { rows } = await db.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${name}" t`);
      const text = rows.map((r) => r.row).join('\n');
      for (const secret of secrets)
        expect(text.includes(secret), `${name} holds a secret in clear`).toBe(false);
    }
  });
});
