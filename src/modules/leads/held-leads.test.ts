import { describe, expect, it } from 'vitest';
import { asSession, type SignedUp, signUp, useTestApp } from '../../../test/http.ts';
import { createLogger } from '../../platform/logger.ts';
import { releaseHeldLeads, runDailyLeadMaintenance } from './held-leads.service.ts';
import { leadsJobs, releaseHeldLeadsJob } from './leads.jobs.ts';

const t = useTestApp();
const logger = createLogger('silent');

const call = (p: SignedUp) => asSession(t.app, p.cookie);

async function setLimit(accountId: string, leads: number | null) {
  const code = `held-${leads ?? 'none'}`;
  await t.db.query(
    `INSERT INTO plans (code, name, price_month_cents, price_year_cents, limits, features)
     SELECT $1, $1, 0, 0, limits || jsonb_build_object('leads', $2::int), features FROM plans WHERE code = 'trial'
     ON CONFLICT (code) DO NOTHING`,
    [code, leads],
  );
  await t.db.query('UPDATE accounts SET plan_code = $2 WHERE id = $1', [accountId, code]);
}

/** Creates `n` leads through the API; answers their ids, oldest first. */
async function createLeads(p: SignedUp, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await call(p)('POST', '/api/v1/leads', { email: `held-${i}-${Date.now()}@example.com` });
    expect(res.statusCode, res.body).toBe(201);
    ids.push(res.json().id);
    await new Promise((r) => setTimeout(r, 3)); // distinct created_at: "oldest first" is well defined
  }
  return ids;
}

async function heldIds(p: SignedUp): Promise<string[]> {
  const data = (await call(p)('GET', '/api/v1/leads?held=true&limit=200')).json().data as { id: string }[];
  return data.map((l) => l.id).reverse();
}

describe('releasing held leads', () => {
  it("releases this month's oldest held leads as far as the plan allows, with a released event", async () => {
    const owner = await signUp(t.app, 'release');
    await setLimit(owner.accountId, 2);
    const ids = await createLeads(owner, 5);
    expect(await heldIds(owner)).toEqual(ids.slice(2));
    const now = new Date();
    expect(await releaseHeldLeads(t.db, owner.accountId, now)).toBe(0);

    await setLimit(owner.accountId, 3);
    expect(await releaseHeldLeads(t.db, owner.accountId, now)).toBe(1);
    expect(await heldIds(owner)).toEqual(ids.slice(3));
    expect(await releaseHeldLeads(t.db, owner.accountId, now)).toBe(0); // idempotent

    const released = (await call(owner)('GET', `/api/v1/leads/${ids[2]}`)).json();
    expect(released).toMatchObject({ isHeld: false, heldReason: null, masked: false });
    expect(released.email).toMatch(/^held-2-/);
    expect(released.events[0]).toMatchObject({
      kind: 'released',
      payload: { heldReason: 'plan_limit', reason: 'within_limit' },
      actorUserId: null,
    });

    await setLimit(owner.accountId, null);
    expect(await releaseHeldLeads(t.db, owner.accountId, now)).toBe(2);
    expect(await heldIds(owner)).toEqual([]);
    expect((await call(owner)('GET', '/api/v1/usage')).json().heldLeads).toBe(0);
  });

  it("releases every lead held in an earlier month, whatever this month's count", async () => {
    const owner = await signUp(t.app, 'month');
    await setLimit(owner.accountId, 1);
    const ids = await createLeads(owner, 4);
    expect(await heldIds(owner)).toEqual(ids.slice(1));
    // Next month, the same plan: a fresh allowance.
    const now = new Date();
    const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 3));
    expect(await releaseHeldLeads(t.db, owner.accountId, nextMonth)).toBe(3);
    const events = (await call(owner)('GET', `/api/v1/leads/${ids[3]}`)).json().events;
    expect(events[0].payload).toEqual({ heldReason: 'plan_limit', reason: 'new_month' });
  });

  it('leaves leads held for another reason alone', async () => {
    const owner = await signUp(t.app, 'other-hold');
    const [id] = await createLeads(owner, 1);
    await t.db.query(`UPDATE leads SET is_held = true, held_reason = 'review' WHERE id = $1`, [id]);
    await setLimit(owner.accountId, null);
    expect(await releaseHeldLeads(t.db, owner.accountId, new Date())).toBe(0);
    expect(await heldIds(owner)).toEqual([id]);
  });
});

describe('leads.release_held', () => {
  it('is a daily job', () => {
    expect(leadsJobs.map((j) => j.name)).toEqual(['leads.release_held']);
    expect(releaseHeldLeadsJob.cron).toMatch(/^\d+ \d+ \* \* \*$/);
  });

  it("runs every account's release and prunes day-old idempotency keys", async () => {
    const a = await signUp(t.app, 'job-a');
    const b = await signUp(t.app, 'job-b');
    await setLimit(a.accountId, 1);
    await setLimit(b.accountId, 1);
    await createLeads(a, 3);
    await createLeads(b, 2);
    await setLimit(a.accountId, null);
    await setLimit(b.accountId, null);
    await t.db.query(
      `INSERT INTO idempotency_keys (account_id, id, scope, key, request_hash, created_at)
       VALUES ($1, gen_random_uuid(), 's', 'old', 'h', now() - interval '2 days'),
              ($1, gen_random_uuid(), 's', 'new', 'h', now())`,
      [b.accountId],
    );
    const totals = await runDailyLeadMaintenance(t.db, { now: new Date(), logger });
    expect(totals.released).toBeGreaterThanOrEqual(3);
    expect(totals.prunedKeys).toBeGreaterThanOrEqual(1);
    expect(totals.failed).toBe(0);
    expect(await heldIds(a)).toEqual([]);
    expect(await heldIds(b)).toEqual([]);
    const { rows } = await t.db.query<{ key: string }>(
      'SELECT key FROM idempotency_keys WHERE account_id = $1',
      [b.accountId],
    );
    expect(rows.map((r) => r.key)).toEqual(['new']);
    // The job's handler does the same, and finds nothing left to do.
    await releaseHeldLeadsJob.handler(
      {},
      {
        db: t.db,
        logger,
        jobId: 'test',
        attempt: 1,
        services: {} as never,
        enqueue: () => Promise.reject(new Error('no queue')),
        wake: () => {},
      },
    );
  });
});
