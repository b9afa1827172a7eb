/**
 * Intake benchmark: how much of the database's own intake throughput the HTTP endpoints keep.
 * Every figure is also a ratio to a baseline measured in the same run (these 2-core machines
 * swing ×2 between runs: compare ratios).
 *
 *   npx tsx bench/intake.bench.ts
 *   BENCH_SECONDS=30 DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/intake.bench.ts
 *
 * DATABASE_URL (or BENCH_DATABASE_URL) is an admin URL: a scratch database porchlight_bench_<pid>
 * is created beside it, migrated, given BENCH_ACCOUNTS (100) accounts on the team plan (no lead
 * limit) with one contact page each, through the real services; dropped at the end.
 *
 * The real server runs as a child process (`node --import tsx src/cli.ts start`, LOG_LEVEL=warn,
 * WORKER_MODE=off, the default pool of 10 connections, rate limits out of the way). Then, in this order, each
 * for BENCH_SECONDS (15) after BENCH_WARMUP_SECONDS (3) of warm-up, at BENCH_CONNECTIONS (32):
 *
 *   (a)  raw SQL, the baseline: 32 `pg` clients in this process running the intake transaction
 *        exactly as the server does — `BEGIN;SET LOCAL ROLE …; SET LOCAL app.account_id = …;`
 *        (one simple query), `SELECT porchlight_intake($1::jsonb)` with the payload
 *        intake.service.ts builds, `COMMIT` — spread over the accounts;
 *   (b)  `POST /api/v1/public/pages/:pageId/leads` (JSON) through autocannon, a unique email,
 *        phone and X-Forwarded-For per request, spread over the pages;
 *   (b') (b) open loop at a fixed rate, BENCH_FIXED_RATE_SHARE (0.5) × (a), evenly spaced:
 *        latency below saturation (at 32 closed-loop connections, mean latency = 32 / throughput);
 *   (c)  `POST /p/:accountSlug/:pageSlug` (the HTML form, urlencoded, with the page's `_t`);
 *   (d)  (b) against a server on the embedded PGlite (no DATABASE_URL): one session by design.
 *
 * Afterwards every acknowledged submission is checked against the database: exactly one lead
 * each, and three jobs per lead. The CPU each process used is read from /proc.
 *
 * Knobs: BENCH_PGLITE=0 skips (d); BENCH_SERVER_ENV='LOG_LEVEL=silent,DATABASE_POOL_SIZE=8' overrides the
 * server's environment; BENCH_CPU_PROF=<dir> writes the server's V8 CPU profile
 * (summarise it with `npx tsx bench/lib/cpuprofile.ts <file>`).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPglite, openPostgres } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { onCleanup, runBench } from './lib/cleanup.ts';
import { cpuBetween, cpuSnapshot } from './lib/cpu.ts';
import { type BuiltRequest, httpLoad, pacedLoad, statusSummary } from './lib/http-load.ts';
import {
  type Acknowledged,
  createTargets,
  type Figures,
  JOB_NAMES,
  rawIntake,
  submission,
  type Target,
  USER_AGENT,
  verifyAcknowledged,
} from './lib/intake.ts';
import { createDatabase, describePostgres, dropDatabase } from './lib/scratch.ts';
import { type ServerChild, startServer } from './lib/server.ts';
import { ms, ratio, table } from './lib/stats.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 100);
const WITH_PGLITE = process.env.BENCH_PGLITE !== '0';
const FIXED_RATE_SHARE = Number(process.env.BENCH_FIXED_RATE_SHARE ?? 0.5);
const EXTRA_ENV = Object.fromEntries(
  (process.env.BENCH_SERVER_ENV ?? '')
    .split(',')
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);

const SERVER_ENV: Record<string, string> = {
  LOG_LEVEL: 'warn',
  TRUST_PROXY: 'true',
  INTAKE_RATE_PER_PAGE: '1000000/1h',
  INTAKE_RATE_PER_ACCOUNT: '1000000/1h',
  INTAKE_MIN_FILL_SECONDS: '0',
  WORKER_MODE: 'off',
  DEMO_SEED: 'false',
  ...EXTRA_ENV,
};

type Row = Figures & { id: string };

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

function formRequest(targets: Target[], phase: string): BuiltRequest<string> {
  const s = submission(targets, phase);
  return {
    method: 'POST',
    path: `/p/${s.target.accountSlug}/${s.target.pageSlug}`,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': s.ip,
      'user-agent': USER_AGENT,
    },
    body: new URLSearchParams({
      fullName: s.fullName,
      email: s.email,
      phone: s.phone,
      _k: crypto.randomUUID(),
      _t: s.target.token!,
    }).toString(),
    tag: s.email,
  };
}

/** One autocannon run, or with `rate` an open-loop paced one; `okStatus` means "stored" (201, 303). */
async function httpPhase(
  server: ServerChild,
  build: () => BuiltRequest<string>,
  okStatus: number,
  phase: string,
  seconds: number,
  rate?: number,
): Promise<{ figures: Figures; ack: Acknowledged }> {
  const ack: Acknowledged = { leadIds: [], emails: [], phase };
  let firstBad: string | undefined;
  const onResponse = (status: number, body: string, email: string) => {
    if (status === okStatus) {
      ack.emails.push(email);
      if (okStatus === 201) ack.leadIds.push((JSON.parse(body) as { leadId: string }).leadId);
    } else {
      firstBad ??= `${status} ${body.slice(0, 300)}`;
    }
  };
  const before = cpuSnapshot(server.pid);
  let result: {
    byStatus: Map<number, number>;
    seconds: number;
    errors: number;
    timeouts: number;
    p50: number;
    p99: number;
    max: number;
  };
  if (rate) {
    const r = await pacedLoad({ url: server.url, rate, seconds, next: build, onResponse });
    const l = r.latency.summary();
    result = { byStatus: r.byStatus, seconds: r.seconds, errors: r.errors, timeouts: 0, ...l };
  } else {
    const r = await httpLoad({ url: server.url, connections: CONNECTIONS, seconds, next: build, onResponse });
    result = {
      byStatus: r.byStatus,
      seconds: r.duration,
      errors: r.errors,
      timeouts: r.timeouts,
      p50: r.latency.p50,
      p99: r.latency.p99,
      max: r.latency.max,
    };
  }
  const cpu = cpuBetween(before, cpuSnapshot(server.pid));
  const ok = result.byStatus.get(okStatus) ?? 0;
  const bad = [...result.byStatus.entries()].filter(([s]) => s !== okStatus).reduce((a, [, n]) => a + n, 0);
  const other = [
    statusSummary(result.byStatus),
    result.errors ? `socket errors ${result.errors}` : '',
    result.timeouts ? `timeouts ${result.timeouts}` : '',
    firstBad ? `first non-${okStatus}: ${firstBad}` : '',
  ].filter(Boolean);
  return {
    figures: {
      label: phase,
      cpu,
      rate: ok / result.seconds,
      p50: result.p50,
      p99: result.p99,
      max: result.max,
      ok,
      errors: result.errors + result.timeouts + bad,
      other: other.join(' '),
    },
    ack,
  };
}

/**
 * autocannon hangs up on the requests still in flight when its clock stops; the server finishes
 * them anyway. Give it a moment before the SIGTERM, so the stop does not race those handlers.
 */
const settle = () => new Promise((r) => setTimeout(r, 2000));

async function postgresPart(rows: Row[], checks: string[]) {
  const name = `porchlight_bench_${process.pid}`;
  const url = await createDatabase(name);
  onCleanup(`drop ${name}`, () => dropDatabase(name));
  const db = await openPostgres(url, 8);
  onCleanup('close the set-up pool', () => db.close());
  const t = Date.now();
  await migrate(db);
  // Each run gets accounts of its own, so no run pays for what an earlier one stored.
  const targetsA = await createTargets(db, ACCOUNTS);
  const targetsB = await createTargets(db, ACCOUNTS);
  const targetsE = await createTargets(db, ACCOUNTS);
  const targets = await createTargets(db, ACCOUNTS);
  console.log(
    `scratch database ${name}: migrated, 4 × ${ACCOUNTS} accounts and pages in ${Date.now() - t} ms`,
  );

  const server = await startServer({ ...SERVER_ENV, DATABASE_URL: url }, { label: 'postgres' });
  console.log(`server (pid ${server.pid}) ready in ${server.readyMs} ms at ${server.url}`);

  // (a) raw SQL, once the server has created the job queues.
  if (WARMUP > 0) await rawIntake(url, targetsA, 'wa', WARMUP, CONNECTIONS);
  const a = await rawIntake(url, targetsA, 'a', SECONDS, CONNECTIONS);
  rows.push({ ...a.figures, id: '(a)', label: '(a) raw SQL: BEGIN+SET; porchlight_intake($1); COMMIT' });
  console.log(`(a)  ${a.figures.rate.toFixed(0)}/s`);

  if (WARMUP > 0) await httpPhase(server, () => jsonRequest(targetsB, 'wb'), 201, 'wb', WARMUP);
  const b = await httpPhase(server, () => jsonRequest(targetsB, 'b'), 201, 'b', SECONDS);
  rows.push({ ...b.figures, id: '(b)', label: '(b) POST /api/v1/public/pages/:pageId/leads (JSON)' });
  console.log(`(b)  ${b.figures.rate.toFixed(0)}/s`);

  const offered = a.figures.rate * FIXED_RATE_SHARE;
  const e = await httpPhase(server, () => jsonRequest(targetsE, 'e'), 201, 'e', SECONDS, offered);
  rows.push({
    ...e.figures,
    id: "(b')",
    label: `(b') (b) at a fixed ${offered.toFixed(0)}/s (${FIXED_RATE_SHARE} × (a))`,
  });
  console.log(`(b') ${e.figures.rate.toFixed(0)}/s, offered ${offered.toFixed(0)}/s`);

  // (c) The HTML form: each page's render token first.
  let c: Awaited<ReturnType<typeof httpPhase>> | undefined;
  const first = targets[0]!;
  const probe = await fetch(`${server.url}/p/${first.accountSlug}/${first.pageSlug}`);
  const probeHtml = await probe.text();
  if (probe.status === 404) {
    rows.push({
      id: '(c)',
      label: '(c) POST /p/:accountSlug/:pageSlug (form)',
      rate: Number.NaN,
      p50: Number.NaN,
      p99: Number.NaN,
      max: Number.NaN,
      ok: 0,
      errors: 0,
      other: 'pending: GET of the page answered 404',
    });
  } else {
    for (const target of targets) {
      const html =
        target === first
          ? probeHtml
          : await (await fetch(`${server.url}/p/${target.accountSlug}/${target.pageSlug}`)).text();
      const token = /name="_t" value="([^"]+)"/.exec(html)?.[1];
      if (!token) throw new Error(`no _t in the form of ${target.accountSlug}/${target.pageSlug}`);
      target.token = token;
    }
    if (WARMUP > 0) await httpPhase(server, () => formRequest(targets, 'wc'), 303, 'wc', WARMUP);
    c = await httpPhase(server, () => formRequest(targets, 'c'), 303, 'c', SECONDS);
    rows.push({ ...c.figures, id: '(c)', label: '(c) POST /p/:accountSlug/:pageSlug (HTML form → 303)' });
    console.log(`(c)  ${c.figures.rate.toFixed(0)}/s`);
  }
  await settle();
  await server.stop();

  for (const ack of [a.ack, b.ack, e.ack, ...(c ? [c.ack] : [])]) {
    checks.push((await verifyAcknowledged((text, values) => db.query(text, values), ack)).line);
  }
  const jobs = (
    await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pgboss.job WHERE name = ANY($1::text[])', [
      JOB_NAMES,
    ])
  ).rows[0]!.n;
  const leads = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM leads')).rows[0]!.n;
  const jobsOk = jobs === JOB_NAMES.length * leads;
  checks.push(
    `${jobsOk ? 'OK  ' : 'FAIL'} jobs: ${jobs} queued for ${leads} leads (${JOB_NAMES.join(', ')}: one each)`,
  );
  const warnings = server
    .output()
    .split('\n')
    .filter((l) => /"level":(40|50|60)/.test(l));
  if (warnings.length) checks.push(`server warnings/errors: ${warnings.length}; last: ${warnings.at(-1)}`);
}

async function pglitePart(rows: Row[], checks: string[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-bench-'));
  onCleanup(`remove ${dir}`, () => fs.rmSync(dir, { recursive: true, force: true }));
  const t = Date.now();
  let db = await openPglite({ dataDir: path.join(dir, 'db') });
  await migrate(db);
  const targets = await createTargets(db, ACCOUNTS);
  await db.close();
  console.log(`PGlite data dir: migrated, ${targets.length} accounts and pages in ${Date.now() - t} ms`);
  const server = await startServer({ ...SERVER_ENV, DATA_DIR: dir }, { label: 'pglite' });
  console.log(`PGlite server (pid ${server.pid}) ready in ${server.readyMs} ms`);
  if (WARMUP > 0) await httpPhase(server, () => jsonRequest(targets, 'wd'), 201, 'wd', WARMUP);
  const d = await httpPhase(server, () => jsonRequest(targets, 'd'), 201, 'd', SECONDS);
  rows.push({ ...d.figures, id: '(d)', label: '(d) (b) on the embedded PGlite (one session)' });
  console.log(`(d)  ${d.figures.rate.toFixed(0)}/s`);
  await settle();
  await server.stop();
  db = await openPglite({ dataDir: path.join(dir, 'db') });
  try {
    checks.push((await verifyAcknowledged((text, values) => db.query(text, values), d.ack)).line);
  } finally {
    await db.close();
  }
}

function report(rows: Row[], checks: string[]) {
  const base = rows[0]!;
  console.log('');
  console.log(
    table(
      ['run', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'acknowledged', 'errors/non-2xx', 'ratio to (a)'],
      rows.map((f) => [
        f.label,
        Number.isFinite(f.rate) ? f.rate.toFixed(0) : 'pending',
        ms(f.p50),
        ms(f.p99),
        ms(f.max),
        f.ok,
        f.errors,
        f === base ? '1.00' : ratio(f.rate, base.rate),
      ]),
    ),
  );
  console.log('\nCPU during each measured run, in cores (the machine has 2; postgres = all its processes):');
  console.log(
    table(
      ['run', 'server', 'postgres', 'load generator', 'whole machine', 'server ms/req', 'postgres ms/req'],
      rows
        .filter((f) => f.cpu)
        .map((f) => {
          const c = f.cpu!;
          return [
            f.id,
            ms(c.server, 2),
            ms(c.postgres, 2),
            ms(c.bench, 2),
            ms(c.machine, 2),
            ms((c.server * 1000) / f.rate, 2),
            ms((c.postgres * 1000) / f.rate, 2),
          ];
        }),
    ),
  );
  console.log('');
  for (const f of rows) if (f.other) console.log(`${f.id} ${f.other}`);
  console.log('');
  for (const c of checks) console.log(c);
  const json = rows.find((r) => r.id === '(b)');
  const fixed = rows.find((r) => r.id === "(b')");
  if (json) {
    const r = json.rate / base.rate;
    const pass = r >= 0.5 && json.p99 < 50 && json.errors === 0;
    console.log(
      `\ntarget for (b): ≥ 0.50 of (a), p99 < 50 ms at ${CONNECTIONS} connections, 0 errors → ` +
        `${r.toFixed(2)}, p99 ${ms(json.p99)} ms, ${json.errors} errors: ${pass ? 'MET' : 'MISSED'}`,
    );
    console.log(
      `  (a) itself at ${CONNECTIONS} connections: p99 ${ms(base.p99)} ms; Little's law puts the mean at ` +
        `${CONNECTIONS} / throughput = ${ms((CONNECTIONS * 1000) / base.rate)} ms for (a), ${ms((CONNECTIONS * 1000) / json.rate)} ms for (b)`,
    );
  }
  if (fixed) {
    console.log(
      `  (b') below saturation: p50 ${ms(fixed.p50)} ms, p99 ${ms(fixed.p99)} ms, ${fixed.errors} errors`,
    );
  }
}

async function main() {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `node ${process.version}, ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(await describePostgres());
  console.log(
    `${SECONDS} s per run after ${WARMUP} s of warm-up, ${CONNECTIONS} connections, ${ACCOUNTS} accounts/pages; ` +
      `server ${Object.entries({ DATABASE_POOL_SIZE: '10 (default)', ...SERVER_ENV })
        .filter(([k]) => ['LOG_LEVEL', 'DATABASE_POOL_SIZE', 'WORKER_MODE'].includes(k))
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
  );
  const rows: Row[] = [];
  const checks: string[] = [];
  await postgresPart(rows, checks);
  if (WITH_PGLITE) await pglitePart(rows, checks);
  report(rows, checks);
  if (checks.some((c) => c.startsWith('FAIL'))) process.exitCode = 1;
}

await runBench(main);
