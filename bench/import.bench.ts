/**
 * CSV import at scale: a generated file of BENCH_IMPORT_ROWS (100,000) leads uploaded to
 * POST /api/v1/leads/import of the real server, timed end to end — the upload streaming into
 * import_rows, then the `imports.run` job (the server's inline worker) normalizing, deduping and
 * inserting — until the import is `completed`. Target: under 60 s for 100,000 rows.
 *
 *   npm run bench:import
 *   BENCH_IMPORT_ROWS=20000 DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench:import
 *
 * DATABASE_URL (or BENCH_DATABASE_URL) is an admin URL: a scratch database
 * porchlight_bench_import_<pid> is created beside it, migrated, dropped at the end (also on an
 * error or Ctrl-C). The server is `src/cli.ts start` as a child process (LOG_LEVEL=warn).
 *
 * The file: first/last name, email, phone on every third row, city, status, created time; every
 * 50th row repeats the previous row's email (a merge), every 100th has a bad email and no phone
 * (rejected). The report is checked (imported, merged, rejected exact).
 *
 * The baseline (B), in the same run: the database alone doing a plain multi-row INSERT of the same
 * rows, already normalized, into leads of another account — 1,000 rows a statement, one tenant
 * transaction per statement as withTenant opens it (app role, forced RLS), one `pg` client.
 * No parsing, no staging, no dedupe lookup, no events: what the import costs beyond it is ours.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import pg from 'pg';
import { openPostgres } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { onCleanup, runBench } from './lib/cleanup.ts';
import { createDatabase, describePostgres, dropDatabase } from './lib/scratch.ts';
import { freePort, startServer } from './lib/server.ts';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const BASELINE_BATCH = 1000;

type Row = { first: string; last: string; email: string; phone: string; e164: string | null };

function rowAt(i: number): Row {
  const bad = i % 100 === 10;
  const email = bad ? `bad-email-${i}` : `person${i % 50 === 49 ? i - 1 : i}@bulk.example.com`;
  const exchange = 200 + Math.floor(i / 10_000);
  const line = String(i % 10_000).padStart(4, '0');
  const hasPhone = i % 3 === 0 && !bad;
  return {
    first: 'Person',
    last: `Number ${i}`,
    email,
    phone: hasPhone ? `(512) ${exchange}-${line}` : '',
    e164: hasPhone ? `+1512${exchange}${line}` : null,
  };
}

function writeFile(file: string): number {
  const out = ['First Name,Last Name,Email,Phone,City,Status,Created'];
  for (let i = 0; i < ROWS; i++) {
    const r = rowAt(i);
    out.push(`${r.first},${r.last},${r.email},${r.phone},Austin,contacted,2025-01-01T00:00:00Z`);
  }
  fs.writeFileSync(file, `${out.join('\n')}\n`);
  return fs.statSync(file).size;
}

async function signUp(url: string, label: string): Promise<{ cookie: string; accountId: string }> {
  const u = `${label}-${Date.now().toString(36)}`;
  const res = await fetch(`${url}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `${u}@example.test`,
      password: `password for ${u}`,
      name: 'Bench Owner',
      accountName: `Bench ${u}`,
      accountSlug: u,
    }),
  });
  if (res.status !== 201) throw new Error(`sign-up answered ${res.status}: ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  return { cookie, accountId: ((await res.json()) as { account: { id: string } }).account.id };
}

/** The baseline: plain multi-row INSERTs of the same rows, normalized, into leads. */
async function baseline(url: string, accountId: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const batches: unknown[][] = [];
  for (let start = 0; start < ROWS; start += BASELINE_BATCH) {
    const values: unknown[] = [];
    for (let i = start; i < Math.min(start + BASELINE_BATCH, ROWS); i++) {
      const r = rowAt(i);
      values.push(crypto.randomUUID(), `${r.first} ${r.last}`, r.email, r.e164);
    }
    batches.push(values);
  }
  const started = performance.now();
  for (const values of batches) {
    const n = values.length / 4;
    const tuples = Array.from(
      { length: n },
      (_, k) =>
        `($1, $${k * 4 + 2}, 'import', 'contacted', $${k * 4 + 3}, $${k * 4 + 4}, $${k * 4 + 5}, 'Austin', '2025-01-01T00:00:00Z')`,
    );
    await client.query(`BEGIN; SET LOCAL ROLE porchlight_app; SET LOCAL app.account_id = '${accountId}';`);
    await client.query(
      `INSERT INTO leads (account_id, id, source, status, full_name, email, phone_e164, city, created_at)
       VALUES ${tuples.join(', ')}`,
      [accountId, ...values],
    );
    await client.query('COMMIT');
  }
  const seconds = (performance.now() - started) / 1000;
  await client.end();
  return seconds;
}

async function main() {
  console.log(`${os.cpus().length} cores; ${await describePostgres()}`);
  const name = `porchlight_bench_import_${process.pid}`;
  const url = await createDatabase(name);
  onCleanup(`drop ${name}`, () => dropDatabase(name));
  const db = await openPostgres(url, 2);
  await migrate(db);
  await db.close();

  const file = path.join(os.tmpdir(), `porchlight-import-${process.pid}.csv`);
  onCleanup('remove the file', () => fs.rmSync(file, { force: true }));
  const bytes = writeFile(file);
  console.log(`file: ${ROWS} rows, ${(bytes / 1024 / 1024).toFixed(1)} MB`);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = await startServer(
    { DATABASE_URL: url, PORT: String(port), BASE_URL: base, LOG_LEVEL: 'warn' },
    { label: 'import' },
  );
  console.log(`server (pid ${server.pid}, inline worker) ready in ${server.readyMs} ms`);
  const owner = await signUp(base, 'bench-import');
  const other = await signUp(base, 'bench-baseline');
  const headers = { cookie: owner.cookie, origin: base };

  const started = performance.now();
  const res = await fetch(`${base}/api/v1/leads/import?fileName=bench.csv`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'text/csv' },
    body: Readable.toWeb(fs.createReadStream(file)) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  let report = (await res.json()) as Record<string, unknown> & { status: string; id: string };
  const answered = (performance.now() - started) / 1000;
  if (res.status !== 201 && res.status !== 202)
    throw new Error(`import answered ${res.status}: ${JSON.stringify(report)}`);
  while (report.status === 'queued' || report.status === 'running') {
    await new Promise((r) => setTimeout(r, 200));
    report = (await (
      await fetch(`${base}/api/v1/imports/${report.id}`, { headers })
    ).json()) as typeof report;
  }
  const seconds = (performance.now() - started) / 1000;
  await server.stop();
  const expected = { status: 'completed', totalRows: ROWS, imported: 0, merged: 0, rejectedCount: 0 };
  for (let i = 0; i < ROWS; i++) {
    if (i % 100 === 10) expected.rejectedCount++;
    else if (i % 50 === 49) expected.merged++;
    else expected.imported++;
  }
  for (const [k, v] of Object.entries(expected)) {
    if (report[k] !== v) throw new Error(`report ${k} is ${String(report[k])}, expected ${v}`);
  }
  console.log(
    `import: ${seconds.toFixed(1)} s end to end (${Math.round(ROWS / seconds)} rows/s; answered ${res.status} ` +
      `after ${answered.toFixed(1)} s); imported ${report.imported}, merged ${report.merged}, rejected ${report.rejectedCount}`,
  );

  const b = await baseline(url, other.accountId);
  console.log(
    `baseline (B), plain multi-row INSERT of the same ${ROWS} rows: ${b.toFixed(1)} s (${Math.round(ROWS / b)} rows/s); ` +
      `import = ${(seconds / b).toFixed(1)} × B`,
  );
  console.log(
    seconds < 60 || ROWS !== 100_000 ? 'target (< 60 s for 100,000 rows): met' : 'target (< 60 s): NOT met',
  );
}

void runBench(main);
