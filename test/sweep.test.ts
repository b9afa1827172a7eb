import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { testConfig } from '../src/config.ts';
import { withTenant } from '../src/db/tenant.ts';
import { API_KEY_SCOPES } from '../src/modules/identity/api-keys.schema.ts';
import { declaredRoutes } from '../src/platform/auth.ts';
import { createLogger } from '../src/platform/logger.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { signUp } from './http.ts';
import { billingCases, platformBillingCases, platformPlanCases } from './sweep/billing.ts';
import { accountExportCases, contactsCases } from './sweep/contacts.ts';
import { aiRunsCases, credentialsCases } from './sweep/credentials.ts';
import { creditBundlesCases, creditsCases } from './sweep/credits.ts';
import { importsCases } from './sweep/imports.ts';
import { as, type Case, type Ctx, expectNotFound } from './sweep/kit.ts';
import { blockedIpsCases, leadsCases } from './sweep/leads.ts';
import { notificationsCases } from './sweep/notifications.ts';
import { presenceCases } from './sweep/presence.ts';
import { savedRepliesCases } from './sweep/saved-replies.ts';
import { telephonyCases } from './sweep/telephony.ts';
import { webhooksCases } from './sweep/webhooks.ts';

/**
 * The cross-tenant sweep, built from the route table: for every route that is not public,
 * tenant B's credentials are used on tenant A's objects, and the answer must be 404 (exactly as
 * for a missing object) with A's data unchanged. A route added without a case here fails the
 * first test, so no new route escapes the sweep.
 */

/** One case per non-public route: `METHOD url` exactly as registered. */
const IDENTITY_CASES: Record<string, Case> = {
  // Answers only about the caller: B's session shows B and nothing of A.
  'GET /api/v1/me': async ({ app, a, b }) => {
    const res = await as(b, app)('GET', '/api/v1/me');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.user.id).toBe(b.userId);
    expect(JSON.stringify(body)).not.toContain(a.accountId);
    expect(JSON.stringify(body)).not.toContain(a.email);
  },
  // B cannot make A's account its active one.
  'PUT /api/v1/session': async ({ app, a, b }) => {
    expectNotFound(await as(b, app)('PUT', '/api/v1/session', { accountId: a.accountId }));
    const me = (await as(b, app)('GET', '/api/v1/me')).json();
    expect(me.activeAccountId).toBe(b.accountId);
  },
  // Changes the caller's own password only: A still signs in with A's.
  'POST /api/v1/auth/password': async ({ app, a, b }) => {
    const res = await as(b, app)('POST', '/api/v1/auth/password', {
      currentPassword: a.password,
      newPassword: 'taken over by b 12345',
    });
    expect(res.statusCode).toBe(422);
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: a.email, password: a.password },
      remoteAddress: '198.18.0.9',
    });
    expect(login.statusCode).toBe(200);
  },
  // About the caller's own address: B's request queues B's email, never A's (no job queue here:
  // the answer says nothing of A).
  'POST /api/v1/auth/verify-email/resend': async ({ app, a, b }) => {
    const res = await as(b, app)('POST', '/api/v1/auth/verify-email/resend');
    expect(res.statusCode).toBe(202);
    expect(res.body).not.toContain(a.email);
  },
  // B's key list shows none of A's keys.
  'GET /api/v1/api-keys': async ({ app, a, b }) => {
    const created = (await as(a, app)('POST', '/api/v1/api-keys', { name: 'sweep a' })).json();
    const res = await as(b, app)('GET', '/api/v1/api-keys');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(created.id);
    expect(res.body).not.toContain(created.prefix);
  },
  // Creates in B's own account only; A's keys are unchanged.
  'POST /api/v1/api-keys': async ({ app, a, b }) => {
    const before = (await as(a, app)('GET', '/api/v1/api-keys')).body;
    const res = await as(b, app)('POST', '/api/v1/api-keys', { name: 'sweep b' });
    expect(res.statusCode).toBe(201);
    expect((await as(a, app)('GET', '/api/v1/api-keys')).body).toBe(before);
  },
  // B cannot revoke A's key: 404 as for a missing key; the key stays live and keeps working.
  'DELETE /api/v1/api-keys/:id': async ({ app, a, b }) => {
    const { id, key } = (await as(a, app)('POST', '/api/v1/api-keys', { name: 'sweep target' })).json();
    expectNotFound(await as(b, app)('DELETE', `/api/v1/api-keys/${id}`));
    const keys = (await as(a, app)('GET', '/api/v1/api-keys')).json().data;
    expect(keys.find((k: { id: string }) => k.id === id).revokedAt).toBeNull();
    const stillWorks = await app.inject({
      method: 'GET',
      url: '/api/v1/leads',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(stillWorks.statusCode).toBe(200);
  },
  'GET /api/v1/account': async ({ app, a, b }) => {
    const res = await as(b, app)('GET', '/api/v1/account');
    expect(res.json().id).toBe(b.accountId);
    expect(res.body).not.toContain(a.accountId);
  },
  // Changes B's own account only.
  'PATCH /api/v1/account': async ({ app, a, b }) => {
    const before = (await as(a, app)('GET', '/api/v1/account')).body;
    expect((await as(b, app)('PATCH', '/api/v1/account', { name: 'Renamed by B' })).json().id).toBe(
      b.accountId,
    );
    expect((await as(a, app)('GET', '/api/v1/account')).body).toBe(before);
  },
  // B's team list shows none of A's people.
  'GET /api/v1/account/members': async ({ app, a, b }) => {
    const res = await as(b, app)('GET', '/api/v1/account/members');
    expect(res.statusCode).toBe(200);
    expect(JSON.stringify(res.json())).not.toContain(a.userId);
  },
  // Creates in B's own account only; A's team is unchanged.
  'POST /api/v1/account/members': async ({ app, a, b }) => {
    const before = (await as(a, app)('GET', '/api/v1/account/members')).body;
    const res = await as(b, app)('POST', '/api/v1/account/members', { email: 'sweep-invitee@example.test' });
    expect(res.statusCode).toBe(201);
    const bTeam = (await as(b, app)('GET', '/api/v1/account/members')).json();
    expect(bTeam.invitations.map((i: { id: string }) => i.id)).toContain(res.json().invitation.id);
    expect((await as(a, app)('GET', '/api/v1/account/members')).body).toBe(before);
  },
  'PATCH /api/v1/account/members/:userId': async ({ app, a, b }) => {
    expectNotFound(await as(b, app)('PATCH', `/api/v1/account/members/${a.userId}`, { role: 'member' }));
    const team = (await as(a, app)('GET', '/api/v1/account/members')).json();
    expect(team.data).toContainEqual(expect.objectContaining({ userId: a.userId, role: 'owner' }));
  },
  'DELETE /api/v1/account/members/:userId': async ({ app, a, b }) => {
    expectNotFound(await as(b, app)('DELETE', `/api/v1/account/members/${a.userId}`));
    expect((await as(a, app)('GET', '/api/v1/me')).statusCode).toBe(200);
  },
  'DELETE /api/v1/account/invitations/:id': async ({ app, a, b }) => {
    const invite = await as(a, app)('POST', '/api/v1/account/members', { email: 'a-invitee@example.test' });
    const id = invite.json().invitation.id;
    expectNotFound(await as(b, app)('DELETE', `/api/v1/account/invitations/${id}`));
    const team = (await as(a, app)('GET', '/api/v1/account/members')).json();
    expect(team.invitations.map((i: { id: string }) => i.id)).toContain(id);
  },
};

/** Each module's cases live beside this file (test/sweep/*.ts); keys must not repeat. */
const CASES: Record<string, Case> = {
  ...IDENTITY_CASES,
  ...presenceCases,
  ...leadsCases,
  ...blockedIpsCases,
  ...telephonyCases,
  ...notificationsCases,
  ...savedRepliesCases,
  ...credentialsCases,
  ...aiRunsCases,
  ...creditsCases,
  ...creditBundlesCases,
  ...billingCases,
  ...platformBillingCases,
  ...platformPlanCases,
  ...contactsCases,
  ...accountExportCases,
  ...webhooksCases,
  ...importsCases,
};

let db: TestDatabase;
let ctx: Ctx;

beforeAll(async () => {
  db = await createTestDatabase();
  const app = await buildApp({ config: testConfig(), db, logger: createLogger('silent') });
  await app.ready();
  ctx = { app, db, a: await signUp(app, 'sweep-a'), b: await signUp(app, 'sweep-b') };
});
afterAll(async () => {
  await ctx?.app.close();
  await db?.destroy();
});

describe('cross-tenant sweep', () => {
  it('has a case for every route that is not public', () => {
    const guarded = declaredRoutes(ctx.app)
      .filter((r) => r.auth !== 'public')
      .map((r) => `${r.method} ${r.url}`);
    expect(guarded.length).toBeGreaterThan(0);
    const missing = guarded.filter((key) => !(key in CASES));
    expect(missing, 'add a case to test/sweep.test.ts for each of these routes').toEqual([]);
    const stale = Object.keys(CASES).filter((key) => !guarded.includes(key));
    expect(stale, 'these cases name routes that no longer exist').toEqual([]);
  });

  for (const [route, run] of Object.entries(CASES)) {
    it(`${route}: tenant B on tenant A's objects`, () => run(ctx));
  }
});

describe("cross-tenant sweep with B's API key", () => {
  it("never reaches or changes A's objects on any guarded route", async () => {
    const { app, db, a, b } = ctx;
    const asA = as(a, app);
    const bKey = (
      await as(b, app)('POST', '/api/v1/api-keys', { name: 'sweep key b', scopes: API_KEY_SCOPES })
    ).json().key as string;
    // One object of A's behind every kind of :id.
    await withTenant(db, a.accountId, (_tx, c) =>
      c.query(`UPDATE accounts SET plan_code = 'pro' WHERE id = $1`, [a.accountId]),
    );
    const objects: Record<string, string> = {
      'api-keys': (await asA('POST', '/api/v1/api-keys', { name: 'sweep key a' })).json().id,
      invitations: (await asA('POST', '/api/v1/account/members', { email: 'keyed@example.test' })).json()
        .invitation.id,
      pages: (await asA('POST', '/api/v1/pages', { kind: 'contact', slug: 'keyed', title: 'Keyed' })).json()
        .id,
      leads: (await asA('POST', '/api/v1/leads', { email: 'keyed-lead@example.test' })).json().id,
      testimonials: (await asA('POST', '/api/v1/testimonials', { authorName: 'K', quote: 'Q' })).json().id,
      'blocked-ips': (await asA('POST', '/api/v1/blocked-ips', { network: '192.0.2.9' })).json().id,
      domains: (await asA('POST', '/api/v1/domains', { hostname: 'keyed-a.example.com' })).json().id,
      'saved-replies': (
        await asA('POST', '/api/v1/saved-replies', { name: 'Keyed', channel: 'sms', body: 'keyed reply' })
      ).json().id,
    };
    for (const [kind, id] of Object.entries(objects)) expect(id, `A's ${kind}`).toMatch(/^[0-9a-f-]{36}$/);
    const snapshot = async () => {
      const paths = [
        '/api/v1/account',
        '/api/v1/account/notifications',
        '/api/v1/account/members',
        '/api/v1/api-keys',
        '/api/v1/pages',
        `/api/v1/pages/${objects.pages}`,
        '/api/v1/leads',
        `/api/v1/leads/${objects.leads}`,
        '/api/v1/testimonials',
        '/api/v1/blocked-ips',
        '/api/v1/branding',
        '/api/v1/domains',
        '/api/v1/saved-replies',
      ];
      const bodies = [];
      for (const path of paths) bodies.push((await asA('GET', path)).body);
      return bodies;
    };
    const before = await snapshot();
    for (const route of declaredRoutes(app).filter((r) => r.auth !== 'public')) {
      const kind = Object.keys(objects).find((k) => route.url.includes(`/${k}`)) ?? 'api-keys';
      const url = route.url.replace(/:userId/g, a.userId).replace(/:id/g, objects[kind]!);
      const res = await app.inject({
        method: route.method as 'GET',
        url,
        headers: { authorization: `Bearer ${bKey}` },
        ...(route.method === 'GET' || route.method === 'DELETE'
          ? {}
          : {
              payload: {
                accountId: a.accountId,
                role: 'member',
                name: 'x',
                email: 'k@example.test',
                status: 'lost',
                lostReason: 'swept',
                body: 'swept',
              },
            }),
      });
      const label = `${route.method} ${route.url}`;
      if (res.statusCode < 300) {
        // Allowed only in B's own account: nothing of A's in the answer.
        expect(res.body, `${label} showed A's data`).not.toContain(a.accountId);
        expect(res.body, `${label} showed A's data`).not.toContain(a.userId);
        for (const id of Object.values(objects))
          expect(res.body, `${label} showed A's object`).not.toContain(id);
      } else {
        expect([401, 403, 404, 409, 415, 422], `${label} answered ${res.statusCode}`).toContain(
          res.statusCode,
        );
      }
    }
    expect(await snapshot()).toEqual(before);
  });
});
