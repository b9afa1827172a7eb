import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../src/db/tenant.ts';
import {
  freePort,
  killHard,
  type ServerProcess,
  startServerProcess,
  waitReady,
} from './crash/server-process.ts';
import { createTestDatabase, type TestDatabase, testEngine } from './db.ts';
import { makeAccount, makePage } from './factories.ts';

/**
 * "A lead acknowledged with a 2xx is durable" (docs DESIGN.md, Invariants), under SIGKILL.
 *
 * The real server (`porchlight start`, inline worker) runs as a child process on this file's own
 * PostgreSQL database while 16 client loops post unique leads to the public JSON intake, each
 * with an Idempotency-Key. The server is killed with SIGKILL several times mid-load and started
 * again. A request that dies with its connection has an unknown outcome: the loop retries it
 * (same key, same body) once the server is back, and it must then be created once or replayed.
 *
 * Afterwards every acknowledged lead id is stored, with its `created` event and its three
 * triggered jobs (the transactional outbox), and there is exactly one lead per logical submission.
 */

const LOOPS = 16;
const KILLS = 4;
/** Load after the last restart, so the final server takes traffic too. */
const TAIL_MS = 1000;
/** How long a submission may keep retrying after the load stops before the test gives up. */
const DRAIN_MS = 30_000;
/** Acknowledged submissions posted again at the end (besides every unknown-outcome one). */
const REPLAY_SAMPLE = 200;

type Submission = {
  n: number;
  key: string;
  email: string;
  ip: string;
  body: { email: string; fullName: string; message: string };
  attempts: number;
  /** A connection error (reset, refused, timeout) on some attempt: the outcome was unknown. */
  unknown: boolean;
  /** The id a 201 answered; set once, when the submission is acknowledged. */
  leadId?: string;
  /** The 201 came with `idempotent-replayed: true` (an earlier, unanswered attempt had committed). */
  replayed?: boolean;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(testEngine !== 'postgres')('crash durability (SIGKILL under load)', () => {
  let db: TestDatabase;
  let server: ServerProcess | undefined;
  let accountId: string;
  let pageId: string;
  let baseUrl: string;
  let env: Record<string, string>;
  let dataDir: string;
  const firstReadyMs: number[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const { account } = await makeAccount(db);
    accountId = account.id;
    const page = await makePage(db, { accountId, kind: 'contact' });
    pageId = page.id;
    await withTenant(db, accountId, async (_tx, client) => {
      // createPage registers the route itself; this keeps the test independent of that.
      await client.query(
        'INSERT INTO page_routes (page_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [pageId, accountId],
      );
      // No monthly lead limit: every lead is an ordinary, unheld one.
      await client.query(`UPDATE accounts SET plan_code = 'team' WHERE id = $1`, [accountId]);
    });

    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-crash-'));
    env = {
      DATABASE_URL: db.url!,
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      TRUST_PROXY: 'true',
      INTAKE_RATE_PER_PAGE: '1000000/1h',
      INTAKE_RATE_PER_ACCOUNT: '1000000/1h',
      INTAKE_MIN_FILL_SECONDS: '0',
      DEMO_SEED: 'false',
      AUTH_PEPPER: 'crash-test-pepper-crash-test-pepper-0000',
    };
    server = startServerProcess(env);
    firstReadyMs.push(await waitReady(server, baseUrl, 60_000));
  }, 120_000);

  afterAll(async () => {
    if (server) await killHard(server).catch(() => {});
    await db?.destroy();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('keeps every acknowledged lead, exactly once, across repeated SIGKILLs', async () => {
    const runTag = crypto.randomBytes(4).toString('hex');
    const submissions: Submission[] = [];
    const stats = { connectionErrors: 0, unavailable: 0, serverErrors: 0, unexpected: [] as string[] };
    const restartMs: number[] = [];
    let stopping = false;
    let drainDeadline = Number.POSITIVE_INFINITY;

    // Resolved while the server is ready; replaced by a pending promise while it is down.
    let up: Promise<void> = Promise.resolve();
    let markUp: () => void = () => {};

    function newSubmission(): Submission {
      const n = submissions.length;
      const email = `crash-${runTag}-${n}@example.test`;
      const s: Submission = {
        n,
        key: `crash-${runTag}-${n}-${crypto.randomUUID()}`,
        email,
        ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
        body: { email, fullName: `Crash Lead ${n}`, message: `submission ${n} of run ${runTag}` },
        attempts: 0,
        unknown: false,
      };
      submissions.push(s);
      return s;
    }

    /** One POST of the submission: its 201 answer, an HTTP status, or 'lost' (connection error). */
    async function post(
      s: Submission,
    ): Promise<{ status: number; leadId?: string; replayed: boolean; text?: string } | 'lost'> {
      try {
        const res = await fetch(`${baseUrl}/api/v1/public/pages/${pageId}/leads`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': s.key,
            'x-forwarded-for': s.ip,
          },
          body: JSON.stringify(s.body),
          signal: AbortSignal.timeout(20_000),
        });
        const text = await res.text();
        if (res.status === 201) {
          return {
            status: 201,
            leadId: (JSON.parse(text) as { leadId: string }).leadId,
            replayed: res.headers.get('idempotent-replayed') === 'true',
          };
        }
        return { status: res.status, replayed: false, text };
      } catch {
        return 'lost';
      }
    }

    /** Posts until a 201: a lost connection or a 503 is retried with the same key and body. */
    async function deliver(s: Submission): Promise<void> {
      for (;;) {
        if (Date.now() > drainDeadline)
          throw new Error(`submission ${s.n} still unacknowledged after the drain`);
        s.attempts += 1;
        const answer = await post(s);
        if (answer === 'lost') {
          stats.connectionErrors += 1;
          s.unknown = true;
          await up;
          await sleep(Math.random() * 50);
          continue;
        }
        if (answer.status === 201) {
          s.leadId = answer.leadId;
          s.replayed = answer.replayed;
          return;
        }
        if (answer.status === 503) {
          stats.unavailable += 1;
        } else {
          if (answer.status >= 500) stats.serverErrors += 1;
          stats.unexpected.push(`#${s.n}: ${answer.status} ${answer.text?.slice(0, 300)}`);
          if (answer.status < 500) return; // a 4xx will not change on retry; reported below
        }
        await up;
        await sleep(50 + Math.random() * 100);
      }
    }

    async function loop(): Promise<void> {
      while (!stopping) await deliver(newSubmission());
    }

    const started = Date.now();
    const loops = Array.from({ length: LOOPS }, () => loop());
    // Let the load get going before the first kill.
    while (!submissions.some((s) => s.leadId)) await sleep(50);

    let kills = 0;
    for (let k = 0; k < KILLS; k++) {
      await sleep(500 + Math.random() * 1500);
      up = new Promise<void>((resolve) => {
        markUp = resolve;
      });
      await killHard(server!);
      kills += 1;
      server = startServerProcess(env);
      restartMs.push(await waitReady(server, baseUrl, 60_000));
      markUp();
    }
    await sleep(TAIL_MS);
    stopping = true;
    drainDeadline = Date.now() + DRAIN_MS;
    await Promise.all(loops);
    const loadMs = Date.now() - started;

    expect(stats.unexpected, 'answers other than 201 and 503').toEqual([]);
    const unacknowledged = submissions.filter((s) => !s.leadId).map((s) => s.n);
    expect(unacknowledged, 'submissions never acknowledged').toEqual([]);
    const acked = submissions as (Submission & { leadId: string })[];

    // A retry now answers the same lead: every unknown-outcome submission and a sample of the rest.
    const others = acked.filter((s) => !s.unknown);
    const sample = [
      ...acked.filter((s) => s.unknown),
      ...others.sort(() => Math.random() - 0.5).slice(0, REPLAY_SAMPLE),
    ];
    const replayMismatches: string[] = [];
    for (let i = 0; i < sample.length; i += 8) {
      await Promise.all(
        sample.slice(i, i + 8).map(async (s) => {
          const answer = await post(s);
          if (answer === 'lost' || answer.status !== 201 || !answer.replayed || answer.leadId !== s.leadId) {
            replayMismatches.push(`#${s.n}: ${JSON.stringify(answer)} (acknowledged ${s.leadId})`);
          }
        }),
      );
    }
    expect(replayMismatches, 'retries that did not replay the acknowledged lead').toEqual([]);

    const { leads, created } = await withTenant(db, accountId, async (_tx, client) => ({
      leads: (
        await client.query<{ id: string; email: string; is_held: boolean; status: string }>(
          'SELECT id::text, email::text, is_held, status FROM leads WHERE account_id = $1',
          [accountId],
        )
      ).rows,
      created: (
        await client.query<{ lead_id: string; n: number }>(
          `SELECT lead_id::text, count(*)::int AS n FROM lead_events
           WHERE account_id = $1 AND kind = 'created' GROUP BY lead_id`,
          [accountId],
        )
      ).rows,
    }));
    // The triggered jobs (pg-boss's own tables, outside tenancy): read as the connecting user.
    const { rows: jobs } = await db.query<{ lead_id: string; name: string; n: number }>(
      `SELECT data->>'leadId' AS lead_id, name, count(*)::int AS n FROM (
         SELECT name, data FROM pgboss.job WHERE data->>'accountId' = $1
         UNION ALL SELECT name, data FROM pgboss.archive WHERE data->>'accountId' = $1
       ) j GROUP BY 1, 2`,
      [accountId],
    );

    const { rows: jobStates } = await db.query<{ state: string; n: number }>(
      `SELECT state::text AS state, count(*)::int AS n FROM pgboss.job WHERE data->>'accountId' = $1
       GROUP BY 1 ORDER BY 1`,
      [accountId],
    );

    const byId = new Map<string, { email: string }>();
    for (const lead of leads) byId.set(lead.id, lead);
    const emailCounts = new Map<string, number>();
    for (const lead of leads) emailCounts.set(lead.email, (emailCounts.get(lead.email) ?? 0) + 1);
    const createdCount = new Map(created.map((r) => [r.lead_id, r.n]));
    const jobCount = new Map(jobs.map((r) => [`${r.lead_id} ${r.name}`, r.n]));
    const jobNames = ['leads.notify', 'leads.score', 'webhooks.lead_event'];

    const missing = acked.filter((s) => byId.get(s.leadId)?.email !== s.email).map((s) => `#${s.n}`);
    const duplicateEmails = [...emailCounts].filter(([, n]) => n > 1).map(([email]) => email);
    const withoutEvent = acked.filter((s) => createdCount.get(s.leadId) !== 1).map((s) => `#${s.n}`);
    const withoutJobs = acked
      .filter((s) => jobNames.some((name) => jobCount.get(`${s.leadId} ${name}`) !== 1))
      .map((s) => `#${s.n}`);

    expect(missing, 'acknowledged leads not stored under their id and email').toEqual([]);
    expect(duplicateEmails, 'emails stored more than once').toEqual([]);
    expect(new Set(acked.map((s) => s.leadId)).size).toBe(acked.length);
    expect(leads.length, 'leads stored vs logical submissions acknowledged').toBe(acked.length);
    expect(withoutEvent, 'leads without exactly one created event').toEqual([]);
    expect(withoutJobs, 'leads without exactly one of each triggered job').toEqual([]);
    expect(leads.filter((l) => l.is_held || l.status !== 'new')).toEqual([]);
    expect(stats.serverErrors).toBe(0);
    expect(kills).toBe(KILLS);

    const unknown = acked.filter((s) => s.unknown);
    console.log(
      `crash: ${acked.length} acknowledged, ${unknown.length} retried after a lost connection ` +
        `(${unknown.filter((s) => s.replayed).length} had committed and replayed, ` +
        `${unknown.filter((s) => !s.replayed).length} created on retry), ${KILLS} kills, ` +
        `${stats.connectionErrors} connection errors, ${stats.unavailable} 503s, ` +
        `${sample.length} replays checked, jobs ${jobStates.map((r) => `${r.state}=${r.n}`).join(' ')}, ` +
        `load ${loadMs} ms, ready after ${firstReadyMs.join('/')} ms then ${restartMs.join('/')} ms`,
    );
  }, 180_000);
});
