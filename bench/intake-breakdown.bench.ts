/**
 * Where the intake transaction's database time goes, measured on the raw-SQL baseline of
 * intake.bench.ts (a) — no server. Everything as ratios within the run.
 *
 *   npx tsx bench/intake-breakdown.bench.ts
 *
 * Part 1, drift: rounds of the full intake transaction on one scratch database, so its accounts
 * grow; the database time per transaction should stay flat. (Before migration 0011 the dedupe
 * lookup read every lead of the account — citext's = is not leakproof, so under forced RLS it
 * could not use an index — and the cost grew with each round.)
 *
 * Part 2, what each part costs: each variant beside an adjacent run of the full transaction:
 *   1 round trip   the same statements in one simple-protocol message (payload as a literal);
 *   no jobs        `jobs: []`: the three porchlight_enqueue calls left out;
 *   no rate limits `rateLimits: []`: the two intake_rate_limits upserts left out;
 *   async commit   `SET LOCAL synchronous_commit = off`;
 *   8 connections  8 clients instead of 32.
 *
 * BENCH_SECONDS (6) per run after BENCH_WARMUP_SECONDS (1), BENCH_ROUNDS (4) in part 1,
 * BENCH_CONNECTIONS (32), BENCH_ACCOUNTS (100).
 */
import os from 'node:os';
import { type Database, openPostgres } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { createJobQueue } from '../src/platform/jobs.ts';
import { createLogger } from '../src/platform/logger.ts';
import { allJobs } from '../src/runtime.ts';
import { onCleanup, runBench } from './lib/cleanup.ts';
import {
  createTargets,
  type Figures,
  type RawOptions,
  rawIntake,
  type Target,
  verifyAcknowledged,
} from './lib/intake.ts';
import { createDatabase, describePostgres, dropDatabase } from './lib/scratch.ts';
import { ms, ratio, table } from './lib/stats.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 100);

type Scratch = { name: string; url: string; db: Database; targets: Target[] };

async function scratch(suffix: string): Promise<Scratch> {
  const name = `porchlight_bench_${suffix}_${process.pid}`;
  const url = await createDatabase(name);
  onCleanup(`drop ${name}`, () => dropDatabase(name));
  const db = await openPostgres(url, 8);
  onCleanup(`close ${name}`, () => db.close());
  await migrate(db);
  // The job queues, as `porchlight start` creates them.
  const jobs = createJobQueue({ db, logger: createLogger('silent'), jobs: allJobs, supervise: false });
  await jobs.start();
  await jobs.stop(1000);
  return { name, url, db, targets: await createTargets(db, ACCOUNTS) };
}

const checks: string[] = [];

async function run(s: Scratch, phase: string, connections: number, options?: RawOptions): Promise<Figures> {
  if (WARMUP > 0) await rawIntake(s.url, s.targets, `w${phase}`, WARMUP, connections, options);
  const r = await rawIntake(s.url, s.targets, phase, SECONDS, connections, options);
  checks.push((await verifyAcknowledged((text, values) => s.db.query(text, values), r.ack)).line);
  return r.figures;
}

const pgMs = (f: Figures) => ms(((f.cpu?.postgres ?? Number.NaN) * 1000) / f.rate, 2);

async function leadsPerAccount(s: Scratch): Promise<number> {
  const { rows } = await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM leads');
  return Math.round(rows[0]!.n / s.targets.length);
}

async function main() {
  console.log(
    `node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
  console.log(await describePostgres());
  console.log(`${SECONDS} s per run, ${CONNECTIONS} connections, ${ACCOUNTS} accounts`);
  const fixed = await scratch('bd');

  // Part 1: drift.
  const drift: (string | number)[][] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const f = await run(fixed, `m${round}`, CONNECTIONS);
    drift.push([round, await leadsPerAccount(fixed), f.rate.toFixed(0), ms(f.p99), pgMs(f)]);
    console.log(`round ${round}: ${f.rate.toFixed(0)}/s`);
  }

  // Part 2: each variant beside an adjacent full run.
  const variants: { label: string; connections?: number; options?: RawOptions }[] = [
    { label: '1 round trip (one simple-protocol message)', options: { roundTrips: 1 } },
    { label: 'no jobs (jobs: [])', options: { transform: (p) => ({ ...p, jobs: [] }) } },
    { label: 'no rate limits (rateLimits: [])', options: { transform: (p) => ({ ...p, rateLimits: [] }) } },
    {
      label: 'async commit (synchronous_commit = off)',
      options: { extraSetup: 'SET LOCAL synchronous_commit = off;' },
    },
    { label: '8 connections', connections: 8 },
  ];
  const parts: (string | number)[][] = [];
  for (const [i, v] of variants.entries()) {
    const base = await run(fixed, `b${i}`, CONNECTIONS);
    const f = await run(fixed, `x${i}`, v.connections ?? CONNECTIONS, v.options);
    parts.push([
      v.label,
      base.rate.toFixed(0),
      f.rate.toFixed(0),
      ms(f.p50),
      ms(f.p99),
      pgMs(base),
      pgMs(f),
      ratio(f.rate, base.rate),
    ]);
    console.log(`${v.label}: ${f.rate.toFixed(0)}/s beside ${base.rate.toFixed(0)}/s`);
  }

  console.log('\nPart 1: the full transaction, round after round on one database');
  console.log(table(['round', 'leads/account', 'tx/s', 'p99 ms', 'pg ms/tx'], drift));
  console.log('\nPart 2: variants, each beside the full transaction run just before it');
  console.log(
    table(
      [
        'variant',
        'full tx/s',
        'variant tx/s',
        'p50 ms',
        'p99 ms',
        'pg ms/tx full',
        'pg ms/tx variant',
        'ratio',
      ],
      parts,
    ),
  );
  console.log('');
  for (const c of checks) if (!c.startsWith('OK')) console.log(c);
  console.log(
    `${checks.filter((c) => c.startsWith('OK')).length} of ${checks.length} runs: every acknowledged intake made exactly one lead`,
  );
  if (checks.some((c) => c.startsWith('FAIL'))) process.exitCode = 1;
}

await runBench(main);
