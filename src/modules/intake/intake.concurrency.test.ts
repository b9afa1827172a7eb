import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeAccount, makePage } from '../../../test/factories.ts';
import { useTestApp } from '../../../test/http.ts';
import { testConfig } from '../../config.ts';
import { withTenant } from '../../db/tenant.ts';

/**
 * Many submissions at once through the whole HTTP stack: on PostgreSQL they really run in
 * parallel (a pool of connections); the database's locks, not luck, keep the figures exact.
 */
const t = useTestApp({
  withJobs: true,
  config: testConfig({ INTAKE_RATE_PER_PAGE: '100000/1h', INTAKE_RATE_PER_ACCOUNT: '100000/1h' }),
});

async function sql<T = Record<string, unknown>>(accountId: string, text: string, values: unknown[] = []) {
  return withTenant(t.db, accountId, async (_tx, client) => (await client.query<T>(text, values)).rows);
}

async function setup() {
  const { account } = await makeAccount(t.db);
  const page = await makePage(t.db, { accountId: account.id, kind: 'contact' });
  return { accountId: account.id, pageId: page.id };
}

function post(pageId: string, body: object, key?: string) {
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/public/pages/${pageId}/leads`,
    payload: body,
    remoteAddress: '198.51.100.200',
    headers: key ? { 'idempotency-key': key } : {},
  });
}

describe('intake under concurrency', () => {
  it('the jobs a lead queues from SQL are worked by the job queue like any other', async () => {
    const { pageId } = await setup();
    const { leadId } = (await post(pageId, { email: 'worked@example.test' })).json();
    const deadline = Date.now() + 20_000;
    let states: { name: string; state: string }[] = [];
    while (Date.now() < deadline) {
      ({ rows: states } = await t.db.query<{ name: string; state: string }>(
        `SELECT name, state::text AS state FROM pgboss.job WHERE data->>'leadId' = $1 ORDER BY name`,
        [leadId],
      ));
      if (states.length === 3 && states.every((s) => s.state === 'completed')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(states).toEqual([
      { name: 'leads.notify', state: 'completed' },
      { name: 'leads.score', state: 'completed' },
      { name: 'webhooks.lead_event', state: 'completed' },
    ]);
  });

  it('50 identical submissions with one Idempotency-Key make one lead', async () => {
    const { accountId, pageId } = await setup();
    const key = crypto.randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        post(pageId, { email: 'same-key@example.test', fullName: 'Twin' }, key),
      ),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(50).fill(201));
    expect(new Set(answers.map((a) => a.json().leadId)).size).toBe(1);
    // Intake's own events: the worker may have scored the lead meanwhile.
    const [row] = await sql<{ n: number; events: number }>(
      accountId,
      `SELECT (SELECT count(*)::int FROM leads WHERE account_id = $1) AS n,
              (SELECT count(*)::int FROM lead_events WHERE account_id = $1 AND kind <> 'scored') AS events`,
      [accountId],
    );
    expect(row).toEqual({ n: 1, events: 1 });
  });

  it('50 submissions with one email and different keys make one lead and 49 resubmitted events', async () => {
    const { accountId, pageId } = await setup();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        post(pageId, { email: 'Same@Example.test', message: `attempt ${i}` }, crypto.randomUUID()),
      ),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(50).fill(201));
    expect(new Set(answers.map((a) => a.json().leadId)).size).toBe(1);
    const kinds = await sql<{ kind: string; n: number }>(
      accountId,
      // The worker scores the lead meanwhile (`scored` events): intake's own events only.
      `SELECT kind, count(*)::int AS n FROM lead_events WHERE account_id = $1 AND kind <> 'scored'
       GROUP BY kind ORDER BY kind`,
      [accountId],
    );
    expect(kinds).toEqual([
      { kind: 'created', n: 1 },
      { kind: 'resubmitted', n: 49 },
    ]);
    const [lead] = await sql(accountId, 'SELECT submission_count FROM leads WHERE account_id = $1', [
      accountId,
    ]);
    expect(lead?.submission_count).toBe(50);
  });

  it('200 submissions with 100 left in the plan: all 200 stored, exactly 100 held, and every job queued', async () => {
    const { accountId, pageId } = await setup();
    await sql(
      accountId,
      `INSERT INTO usage_counters (account_id, id, period_month, leads_created)
       VALUES ($1, $2, date_trunc('month', now() AT TIME ZONE 'UTC')::date, 400)`,
      [accountId, crypto.randomUUID()],
    );
    await sql(accountId, `UPDATE accounts SET plan_code = 'booster' WHERE id = $1`, [accountId]); // 500 a month
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => post(pageId, { email: `buyer-${i}@example.test` })),
    );
    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(200);
    const [row] = await sql<{ n: number; held: number; counted: number }>(
      accountId,
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE is_held)::int AS held,
              (SELECT leads_created FROM usage_counters WHERE account_id = $1) AS counted
       FROM leads WHERE account_id = $1`,
      [accountId],
    );
    expect(row).toEqual({ n: 200, held: 100, counted: 600 });
    // Each accepted lead queued its notify, score and webhook jobs in its own transaction.
    const ids = new Set(answers.map((a) => a.json().leadId as string));
    const { rows } = await t.db.query<{ name: string; n: number }>(
      `SELECT name, count(DISTINCT data->>'leadId')::int AS n FROM pgboss.job
       WHERE data->>'accountId' = $1 GROUP BY name ORDER BY name`,
      [accountId],
    );
    expect(rows).toEqual([
      { name: 'leads.notify', n: ids.size },
      { name: 'leads.score', n: ids.size },
      { name: 'webhooks.lead_event', n: ids.size },
    ]);
  });
});
