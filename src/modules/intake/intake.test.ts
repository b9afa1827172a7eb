import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeAccount, makePage } from '../../../test/factories.ts';
import { useTestApp } from '../../../test/http.ts';
import { testConfig } from '../../config.ts';
import { withTenant } from '../../db/tenant.ts';
import { createLogger } from '../../platform/logger.ts';
import { pruneIntakeRecords } from './intake.prune.ts';

const t = useTestApp({
  logger: createLogger('silent'),
  config: testConfig({ INTAKE_RATE_PER_PAGE: '3/10m', INTAKE_RATE_PER_ACCOUNT: '1000/1h' }),
});

let ipSeq = 0;
/** Each test speaks from its own address, so rate limits do not cross tests. */
function nextIp(): string {
  ipSeq += 1;
  return `198.51.100.${ipSeq}`;
}

async function setup(options: { kind?: 'home_valuation' | 'contact' } = {}) {
  const { account } = await makeAccount(t.db);
  const page = await makePage(t.db, { accountId: account.id, kind: options.kind ?? 'contact' });
  return { accountId: account.id, pageId: page.id };
}

function post(
  pageId: string,
  body: unknown,
  options: { ip?: string; key?: string; headers?: Record<string, string> } = {},
) {
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/public/pages/${pageId}/leads`,
    payload: body as object,
    remoteAddress: options.ip ?? nextIp(),
    headers: { ...(options.key ? { 'idempotency-key': options.key } : {}), ...options.headers },
  });
}

async function sql<T = Record<string, unknown>>(accountId: string, text: string, values: unknown[] = []) {
  return withTenant(t.db, accountId, async (_tx, client) => (await client.query<T>(text, values)).rows);
}

describe('public intake (JSON)', () => {
  it('stores a normalized lead with its event, counter and page figure, and answers its id', async () => {
    const { accountId, pageId } = await setup();
    const res = await post(pageId, {
      fullName: '  Ada   Lovelace ',
      email: ' Ada@Example.COM ',
      phone: '(415) 867-5309',
      message: 'Line one\r\n\r\n\r\n  line   two ',
      pageUrl: 'https://ada.example/sell?utm_source=google&utm_campaign=spring',
    });
    expect(res.statusCode, res.body).toBe(201);
    const { leadId } = res.json();
    const [lead] = await sql(accountId, 'SELECT * FROM leads WHERE account_id = $1 AND id = $2', [
      accountId,
      leadId,
    ]);
    expect(lead).toMatchObject({
      full_name: 'Ada Lovelace',
      email: 'ada@example.com',
      phone_e164: '+14158675309',
      message: 'Line one\n\nline two',
      source: 'contact',
      status: 'new',
      utm_source: 'google',
      utm_campaign: 'spring',
      page_id: pageId,
      is_held: false,
      source_ip: expect.stringMatching(/^198\.51\.100\./),
    });
    const events = await sql(
      accountId,
      'SELECT kind FROM lead_events WHERE account_id = $1 AND lead_id = $2',
      [accountId, leadId],
    );
    expect(events.map((e) => e.kind)).toEqual(['created']);
    const [usage] = await sql(accountId, 'SELECT leads_created FROM usage_counters WHERE account_id = $1', [
      accountId,
    ]);
    expect(usage?.leads_created).toBe(1);
    const [stats] = await sql(accountId, 'SELECT submissions FROM page_stats_daily WHERE account_id = $1', [
      accountId,
    ]);
    expect(stats?.submissions).toBe(1);
  });

  it('is open to any origin (CORS), preflight included, without credentials', async () => {
    const { pageId } = await setup();
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: `/api/v1/public/pages/${pageId}/leads`,
      headers: {
        origin: 'https://agent-site.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,idempotency-key',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/idempotency-key/);
    const res = await post(
      pageId,
      { email: 'cors@example.test' },
      { headers: { origin: 'https://agent-site.example' } },
    );
    expect(res.statusCode).toBe(201);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    // The dashboard API stays closed to other origins.
    const api = await t.app.inject({
      method: 'GET',
      url: '/api/v1/plans',
      headers: { origin: 'https://x.example' },
    });
    expect(api.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses bad input with a 4xx naming the field, and writes nothing', async () => {
    const { accountId, pageId } = await setup();
    const cases: [unknown, string][] = [
      [{ fullName: 'No contact' }, 'body.email'],
      [{ email: 'not-an-email' }, 'body.email'],
      [{ phone: '555-0100' }, 'body.phone'],
      [{ email: 'a@b.co', colour: 'blue' }, 'body.colour'],
      [{ email: 'a@b.co', fullName: 'x'.repeat(500) }, 'body.fullName'],
      [{ email: 42 }, 'body.email'],
      [{ email: 'a@b.co', priceMin: 500, priceMax: 100 }, 'body.priceMax'],
      [{ email: 'a@b.co', consent: { given: true } }, 'body.consent'],
      [[1, 2], 'body'],
    ];
    for (const [body, path] of cases) {
      const res = await post(pageId, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    const bad = await t.app.inject({
      method: 'POST',
      url: `/api/v1/public/pages/${pageId}/leads`,
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    expect(bad.statusCode).toBe(400);
    const wrongType = await t.app.inject({
      method: 'POST',
      url: `/api/v1/public/pages/${pageId}/leads`,
      headers: { 'content-type': 'text/plain' },
      payload: 'email=a@b.co',
    });
    expect(wrongType.statusCode).toBe(415);
    expect(await sql(accountId, 'SELECT id FROM leads WHERE account_id = $1', [accountId])).toEqual([]);
  });

  it('answers 404 for a missing, malformed, inactive or archived page', async () => {
    const { accountId, pageId } = await setup();
    expect((await post(crypto.randomUUID(), { email: 'a@b.co' })).statusCode).toBe(404);
    expect((await post('not-a-uuid', { email: 'a@b.co' })).statusCode).toBe(404);
    await sql(accountId, 'UPDATE capture_pages SET is_active = false WHERE account_id = $1 AND id = $2', [
      accountId,
      pageId,
    ]);
    expect((await post(pageId, { email: 'a@b.co' })).statusCode).toBe(404);
  });

  it('merges a resubmission of the same email or phone into the lead; newer non-empty fields win', async () => {
    const { accountId, pageId } = await setup();
    const first = await post(pageId, { fullName: 'Grace', email: 'grace@example.test', city: 'Arlington' });
    const second = await post(pageId, {
      fullName: 'Grace Hopper',
      email: 'GRACE@example.test',
      phone: '+1 415 867 5309',
      city: '',
      utmSource: 'newsletter',
    });
    const byPhone = await post(pageId, { phone: '4158675309', message: 'Call me after 5' });
    expect(second.json().leadId).toBe(first.json().leadId);
    expect(byPhone.json().leadId).toBe(first.json().leadId);
    const leads = await sql(accountId, 'SELECT * FROM leads WHERE account_id = $1', [accountId]);
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({
      full_name: 'Grace Hopper',
      city: 'Arlington',
      phone_e164: '+14158675309',
      message: 'Call me after 5',
      utm_source: 'newsletter',
      submission_count: 3,
    });
    const events = await sql<{ kind: string; payload: { submission: Record<string, unknown> } }>(
      accountId,
      'SELECT kind, payload FROM lead_events WHERE account_id = $1 ORDER BY created_at, kind',
      [accountId],
    );
    expect(events.map((e) => e.kind).sort()).toEqual(['created', 'resubmitted', 'resubmitted']);
    expect(events.find((e) => e.payload.submission?.message)?.payload.submission).toMatchObject({
      phoneE164: '+14158675309',
      message: 'Call me after 5',
    });
    const [usage] = await sql(accountId, 'SELECT leads_created FROM usage_counters WHERE account_id = $1', [
      accountId,
    ]);
    expect(usage?.leads_created).toBe(1);
  });

  it('keeps leads apart outside the dedupe window, or when the account turns dedupe off', async () => {
    const { accountId, pageId } = await setup();
    const first = (await post(pageId, { email: 'old@example.test' })).json().leadId;
    await sql(
      accountId,
      `UPDATE leads SET last_submitted_at = now() - interval '31 days' WHERE account_id = $1 AND id = $2`,
      [accountId, first],
    );
    const second = (await post(pageId, { email: 'old@example.test' })).json().leadId;
    expect(second).not.toBe(first);
    await sql(accountId, 'UPDATE accounts SET lead_dedupe_days = 0 WHERE id = $1', [accountId]);
    const third = (await post(pageId, { email: 'old@example.test' })).json().leadId;
    expect(third).not.toBe(second);
  });

  it('records consent exactly: text, hash, box, page, address, agent, time', async () => {
    const { accountId, pageId } = await setup();
    const text = 'I agree to be contacted by Test Realty by call or text, including by automated means.';
    const res = await post(
      pageId,
      {
        email: 'c@example.test',
        consent: { given: true, text, version: 'v3' },
        pageUrl: 'https://x.example/p',
      },
      { ip: '203.0.113.77', headers: { 'user-agent': 'Consent-Test/1.0' } },
    );
    const [row] = await sql(accountId, 'SELECT * FROM lead_consents WHERE account_id = $1 AND lead_id = $2', [
      accountId,
      res.json().leadId,
    ]);
    expect(row).toMatchObject({
      given: true,
      consent_text: text,
      text_hash: crypto.createHash('sha256').update(text).digest('hex'),
      text_version: 'v3',
      page_url: 'https://x.example/p',
      ip: '203.0.113.77',
      user_agent: 'Consent-Test/1.0',
      page_id: pageId,
    });
    const [lead] = await sql(
      accountId,
      'SELECT consent_given, consent_text FROM leads WHERE account_id = $1',
      [accountId],
    );
    expect(lead).toMatchObject({ consent_given: true, consent_text: text });
    const declined = await post(pageId, { email: 'd@example.test', consent: { given: false, text } });
    const [no] = await sql(
      accountId,
      'SELECT given FROM lead_consents WHERE account_id = $1 AND lead_id = $2',
      [accountId, declined.json().leadId],
    );
    expect(no?.given).toBe(false);
  });

  it('stores spam (honeypot, too fast, blocked address) as spam, answers as if accepted, counts nothing', async () => {
    const { accountId, pageId } = await setup();
    const honeypot = await post(pageId, { email: 'bot1@example.test', website: 'http://spam.example' });
    const tooFast = await post(pageId, { email: 'bot2@example.test', formStartedAt: Date.now() - 500 });
    await sql(
      accountId,
      `INSERT INTO blocked_ips (account_id, id, network, reason) VALUES ($1, $2, $3, 'test')`,
      [accountId, crypto.randomUUID(), '192.0.2.0/24'],
    );
    const blocked = await post(pageId, { email: 'bot3@example.test' }, { ip: '192.0.2.55' });
    for (const res of [honeypot, tooFast, blocked]) expect(res.statusCode).toBe(201);
    const rows = await sql(
      accountId,
      'SELECT status, spam_reason FROM leads WHERE account_id = $1 ORDER BY email',
      [accountId],
    );
    expect(rows).toEqual([
      { status: 'spam', spam_reason: 'honeypot' },
      { status: 'spam', spam_reason: 'too_fast' },
      { status: 'spam', spam_reason: 'blocked_ip' },
    ]);
    expect(await sql(accountId, 'SELECT 1 FROM usage_counters WHERE account_id = $1', [accountId])).toEqual(
      [],
    );
    // A real person who took their time is not spam, and spam never swallows a later real lead.
    const human = await post(pageId, { email: 'bot1@example.test', formStartedAt: Date.now() - 30_000 });
    expect(human.json().leadId).not.toBe(honeypot.json().leadId);
  });

  it('limits each address per page with 429 and Retry-After; other addresses are not turned away', async () => {
    const { pageId } = await setup();
    const ip = nextIp();
    for (let i = 0; i < 3; i++)
      expect((await post(pageId, { email: `r${i}@example.test` }, { ip })).statusCode).toBe(201);
    const limited = await post(pageId, { email: 'r9@example.test' }, { ip });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['content-type']).toMatch(/problem\+json/);
    expect((await post(pageId, { email: 'other@example.test' })).statusCode).toBe(201);
  });

  it('replays the first answer for a repeated Idempotency-Key and refuses it with another body', async () => {
    const { accountId, pageId } = await setup();
    const key = crypto.randomUUID();
    const body = { email: 'idem@example.test', fullName: 'Idem Potent' };
    const first = await post(pageId, body, { key });
    const again = await post(pageId, { fullName: 'Idem Potent', email: 'idem@example.test' }, { key });
    expect(again.statusCode).toBe(201);
    expect(again.json().leadId).toBe(first.json().leadId);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const other = await post(pageId, { email: 'someone-else@example.test' }, { key });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    const bad = await post(pageId, body, { key: 'x'.repeat(300) });
    expect(bad.statusCode).toBe(422);
    const events = await sql(accountId, 'SELECT kind FROM lead_events WHERE account_id = $1', [accountId]);
    expect(events.map((e) => e.kind)).toEqual(['created']);
  });

  it('holds leads past the plan limit: stored and counted, never refused', async () => {
    const { accountId, pageId } = await setup();
    await sql(
      accountId,
      `INSERT INTO usage_counters (account_id, id, period_month, leads_created)
       VALUES ($1, $2, date_trunc('month', now() AT TIME ZONE 'UTC')::date, 49)`,
      [accountId, crypto.randomUUID()],
    ); // the trial plan allows 50 a month
    const fiftieth = await post(pageId, { email: 'fifty@example.test' });
    const fiftyFirst = await post(pageId, { email: 'fifty-one@example.test' });
    expect([fiftieth.statusCode, fiftyFirst.statusCode]).toEqual([201, 201]);
    const rows = await sql(
      accountId,
      'SELECT email, is_held, held_reason FROM leads WHERE account_id = $1 ORDER BY email',
      [accountId],
    );
    expect(rows).toEqual([
      { email: 'fifty-one@example.test', is_held: true, held_reason: 'plan_limit' },
      { email: 'fifty@example.test', is_held: false, held_reason: null },
    ]);
  });
});

describe('intake bookkeeping', () => {
  it('prunes old rate-limit windows, visitor hashes and idempotency keys, and keeps current ones', async () => {
    const { accountId, pageId } = await setup();
    const key = crypto.randomUUID();
    await post(pageId, { email: 'prune@example.test' }, { key });
    await sql(
      accountId,
      `INSERT INTO intake_rate_limits (account_id, bucket, window_start, hits) VALUES ($1, 'old', now() - interval '2 days', 5);
       `.trim(),
      [accountId],
    );
    await sql(
      accountId,
      `INSERT INTO page_visitors (account_id, page_id, day, visitor_hash) VALUES ($1, $2, current_date - 5, 'old')`,
      [accountId, pageId],
    );
    await sql(
      accountId,
      `INSERT INTO idempotency_keys (account_id, id, scope, key, request_hash, created_at)
       VALUES ($1, $2, 'old', 'old', 'h', now() - interval '2 days')`,
      [accountId, crypto.randomUUID()],
    );
    expect(await pruneIntakeRecords(t.db)).toBeGreaterThanOrEqual(3);
    const left = await sql<{ rl: number; pv: number; ik: number }>(
      accountId,
      `SELECT (SELECT count(*)::int FROM intake_rate_limits WHERE account_id = $1) AS rl,
              (SELECT count(*)::int FROM page_visitors WHERE account_id = $1) AS pv,
              (SELECT count(*)::int FROM idempotency_keys WHERE account_id = $1) AS ik`,
      [accountId],
    );
    expect(left).toEqual([{ rl: 2, pv: 0, ik: 1 }]);
  });

  it('finds a contact by index under forced RLS (the dedupe lookup of migration 0011)', async () => {
    const { accountId } = await setup();
    // Index conditions of a plan, as the app role with the tenant set (RLS applies).
    const indexConds = async (where: string) => {
      const rows = await withTenant(t.db, accountId, async (_tx, client) => {
        await client.query('SET LOCAL enable_seqscan = off');
        const { rows } = await client.query<{ 'QUERY PLAN': unknown }>(
          `EXPLAIN (FORMAT JSON) SELECT id FROM leads WHERE account_id = $1 AND ${where}`,
          [accountId, 'ada@example.test'],
        );
        return rows;
      });
      const plan = rows[0]!['QUERY PLAN'];
      return JSON.stringify(typeof plan === 'string' ? JSON.parse(plan) : plan);
    };
    // text = is leakproof: the email key is an index condition.
    expect(await indexConds('email_key = lower($2::text)')).toMatch(/"Index Cond":"[^"]*email_key/);
    // citext = is not: under RLS it can only filter, which is why dedupe does not use it.
    expect(await indexConds('email = $2::citext')).not.toMatch(/"Index Cond":"[^"]*email/);
  });
});
