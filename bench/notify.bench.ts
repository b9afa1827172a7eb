/**
 * Speed to lead: how soon a new lead's agent alert and autoresponder reach the email provider,
 * and how fast a backlog of notifications drains, against the database's own rate for the same
 * work measured in the same run (these 2-core machines swing ×2 between runs: compare ratios).
 *
 *   npm run bench:notify
 *   BENCH_SECONDS=30 BENCH_RATES=20,50 BENCH_BACKLOG=10000 DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench:notify
 *
 * DATABASE_URL (or BENCH_DATABASE_URL) is an admin URL: a scratch database porchlight_bench_notify_<pid>
 * is created beside it, migrated, its job queues created; dropped at the end (also on an error or
 * Ctrl-C). Every run below has BENCH_ACCOUNTS (100) accounts of its own on the team plan, made
 * through the real services (createAccountWithOwner: one owner with an email — the agent alert's
 * recipient — and one contact page). Email goes to the dev provider: each email becomes a
 * `dev_outbox` row whose `created_at` is the moment of the provider call.
 *
 * 1. Latency under steady intake: the real server (`src/cli.ts start`, inline worker at its
 *    default WORKER_CONCURRENCY, LOG_LEVEL=warn, rate limits out of the way) receives JSON
 *    intakes at each of BENCH_RATES (20,50) per second, open loop, evenly spaced, spread over the
 *    accounts, for BENCH_SECONDS (30) after BENCH_WARMUP_SECONDS (5). Once the pipeline has caught
 *    up: for every lead of the measured window, (its agent alert's dev_outbox row).created_at −
 *    leads.created_at, and the same for its autoresponder. Target: p95 < 1 s.
 * 2. Drain a backlog: no process works jobs (the server above has stopped); BENCH_BACKLOG (10000)
 *    leads go in through the raw intake transaction (as intake.bench.ts (a), BENCH_CONNECTIONS (16)
 *    clients; each lead queues leads.notify, leads.score and webhooks.lead_event), then
 *    `porchlight worker` (`node --import tsx src/cli.ts worker`, same environment) starts as a
 *    child process; timed until every lead has both emails in dev_outbox (polled, at most
 *    BENCH_DRAIN_TIMEOUT_SECONDS, 300). Rates over the window from the first leads.notify job's
 *    start to the last one's completion (pg-boss's started_on/completed_on: the database clock,
 *    worker start-up excluded). BENCH_DRAIN_CONCURRENCY (default: WORKER_CONCURRENCY unset) is a
 *    list, e.g. `default,16`: one drain per value, each on a fresh backlog.
 * 3. The baseline (B), right after the first drain: the database work of one leads.notify job,
 *    raw — BENCH_BASELINE_CONNECTIONS (10, the worker's default pool size) `pg` clients, each
 *    running for one lead after another the statements of planLeadNotifications + deliverAll as
 *    text, in the same seven transactions (bench/lib/notify.ts notifyOne), over
 *    BENCH_BASELINE_LEADS (4000) leads put in by the raw intake with no jobs, for at most
 *    BENCH_BASELINE_SECONDS (30). No job queue (no fetch, no completion, no score/webhook jobs),
 *    no pool, no Drizzle. The drains are printed as ratios to it (emails/s).
 *
 * Checked afterwards, from the database: every lead of every run got exactly one agent alert per
 * owner and one autoresponder (messages and dev_outbox rows; no duplicate per lead and address,
 * no outbox row without its message, every message `sent`), and no lead job failed.
 *
 * BENCH_SERVER_ENV='DATABASE_POOL_SIZE=20,…' adds to the server's and the worker's environment.
 */
import os from 'node:os';
import { loadConfig } from '../src/config.ts';
import { type Database, openPostgres } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { createJobQueue } from '../src/platform/jobs.ts';
import { createLogger } from '../src/platform/logger.ts';
import { allJobs } from '../src/runtime.ts';
import { onCleanup, runBench } from './lib/cleanup.ts';
import { cpuBetween, cpuSnapshot } from './lib/cpu.ts';
import { type BuiltRequest, pacedLoad, statusSummary } from './lib/http-load.ts';
import { createTargets, JOB_NAMES, RUN, submission, type Target, USER_AGENT } from './lib/intake.ts';
import {
  checkExactlyOnce,
  drainWindow,
  expectedEmails,
  intakeCount,
  notifyLatencies,
  outboxCount,
  type Query,
  rawNotify,
  startWorkerChild,
} from './lib/notify.ts';
import { createDatabase, describePostgres, dropDatabase } from './lib/scratch.ts';
import { startServer } from './lib/server.ts';
import { ms, percentile, ratio, Samples, table } from './lib/stats.ts';

const env = process.env;
const SECONDS = Number(env.BENCH_SECONDS ?? 30);
const WARMUP = Number(env.BENCH_WARMUP_SECONDS ?? 5);
const RATES = (env.BENCH_RATES ?? '20,50').split(',').filter(Boolean).map(Number);
const ACCOUNTS = Number(env.BENCH_ACCOUNTS ?? 100);
const BACKLOG = Number(env.BENCH_BACKLOG ?? 10_000);
const DRAIN_CONCURRENCY = (env.BENCH_DRAIN_CONCURRENCY ?? 'default').split(',').filter(Boolean);
const DRAIN_TIMEOUT = Number(env.BENCH_DRAIN_TIMEOUT_SECONDS ?? 300);
const CATCHUP_TIMEOUT = Number(env.BENCH_CATCHUP_SECONDS ?? 60);
const INTAKE_CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 16);
const BASELINE_CONNECTIONS = Number(env.BENCH_BASELINE_CONNECTIONS ?? 10);
const BASELINE_LEADS = Number(env.BENCH_BASELINE_LEADS ?? 4000);
const BASELINE_SECONDS = Number(env.BENCH_BASELINE_SECONDS ?? 30);
const TARGET_P95_MS = 1000;
const EXTRA_ENV = Object.fromEntries(
  (env.BENCH_SERVER_ENV ?? '')
    .split(',')
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);

/** The server's and the worker's environment (the inline worker is on: WORKER_MODE unset). */
const PROCESS_ENV: Record<string, string> = {
  LOG_LEVEL: 'warn',
  TRUST_PROXY: 'true',
  INTAKE_RATE_PER_PAGE: '1000000/1h',
  INTAKE_RATE_PER_ACCOUNT: '1000000/1h',
  INTAKE_MIN_FILL_SECONDS: '0',
  DEMO_SEED: 'false',
  ...EXTRA_ENV,
};

function defaults(): { concurrency: string; pool: string } {
  try {
    const c = loadConfig({ NODE_ENV: 'production', AUTH_PEPPER: 'x'.repeat(32) });
    return { concurrency: String(c.workerConcurrency), pool: String(c.databasePoolSize) };
  } catch {
    return { concurrency: '?', pool: '?' };
  }
}
const DEFAULTS = defaults();

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

/** Polls `done` every `intervalMs` until it answers true or `timeoutS` pass; false on timeout. */
async function waitFor(
  done: () => Promise<boolean>,
  timeoutS: number,
  intervalMs = 250,
  tick?: (elapsedS: number) => void,
): Promise<boolean> {
  const started = Date.now();
  let lastTick = started;
  for (;;) {
    if (await done()) return true;
    if (Date.now() - started > timeoutS * 1000) return false;
    if (tick && Date.now() - lastTick >= 10_000) {
      lastTick = Date.now();
      tick((Date.now() - started) / 1000);
    }
    await sleep(intervalMs);
  }
}

function jsonRequest(targets: Target[], phase: string): BuiltRequest<string> {
  const s = submission(targets, phase);
  return {
    method: 'POST',
    path: `/api/v1/public/pages/${s.target.pageId}/leads`,
    headers: { 'content-type': 'application/json', 'x-forwarded-for': s.ip, 'user-agent': USER_AGENT },
    body: JSON.stringify({ fullName: s.fullName, email: s.email, phone: s.phone }),
    tag: s.email,
  };
}

const warnings = (output: string) => output.split('\n').filter((l) => /"level":(40|50|60)/.test(l));

type LatencyRow = {
  rate: number;
  leads: number;
  acknowledged: number;
  httpOther: string;
  http: { p50: number; p99: number };
  alert: Samples;
  auto: Samples;
  missingAlert: string[];
  missingAuto: string[];
  caughtUp: boolean;
};

type DrainRow = {
  id: string;
  label: string;
  notifications: number;
  emails: number;
  windowS: number;
  emailsPerS: number;
  jobsPerS: number;
  allJobsPerS: number;
  insertPerS: number;
  bootS: number;
  wallS: number;
  done: boolean;
  cpu?: ReturnType<typeof cpuBetween>;
  note: string;
};

const latencyRows: LatencyRow[] = [];
const drainRows: DrainRow[] = [];
const checks: string[] = [];

async function main() {
  console.log(
    `node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GiB, load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
  );
  console.log(await describePostgres());
  console.log(
    `${RATES.length ? `rates ${RATES.join(', ')}/s for ${SECONDS} s after ${WARMUP} s` : 'no latency runs'}; backlog ${BACKLOG} per drain, worker ` +
      `concurrency ${DRAIN_CONCURRENCY.map((c) => (c === 'default' ? `default (${DEFAULTS.concurrency})` : c)).join(', ')}; ` +
      `baseline ${BASELINE_CONNECTIONS} clients; ${ACCOUNTS} accounts per run; server/worker ` +
      `DATABASE_POOL_SIZE=${EXTRA_ENV.DATABASE_POOL_SIZE ?? `${DEFAULTS.pool} (default)`} LOG_LEVEL=${PROCESS_ENV.LOG_LEVEL}`,
  );

  const name = `porchlight_bench_notify_${process.pid}`;
  const url = await createDatabase(name);
  onCleanup(`drop ${name}`, () => dropDatabase(name));
  const db = await openPostgres(url, 4);
  onCleanup('close the set-up pool', () => db.close());
  const query: Query = db.query;
  const t = Date.now();
  await migrate(db);
  // The job queues, as `porchlight start` creates them (the raw intake enqueues by name).
  const queue = createJobQueue({ db, logger: createLogger('silent'), jobs: allJobs, supervise: false });
  await queue.start();
  await queue.stop(1000);
  console.log(`scratch database ${name}: migrated, job queues created in ${Date.now() - t} ms`);

  // 1. Latency under steady intake, the inline worker at work.
  if (RATES.length > 0) {
    const sets: Target[][] = [];
    for (const _ of RATES) sets.push(await createTargets(db, ACCOUNTS));
    const server = await startServer({ ...PROCESS_ENV, DATABASE_URL: url }, { label: 'inline worker' });
    console.log(`server (pid ${server.pid}, inline worker) ready in ${server.readyMs} ms`);
    for (const [i, rate] of RATES.entries()) {
      const targets = sets[i]!;
      const accounts = targets.map((x) => x.accountId);
      const phase = `n${rate}`;
      if (WARMUP > 0) {
        await pacedLoad({
          url: server.url,
          rate,
          seconds: WARMUP,
          next: () => jsonRequest(targets, `w${rate}`),
        });
      }
      let acknowledged = 0;
      let firstBad: string | undefined;
      const load = await pacedLoad({
        url: server.url,
        rate,
        seconds: SECONDS,
        next: () => jsonRequest(targets, phase),
        onResponse: (status, body) => {
          if (status === 201) acknowledged++;
          else firstBad ??= `${status} ${body.slice(0, 200)}`;
        },
      });
      // Until every lead of these accounts has its emails and their three jobs are done.
      const caughtUp = await waitFor(
        async () => (await outboxCount(query, accounts)) >= (await expectedEmails(query, accounts)).emails,
        CATCHUP_TIMEOUT,
      );
      await waitFor(async () => {
        const w = await drainWindow(query, accounts, JOB_NAMES);
        return w.jobs.every((j) => j.completed + j.failed === j.total);
      }, CATCHUP_TIMEOUT);
      const per = await notifyLatencies(query, accounts, `${phase}-${RUN}-%`);
      const alert = new Samples();
      const auto = new Samples();
      const missingAlert: string[] = [];
      const missingAuto: string[] = [];
      for (const l of per) {
        if (l.alertMs === null) missingAlert.push(l.id);
        else alert.add(l.alertMs);
        if (l.autoMs === null) missingAuto.push(l.id);
        else auto.add(l.autoMs);
      }
      const h = load.latency.summary();
      latencyRows.push({
        rate,
        leads: per.length,
        acknowledged,
        httpOther: [
          statusSummary(load.byStatus),
          load.errors ? `socket errors ${load.errors}` : '',
          firstBad ? `first non-201: ${firstBad}` : '',
        ]
          .filter(Boolean)
          .join(' '),
        http: { p50: h.p50, p99: h.p99 },
        alert,
        auto,
        missingAlert,
        missingAuto,
        caughtUp,
      });
      console.log(
        `(${rate}/s) ${per.length} leads, alert p95 ${ms(alert.percentile(95), 0)} ms, ` +
          `autoresponder p95 ${ms(auto.percentile(95), 0)} ms${caughtUp ? '' : ' (NOT caught up)'}`,
      );
      checks.push(
        (await checkExactlyOnce(query, accounts, `latency run at ${rate}/s (warm-up included)`)).line,
      );
    }
    await sleep(1000);
    await server.stop();
    const w = warnings(server.output());
    if (w.length) checks.push(`server warnings/errors: ${w.length}; last: ${w.at(-1)}`);
  }

  // 2. Drains, with the baseline (3) after the first.
  for (const [i, concurrency] of DRAIN_CONCURRENCY.entries()) {
    await drain(url, db, i, concurrency);
    if (i === 0) await baseline(url, db);
  }
  if (DRAIN_CONCURRENCY.length === 0) await baseline(url, db);

  const failed = (
    await query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pgboss.job WHERE name = ANY($1::text[]) AND state IN ('failed', 'retry')`,
      [JOB_NAMES],
    )
  ).rows[0]!.n;
  checks.push(`${failed === 0 ? 'OK  ' : 'FAIL'} lead jobs failed or waiting for a retry: ${failed}`);
  report();
  if (checks.some((c) => c.startsWith('FAIL'))) process.exitCode = 1;
}

async function drain(url: string, db: Database, i: number, concurrency: string) {
  const query: Query = db.query;
  const id = `(D${i + 1})`;
  const targets = await createTargets(db, ACCOUNTS);
  const accounts = targets.map((x) => x.accountId);
  const backlog = await intakeCount(url, targets, `d${i + 1}`, BACKLOG, INTAKE_CONNECTIONS);
  const insertPerS = backlog.leads.length / backlog.seconds;
  const queued = (await drainWindow(query, accounts, JOB_NAMES)).jobs.reduce((a, j) => a + j.total, 0);
  console.log(
    `${id} backlog: ${backlog.leads.length} leads (${queued} jobs queued) in ${backlog.seconds.toFixed(1)} s ` +
      `(${insertPerS.toFixed(0)}/s); starting the worker`,
  );
  const expected = (await expectedEmails(query, accounts)).emails;
  const t0 = (await query<{ t: Date }>('SELECT clock_timestamp() AS t')).rows[0]!.t;
  const spawned = Date.now();
  const workerEnv: Record<string, string> = { ...PROCESS_ENV, DATABASE_URL: url };
  if (concurrency !== 'default') workerEnv.WORKER_CONCURRENCY = concurrency;
  const worker = startWorkerChild(workerEnv, `worker ${id}`);
  let before: ReturnType<typeof cpuSnapshot> | undefined;
  let count = 0;
  const done = await waitFor(
    async () => {
      if (worker.exited() !== null) {
        throw new Error(
          `worker exited (${worker.exited()}):\n${worker.output().split('\n').slice(-30).join('\n')}`,
        );
      }
      count = await outboxCount(query, accounts);
      if (count > 0 && !before) before = cpuSnapshot(worker.pid);
      return count >= expected;
    },
    DRAIN_TIMEOUT,
    250,
    (s) => console.log(`${id} ${s.toFixed(0)} s: ${count} of ${expected} emails`),
  );
  const cpu = before ? cpuBetween(before, cpuSnapshot(worker.pid)) : undefined;
  const wallS = (Date.now() - spawned) / 1000;
  // The other two jobs of each lead, so the next run starts on an idle queue.
  await waitFor(async () => {
    const w = await drainWindow(query, accounts, JOB_NAMES);
    return w.jobs.every((j) => j.completed + j.failed === j.total);
  }, 60);
  await worker.stop();
  const w = await drainWindow(query, accounts, JOB_NAMES);
  const notify = w.jobs.find((j) => j.name === 'leads.notify');
  const span = (a: Date | null | undefined, b: Date | null | undefined) =>
    a && b ? (b.getTime() - a.getTime()) / 1000 : Number.NaN;
  const windowS = span(notify?.first_start, notify?.last_done);
  const allStart = w.jobs.map((j) => j.first_start?.getTime() ?? Number.POSITIVE_INFINITY);
  const allDone = w.jobs.map((j) => j.last_done?.getTime() ?? Number.NEGATIVE_INFINITY);
  const allWindowS = (Math.max(...allDone) - Math.min(...allStart)) / 1000;
  const allCompleted = w.jobs.reduce((a, j) => a + j.completed, 0);
  const queues = w.jobs
    .map(
      (j) => `${j.name} ${j.completed}/${j.total} done at ${ms(span(notify?.first_start, j.last_done), 1)} s`,
    )
    .join(', ');
  const label =
    `(D${i + 1}) drain ${BACKLOG}, porchlight worker, WORKER_CONCURRENCY=` +
    (concurrency === 'default' ? `${DEFAULTS.concurrency} (default)` : concurrency);
  drainRows.push({
    id,
    label,
    notifications: notify?.completed ?? 0,
    emails: w.outbox.n,
    windowS,
    emailsPerS: w.outbox.n / windowS,
    jobsPerS: (notify?.completed ?? 0) / windowS,
    allJobsPerS: allCompleted / allWindowS,
    insertPerS,
    bootS: span(t0, notify?.first_start),
    wallS,
    done,
    ...(cpu ? { cpu } : {}),
    note:
      `the queues, into the window: ${queues}` +
      (done ? '' : `; TIMEOUT after ${DRAIN_TIMEOUT} s: ${count} of ${expected} emails`),
  });
  console.log(
    `${id} ${w.outbox.n} emails in ${windowS.toFixed(1)} s: ${(w.outbox.n / windowS).toFixed(0)} emails/s` +
      (done ? '' : ' (TIMEOUT)'),
  );
  checks.push(
    (await checkExactlyOnce(query, accounts, `${id} drain`)).line +
      (done ? '' : ` (TIMEOUT after ${DRAIN_TIMEOUT} s)`),
  );
  const warn = warnings(worker.output());
  if (warn.length) checks.push(`${id} worker warnings/errors: ${warn.length}; last: ${warn.at(-1)}`);
}

async function baseline(url: string, db: Database) {
  const query: Query = db.query;
  const targets = await createTargets(db, ACCOUNTS);
  const accounts = targets.map((x) => x.accountId);
  const put = await intakeCount(url, targets, 'b', BASELINE_LEADS, INTAKE_CONNECTIONS, { jobs: false });
  const r = await rawNotify(url, put.leads, BASELINE_CONNECTIONS, BASELINE_SECONDS);
  const l = r.latency.summary();
  drainRows.push({
    id: '(B)',
    label: `(B) baseline: raw SQL of leads.notify, ${BASELINE_CONNECTIONS} pg clients, no job queue`,
    notifications: r.notifications,
    emails: r.emails,
    windowS: r.seconds,
    emailsPerS: r.emails / r.seconds,
    jobsPerS: r.notifications / r.seconds,
    allJobsPerS: Number.NaN,
    insertPerS: put.leads.length / put.seconds,
    bootS: Number.NaN,
    wallS: r.seconds,
    done: r.errors === 0,
    cpu: r.cpu,
    note:
      `per notification (7 transactions) p50 ${ms(l.p50)} ms, p99 ${ms(l.p99)} ms, max ${ms(l.max)} ms` +
      (r.errors ? `; ${r.errors} errors, first: ${r.firstError}` : ''),
  });
  console.log(
    `(B) ${r.notifications} notifications in ${r.seconds.toFixed(1)} s: ${(r.emails / r.seconds).toFixed(0)} emails/s`,
  );
  const ids = put.leads.slice(0, r.attempted).map((x) => x.leadId);
  checks.push((await checkExactlyOnce(query, accounts, '(B) baseline', ids)).line);
}

function report() {
  console.log(
    '\n1. Speed to lead: lead created → provider call (dev_outbox.created_at − leads.created_at), ms',
  );
  if (latencyRows.length === 0) console.log('(skipped: BENCH_RATES is empty)');
  else
    console.log(
      table(
        [
          'offered rate',
          'leads',
          'intake HTTP p50/p99',
          'alert p50',
          'p95',
          'p99',
          'max',
          'autoresponder p50',
          'p95',
          'p99',
          'max',
          'no alert',
          'no autoresp.',
          `p95 < ${TARGET_P95_MS} ms`,
        ],
        latencyRows.map((r) => {
          const a = r.alert.sorted();
          const b = r.auto.sorted();
          const met =
            r.missingAlert.length === 0 &&
            r.missingAuto.length === 0 &&
            percentile(a, 95) < TARGET_P95_MS &&
            percentile(b, 95) < TARGET_P95_MS;
          return [
            `${r.rate}/s for ${SECONDS} s`,
            r.leads,
            `${ms(r.http.p50)} / ${ms(r.http.p99)}`,
            ms(percentile(a, 50), 0),
            ms(percentile(a, 95), 0),
            ms(percentile(a, 99), 0),
            ms(a.length ? a[a.length - 1]! : Number.NaN, 0),
            ms(percentile(b, 50), 0),
            ms(percentile(b, 95), 0),
            ms(percentile(b, 99), 0),
            ms(b.length ? b[b.length - 1]! : Number.NaN, 0),
            r.missingAlert.length,
            r.missingAuto.length,
            met ? 'MET' : 'MISSED',
          ];
        }),
      ),
    );
  for (const r of latencyRows) {
    const notes = [
      `(${r.rate}/s) ${r.acknowledged} acknowledged (201) of ${r.leads} leads in the window; ${r.httpOther}`,
      r.caughtUp ? '' : `NOT caught up within ${CATCHUP_TIMEOUT} s`,
      r.missingAlert.length ? `leads with no alert (errors): ${r.missingAlert.slice(0, 10).join(' ')}` : '',
      r.missingAuto.length ? `leads with no autoresponder: ${r.missingAuto.slice(0, 10).join(' ')}` : '',
    ].filter(Boolean);
    console.log(notes.join('; '));
  }

  const base = drainRows.find((r) => r.id === '(B)');
  console.log('\n2–3. Draining a backlog, against the raw baseline (B)');
  console.log(
    table(
      [
        'run',
        'notifications',
        'emails',
        'window s',
        'emails/s',
        'notify jobs/s',
        'all lead jobs/s',
        'ratio to (B)',
      ],
      drainRows.map((r) => [
        r.label,
        r.notifications,
        r.emails,
        ms(r.windowS, 1),
        ms(r.emailsPerS, 0),
        ms(r.jobsPerS, 0),
        ms(r.allJobsPerS, 0),
        r === base ? '1.00' : base ? ratio(r.emailsPerS, base.emailsPerS) : '—',
      ]),
    ),
  );
  for (const r of drainRows) {
    const parts =
      r.id === '(B)'
        ? [`${r.id} leads put in (no jobs) at ${r.insertPerS.toFixed(0)}/s`, r.note]
        : [
            `${r.id} backlog put in at ${r.insertPerS.toFixed(0)}/s; worker spawn → first job ${ms(r.bootS, 1)} s, ` +
              `spawn → last email ${ms(r.wallS, 1)} s (window: first leads.notify start → last completion, database clock)`,
            r.note,
          ];
    console.log(parts.filter(Boolean).join('; '));
  }

  console.log(
    '\nCPU in cores (the machine has 2; postgres = all its processes): each drain from its first email to ' +
      'its last (a lead = its three jobs), the baseline while its clients ran (a lead = one notification):',
  );
  console.log(
    table(
      ['run', 'worker', 'postgres', 'bench process', 'whole machine', 'worker ms/lead', 'postgres ms/lead'],
      drainRows
        .filter((r) => r.cpu)
        .map((r) => {
          const c = r.cpu!;
          const rate = r.jobsPerS;
          return [
            r.id,
            r.id === '(B)' ? '—' : ms(c.server, 2),
            ms(c.postgres, 2),
            ms(c.bench, 2),
            ms(c.machine, 2),
            r.id === '(B)' ? '—' : ms((c.server * 1000) / rate, 2),
            ms((c.postgres * 1000) / rate, 2),
          ];
        }),
    ),
  );
  console.log('');
  for (const c of checks) console.log(c);
}

await runBench(main);
