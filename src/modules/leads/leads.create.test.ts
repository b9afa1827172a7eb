import { describe, expect, it } from 'vitest';
import { makePage } from '../../../test/factories.ts';
import {
  asSession,
  SESSION_COOKIE,
  type SignedUp,
  signUp,
  TEST_ORIGIN,
  useTestApp,
} from '../../../test/http.ts';

const t = useTestApp();

const call = (p: SignedUp) => asSession(t.app, p.cookie);

/** A POST with an Idempotency-Key, as a signed-in browser. */
const keyed = (p: SignedUp, url: string, key: string, payload: object) =>
  t.app.inject({
    method: 'POST',
    url,
    cookies: { [SESSION_COOKIE]: p.cookie },
    headers: { origin: TEST_ORIGIN, 'idempotency-key': key },
    payload,
  });

const bearer = (key: string, method: 'GET' | 'POST', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload } : {}) });

async function leadCount(p: SignedUp): Promise<number> {
  return (await call(p)('GET', '/api/v1/leads?spam=true&limit=200')).json().data.length;
}

/** Puts the account on a plan allowing `leads` a month. */
async function limitLeads(accountId: string, leads: number | null) {
  const code = `limit-${leads ?? 'none'}`;
  await t.db.query(
    `INSERT INTO plans (code, name, price_month_cents, price_year_cents, limits, features)
     SELECT $1, 'Limited ' || $1, 0, 0, limits || jsonb_build_object('leads', $2::int), features FROM plans WHERE code = 'trial'
     ON CONFLICT (code) DO NOTHING`,
    [code, leads],
  );
  await t.db.query('UPDATE accounts SET plan_code = $2 WHERE id = $1', [accountId, code]);
}

describe('POST /api/v1/leads', () => {
  it('creates a lead from the given fields, normalised, with source api by default', async () => {
    const owner = await signUp(t.app, 'create');
    const page = await makePage(t.db, { accountId: owner.accountId });
    const res = await call(owner)('POST', '/api/v1/leads', {
      fullName: ' Rosa Diaz ',
      email: ' Rosa@Example.COM ',
      phone: '512.555.0142',
      addressLine: '9 Elm St',
      city: 'Austin',
      state: 'TX',
      postalCode: '78701',
      timeline: '1_3_months',
      priceMin: 300000,
      priceMax: 450000,
      details: { beds: 3 },
      utmSource: 'newsletter',
      pageId: page.id,
    });
    expect(res.statusCode, res.body).toBe(201);
    const lead = res.json();
    expect(lead).toMatchObject({
      status: 'new',
      source: 'api',
      fullName: 'Rosa Diaz',
      email: 'rosa@example.com',
      phone: '+15125550142',
      priceMin: 300000,
      priceMax: 450000,
      details: { beds: 3 },
      utmSource: 'newsletter',
      pageId: page.id,
      isHeld: false,
      masked: false,
    });
    const detail = (await call(owner)('GET', `/api/v1/leads/${lead.id}`)).json();
    expect(detail.events).toEqual([
      expect.objectContaining({ kind: 'created', payload: { source: 'api' }, actorUserId: owner.userId }),
    ]);
    const usage = (await call(owner)('GET', '/api/v1/usage')).json();
    expect(usage.counters.leadsCreated).toBe(1);
  });

  it('takes another source and a starting status with its lifecycle timestamps', async () => {
    const owner = await signUp(t.app, 'status');
    const res = await call(owner)('POST', '/api/v1/leads', {
      phone: '+15125550101',
      source: 'referral',
      status: 'won',
    });
    expect(res.statusCode, res.body).toBe(201);
    const lead = res.json();
    expect(lead).toMatchObject({ source: 'referral', status: 'won', email: null });
    expect(lead.wonAt).toBe(lead.closedAt);
    expect(lead.firstResponseAt).toBe(lead.wonAt);
  });

  it('refuses a lead without email or phone, and other bad values, with 422 naming the field', async () => {
    const owner = await signUp(t.app, 'invalid');
    const other = await signUp(t.app, 'invalid-other');
    const otherPage = await makePage(t.db, { accountId: other.accountId });
    for (const [body, path] of [
      [{ fullName: 'No Contact' }, 'body.email'],
      [{ email: '  ', phone: '' }, 'body.email'],
      [{ email: 'nope' }, 'body.email'],
      [{ phone: 'call me' }, 'body.phone'],
      [{ email: 'a@example.com', source: 'carrier_pigeon' }, 'body.source'],
      [{ email: 'a@example.com', status: 'lost' }, 'body.lostReason'],
      [{ email: 'a@example.com', priceMin: 5, priceMax: 4 }, 'body.priceMax'],
      [{ email: 'a@example.com', priceMin: 1.5 }, 'body.priceMin'],
      [{ email: 'a@example.com', pageId: otherPage.id }, 'body.pageId'],
      [{ email: 'a@example.com', assignedUserId: other.userId }, 'body.assignedUserId'],
      [{ email: 'a@example.com', isHeld: false }, 'body'],
    ] as const) {
      const res = await call(owner)('POST', '/api/v1/leads', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(
        res.json().errors.map((e: { path: string }) => e.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    expect(await leadCount(owner)).toBe(0);
    expect((await call(owner)('GET', '/api/v1/usage')).json().counters.leadsCreated).toBe(0);
  });

  it('holds leads over the plan limit, masked, and counts them', async () => {
    const owner = await signUp(t.app, 'limit');
    await limitLeads(owner.accountId, 2);
    const made = [];
    for (let i = 0; i < 4; i++) {
      const res = await call(owner)('POST', '/api/v1/leads', {
        fullName: `Person ${i}`,
        email: `person${i}@example.com`,
      });
      expect(res.statusCode, res.body).toBe(201);
      made.push(res.json());
    }
    expect(made.map((l) => l.isHeld)).toEqual([false, false, true, true]);
    expect(made[2]).toMatchObject({
      heldReason: 'plan_limit',
      masked: true,
      fullName: 'P…',
      email: 'p•••@•••.com',
    });
    const usage = (await call(owner)('GET', '/api/v1/usage')).json();
    expect(usage).toEqual({
      periodMonth: `${new Date().toISOString().slice(0, 7)}-01`,
      plan: { code: 'limit-2', name: 'Limited limit-2' },
      counters: { leadsCreated: 4, emailsSent: 0, smsSent: 0, aiCalls: 0 },
      limits: { leads: 2, emails: 250, sms: 25, aiCalls: 50 },
      heldLeads: 2,
    });
    expect((await call(owner)('GET', '/api/v1/leads/counts')).json().held).toBe(2);
  });

  it('shows an unlimited plan as null limits', async () => {
    const owner = await signUp(t.app, 'unlimited');
    await t.db.query(`UPDATE accounts SET plan_code = 'team' WHERE id = $1`, [owner.accountId]);
    const usage = (await call(owner)('GET', '/api/v1/usage')).json();
    expect(usage.plan).toEqual({ code: 'team', name: 'Team' });
    expect(usage.limits.leads).toBeNull();
  });

  it('from an API key: needs leads:write, and the events name no actor', async () => {
    const owner = await signUp(t.app, 'apikey');
    const writer = (await call(owner)('POST', '/api/v1/api-keys', { name: 'Zapier' })).json().key;
    const reader = (
      await call(owner)('POST', '/api/v1/api-keys', { name: 'Read', scopes: ['leads:read'] })
    ).json().key;
    const refused = await bearer(reader, 'POST', '/api/v1/leads', { email: 'k@example.com' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('API_KEY_SCOPE');
    const res = await bearer(writer, 'POST', '/api/v1/leads', { email: 'k@example.com' });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id;
    await bearer(writer, 'POST', `/api/v1/leads/${id}/notes`, { body: 'from Zapier' });
    const detail = (await bearer(reader, 'GET', `/api/v1/leads/${id}`)).json();
    expect(detail.events.map((e: { actorUserId: string | null }) => e.actorUserId)).toEqual([null, null]);
    expect((await bearer(reader, 'GET', '/api/v1/leads')).statusCode).toBe(200);
  });
});

describe('Idempotency-Key on creating POSTs', () => {
  it('replays the first answer for the same key and body, and creates nothing more', async () => {
    const owner = await signUp(t.app, 'idem');
    const body = { fullName: 'Once Only', email: 'once@example.com', details: { a: 1, b: [1, 2] } };
    const first = await keyed(owner, '/api/v1/leads', 'order-1', body);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    // The same body with its keys in another order is the same request.
    const again = await keyed(owner, '/api/v1/leads', 'order-1', {
      details: { b: [1, 2], a: 1 },
      email: 'once@example.com',
      fullName: 'Once Only',
    });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await leadCount(owner)).toBe(1);
    expect((await call(owner)('GET', '/api/v1/usage')).json().counters.leadsCreated).toBe(1);

    const other = await keyed(owner, '/api/v1/leads', 'order-1', { ...body, fullName: 'Someone Else' });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await leadCount(owner)).toBe(1);

    // Another key, or no key, creates.
    expect((await keyed(owner, '/api/v1/leads', 'order-2', body)).statusCode).toBe(201);
    expect((await call(owner)('POST', '/api/v1/leads', body)).statusCode).toBe(201);
    expect(await leadCount(owner)).toBe(3);
  });

  it('keeps keys per account and per route; a note key cannot note another lead', async () => {
    const a = await signUp(t.app, 'idem-a');
    const b = await signUp(t.app, 'idem-b');
    const body = { email: 'shared@example.com' };
    const fromA = await keyed(a, '/api/v1/leads', 'same-key', body);
    const fromB = await keyed(b, '/api/v1/leads', 'same-key', body);
    expect(fromB.statusCode).toBe(201);
    expect(fromB.headers['idempotent-replayed']).toBeUndefined();
    expect(fromB.json().id).not.toBe(fromA.json().id);

    const lead1 = fromA.json().id;
    const lead2 = (await call(a)('POST', '/api/v1/leads', { email: 'second@example.com' })).json().id;
    const note = await keyed(a, `/api/v1/leads/${lead1}/notes`, 'same-key', { body: 'hello' });
    expect(note.statusCode).toBe(201);
    const replay = await keyed(a, `/api/v1/leads/${lead1}/notes`, 'same-key', { body: 'hello' });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(note.json());
    const elsewhere = await keyed(a, `/api/v1/leads/${lead2}/notes`, 'same-key', { body: 'hello' });
    expect(elsewhere.statusCode).toBe(422);
    const events = (await call(a)('GET', `/api/v1/leads/${lead1}`)).json().events;
    expect(events.filter((e: { kind: string }) => e.kind === 'note')).toHaveLength(1);
  });

  it('lets a key be retried after a refused request', async () => {
    const owner = await signUp(t.app, 'idem-retry');
    await limitLeads(owner.accountId, 5);
    const bad = await keyed(owner, '/api/v1/leads', 'retry-me', { phone: 'not a phone' });
    expect(bad.statusCode).toBe(422);
    const missing = await keyed(
      owner,
      '/api/v1/leads/00000000-0000-4000-8000-000000000000/notes',
      'retry-me',
      {
        body: 'x',
      },
    );
    expect(missing.statusCode).toBe(404);
    const good = await keyed(owner, '/api/v1/leads', 'retry-me', { phone: '+15125550100' });
    expect(good.statusCode, good.body).toBe(201);
    expect(good.headers['idempotent-replayed']).toBeUndefined();
  });

  it('refuses a malformed key with 400', async () => {
    const owner = await signUp(t.app, 'idem-bad');
    for (const key of ['', ' ', 'x'.repeat(256), 'tab\there', 'é']) {
      const res = await keyed(owner, '/api/v1/leads', key, { email: 'x@example.com' });
      expect(res.statusCode, JSON.stringify(key)).toBe(400);
      expect(res.json().code).toBe('IDEMPOTENCY_KEY_INVALID');
    }
    expect(await leadCount(owner)).toBe(0);
  });
});
