/**
 * Leads at scale: the inbox list, a deep cursor page and search in an account of 200,000 leads
 * (of 2,000,000 in 1,000 accounts), through HTTP beside the same SQL run raw, in the same run
 * and interleaved request by request (HTTP, then SQL), with EXPLAIN (ANALYZE, BUFFERS) of each.
 * Also intake into that account beside intake into a small one (the dedupe lookup).
 *
 *   npx tsx bench/leads.bench.ts                      # builds the template once (minutes), then measures
 *   BENCH_LEADS=200000 npx tsx bench/leads.bench.ts   # a smaller scale (its own template)
 *   BENCH_REBUILD=1 npx tsx bench/leads.bench.ts      # rebuild the template
 *
 * Loading: a template database (porchlight_bench_leads_tpl, or _<scale> for another scale) is
 * migrated, given BENCH_LEAD_ACCOUNTS (1000) accounts on the team plan with one page each
 * through the real services, then filled in tenant transactions as the app role (forced RLS: no
 * COPY) with INSERT … SELECT over generate_series — 5 accounts of 10% of the leads each, the rest
 * shared — with the leads' secondary indexes dropped during the load and built afterwards, then
 * VACUUM ANALYZE. It is kept and reused while its marker (scale) and row count match. Each run
 * measures a copy (CREATE DATABASE … TEMPLATE, file copy), dropped at the end.
 *
 * Measuring: the real server as a child process (DATABASE_POOL_SIZE=8, LOG_LEVEL=warn), an API
 * key per measurement (keys are limited to 600 requests a minute), one request at a time:
 *   (1) GET /api/v1/leads?limit=50           newest page;
 *   (2) the next 200 pages, following nextCursor (a walk 10,000 rows deep);
 *   (2') a page at 75% depth (the cursor built for that row);
 *   (3) GET /api/v1/leads?q=…                a common surname, a rare one, a text that matches nothing;
 *   (4) POST /api/v1/public/pages/:id/leads  into the big account and into a small one.
 * The raw SQL is the statement the route runs (Drizzle's toSQL() of findLeads with the route's
 * parsed query), in a tenant transaction like withTenant's, on one `pg` client.
 * BENCH_SAMPLES (200) per measurement, at most BENCH_MEASURE_SECONDS (12) each.
 */
import http from 'node:http';
import os from 'node:os';
import { drizzle } from 'drizzle-orm/node-postgres';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { type Database, openPostgres, type Tx } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { createApiKey } from '../src/modules/identity/api-keys.service.ts';
import { decodeCursor, encodeCursor } from '../src/modules/leads/leads.cursor.ts';
import { searchLeadIdsSql, selectLeads } from '../src/modules/leads/leads.query.ts';
import { leadListQuery } from '../src/modules/leads/leads.schema.ts';
import { createJobQueue } from '../src/platform/jobs.ts';
import { createLogger } from '../src/platform/logger.ts';
import { allJobs } from '../src/runtime.ts';
import { onCleanup, runBench } from './lib/cleanup.ts';
import { createTargets, intakePayload, submission, type Target, USER_AGENT } from './lib/intake.ts';
import { insertLeads, SURNAMES } from './lib/leads-data.ts';
import {
  admin,
  createDatabase,
  databaseExists,
  describePostgres,
  dropDatabase,
  urlFor,
} from './lib/scratch.ts';
import { BENCH_PEPPER, startServer } from './lib/server.ts';
import { ms, Samples, table } from './lib/stats.ts';

const LEADS = Number(process.env.BENCH_LEADS ?? 2_000_000);
const ACCOUNTS = Number(process.env.BENCH_LEAD_ACCOUNTS ?? 1000);
const BIG_ACCOUNTS = 5;
const BIG_SHARE = 0.1;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const MEASURE_SECONDS = Number(process.env.BENCH_MEASURE_SECONDS ?? 12);
const WALK_PAGES = Number(process.env.BENCH_WALK_PAGES ?? 200);
const LOAD_CONNECTIONS = 2;
const TEMPLATE =
  process.env.BENCH_TEMPLATE ??
  (LEADS === 2_000_000 && ACCOUNTS === 1000
    ? 'porchlight_bench_leads_tpl'
    : `porchlight_bench_leads_tpl_${LEADS}_${ACCOUNTS}`);
const MARKER = `porchlight-bench-leads v1 leads=${LEADS} accounts=${ACCOUNTS} big=${BIG_ACCOUNTS}x${BIG_SHARE}`;

// ---------------------------------------------------------------------------------------------
// The template.

async function templateIsCurrent(): Promise<boolean> {
  if (!(await databaseExists(TEMPLATE))) return false;
  const [row] = await admin<{ c: string | null }>(
    `SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1`,
    [TEMPLATE],
  );
  if (row?.c !== MARKER) return false;
  const client = new pg.Client({ connectionString: urlFor(TEMPLATE) });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM leads');
    return Number(rows[0]!.n) === LEADS;
  } finally {
    await client.end();
  }
}

async function buildTemplate(): Promise<void> {
  const started = Date.now();
  const build = `porchlight_bench_leads_build_${process.pid}`;
  const url = await createDatabase(build);
  const dropBuild = onCleanup(`drop ${build}`, () => dropDatabase(build));
  const db = await openPostgres(url, 8);
  try {
    await migrate(db);
    const jobs = createJobQueue({ db, logger: createLogger('silent'), jobs: allJobs, supervise: false });
    await jobs.start();
    await jobs.stop(1000);
    const targets = await createTargets(db, ACCOUNTS);
    console.log(`  ${ACCOUNTS} accounts and pages in ${((Date.now() - started) / 1000).toFixed(0)} s`);

    // Secondary indexes are built after the load: faster than keeping them up row by row.
    const { rows: indexes } = await db.query<{ name: string; def: string }>(
      `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def FROM pg_index x
         JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = 'public.leads'::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`,
    );
    for (const ix of indexes) await db.query(`DROP INDEX ${ix.name}`);

    const bigSize = Math.floor(LEADS * BIG_SHARE);
    const rest = LEADS - bigSize * BIG_ACCOUNTS;
    const small = targets.length - BIG_ACCOUNTS;
    const chunks: { target: Target; count: number }[] = [];
    targets.forEach((target, i) => {
      let count =
        i < BIG_ACCOUNTS ? bigSize : Math.floor(rest / small) + (i - BIG_ACCOUNTS < rest % small ? 1 : 0);
      while (count > 0) {
        const n = Math.min(count, 50_000);
        chunks.push({ target, count: n });
        count -= n;
      }
    });
    const loadStarted = Date.now();
    let next = 0;
    let done = 0;
    let reported = 0;
    await Promise.all(
      Array.from({ length: LOAD_CONNECTIONS }, async () => {
        const client = new pg.Client({ connectionString: url, application_name: 'porchlight-bench-load' });
        await client.connect();
        try {
          await client.query("SET synchronous_commit = off; SET work_mem = '64MB'");
          while (next < chunks.length) {
            const i = next++;
            const c = chunks[i]!;
            await insertLeads(client, c.target.accountId, c.target.pageId, c.count, (i % 1000) / 1000);
            done += c.count;
            if (done - reported >= LEADS / 10) {
              reported = done;
              const s = (Date.now() - loadStarted) / 1000;
              console.log(`  ${done} leads in ${s.toFixed(0)} s (${(done / s).toFixed(0)}/s)`);
            }
          }
        } finally {
          await client.end();
        }
      }),
    );
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    console.log(
      `  loaded ${done} leads in ${loadSeconds.toFixed(0)} s (${(done / loadSeconds).toFixed(0)}/s)`,
    );
    const indexStarted = Date.now();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query("SET maintenance_work_mem = '1GB'; SET max_parallel_maintenance_workers = 2");
      for (const ix of indexes) {
        const t = Date.now();
        await client.query(ix.def);
        console.log(`  ${ix.name}: ${((Date.now() - t) / 1000).toFixed(0)} s`);
      }
      console.log(`  indexes built in ${((Date.now() - indexStarted) / 1000).toFixed(0)} s`);
      await client.query('VACUUM (ANALYZE) leads');
      await client.query('ANALYZE');
    } finally {
      await client.end();
    }
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM leads');
    if (Number(rows[0]!.n) !== LEADS) throw new Error(`loaded ${rows[0]!.n} leads, expected ${LEADS}`);
  } finally {
    await db.close();
  }
  await admin(`COMMENT ON DATABASE ${build} IS '${MARKER}'`);
  await dropDatabase(TEMPLATE);
  await admin(`ALTER DATABASE ${build} RENAME TO ${TEMPLATE}`);
  dropBuild();
  const [size] = await admin<{ s: string }>('SELECT pg_size_pretty(pg_database_size($1)) AS s', [TEMPLATE]);
  console.log(`template ${TEMPLATE} built in ${((Date.now() - started) / 1000).toFixed(0)} s (${size!.s})`);
}

// ---------------------------------------------------------------------------------------------
// Measuring.

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

function request(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string }> {
  const u = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

type Pair = { http: Samples; sql: Samples; rows: number; samples: number; errors: string[] };

async function timed<T>(fn: () => Promise<T>, into: Samples): Promise<T> {
  const t0 = process.hrtime.bigint();
  const result = await fn();
  into.add(Number(process.hrtime.bigint() - t0) / 1e6);
  return result;
}

/** HTTP then SQL, sample by sample; `step(i)` does one of each and returns the rows seen. */
async function interleaved(
  step: (i: number, h: Samples, s: Samples) => Promise<number>,
  options: { samples?: number; warmup?: number } = {},
): Promise<Pair> {
  const warm = { h: new Samples(), s: new Samples() };
  for (let i = 0; i < (options.warmup ?? 5); i++) await step(-1 - i, warm.h, warm.s);
  const pair: Pair = { http: new Samples(), sql: new Samples(), rows: 0, samples: 0, errors: [] };
  const deadline = Date.now() + MEASURE_SECONDS * 1000;
  const samples = options.samples ?? SAMPLES;
  for (let i = 0; i < samples && (i < 20 || Date.now() < deadline); i++) {
    try {
      pair.rows = await step(i, pair.http, pair.sql);
      pair.samples++;
    } catch (error) {
      pair.errors.push((error as Error).message);
      if (pair.errors.length > 5) break;
    }
  }
  return pair;
}

type ExplainNode = {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Total Time'?: number;
  'Rows Removed by Filter'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: ExplainNode[];
};

/** One line: the plan's nodes (index names in brackets), rows removed, buffers, time. */
function summarisePlan(plan: { Plan: ExplainNode; 'Execution Time': number }): string {
  const nodes: string[] = [];
  let removed = 0;
  const walk = (n: ExplainNode, depth: number) => {
    nodes.push(`${n['Node Type']}${n['Index Name'] ? ` [${n['Index Name']}]` : ''}`);
    removed += n['Rows Removed by Filter'] ?? 0;
    for (const c of n.Plans ?? []) walk(c, depth + 1);
  };
  walk(plan.Plan, 0);
  const hit = plan.Plan['Shared Hit Blocks'] ?? 0;
  const read = plan.Plan['Shared Read Blocks'] ?? 0;
  return `${nodes.join(' > ')}; ${removed} rows removed by filter; buffers hit ${hit} read ${read}; ${plan['Execution Time'].toFixed(1)} ms`;
}

async function main() {
  console.log(
    `node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(await describePostgres());
  if (process.env.BENCH_REBUILD === '1' || !(await templateIsCurrent())) {
    console.log(`building template ${TEMPLATE}: ${MARKER}`);
    await buildTemplate();
  } else {
    console.log(`reusing template ${TEMPLATE} (${MARKER})`);
  }

  const name = `porchlight_bench_leads_${process.pid}`;
  let t = Date.now();
  const url = await createDatabase(name, TEMPLATE);
  onCleanup(`drop ${name}`, () => dropDatabase(name));
  console.log(`copied the template to ${name} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  const db: Database = await openPostgres(url, 4);
  onCleanup('close the set-up pool', () => db.close());
  const applied = await migrate(db);
  if (applied.length) console.log(`migrations applied to the copy: ${applied.join(', ')}`);
  if (applied.length) {
    t = Date.now();
    await db.query('ANALYZE leads');
    console.log(`analyzed in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  }

  const { rows: sizes } = await db.query<{ account_id: string; n: number }>(
    'SELECT account_id, count(*)::int AS n FROM leads GROUP BY 1 ORDER BY 2 DESC',
  );
  const big = sizes[0]!;
  const smallest = sizes[sizes.length - 1]!;
  const accountInfo = async (accountId: string) => {
    const { rows } = await db.query<{ slug: string; page_id: string; page_slug: string; owner: string }>(
      `SELECT a.slug, p.id AS page_id, p.slug AS page_slug, m.user_id AS owner FROM accounts a
         JOIN capture_pages p ON p.account_id = a.id JOIN memberships m ON m.account_id = a.id AND m.role = 'owner'
        WHERE a.id = $1 LIMIT 1`,
      [accountId],
    );
    const r = rows[0]!;
    return {
      target: { accountId, accountSlug: r.slug, pageId: r.page_id, pageSlug: r.page_slug } as Target,
      owner: r.owner,
    };
  };
  const bigInfo = await accountInfo(big.account_id);
  const smallInfo = await accountInfo(smallest.account_id);
  console.log(`big account: ${big.n} leads; smallest: ${smallest.n} leads; ${sizes.length} accounts`);
  const newKey = async () =>
    (
      await createApiKey(db, {
        accountId: big.account_id,
        name: 'bench',
        scopes: ['leads:read'],
        createdByUserId: bigInfo.owner,
        ipHash: null,
        pepper: BENCH_PEPPER,
      })
    ).key;

  t = Date.now();
  const server = await startServer(
    {
      DATABASE_URL: url,
      LOG_LEVEL: 'warn',
      WORKER_MODE: 'off',
      DATABASE_POOL_SIZE: '8',
      TRUST_PROXY: 'true',
      INTAKE_RATE_PER_PAGE: '1000000/1h',
      INTAKE_RATE_PER_ACCOUNT: '1000000/1h',
      INTAKE_MIN_FILL_SECONDS: '0',
    },
    { label: 'leads' },
  );
  console.log(`server (pid ${server.pid}) ready in ${server.readyMs} ms`);

  const raw = new pg.Client({ connectionString: url, application_name: 'porchlight-bench-raw' });
  await raw.connect();
  onCleanup('close the raw client', () => raw.end());
  const builder = drizzle({ client: raw }) as unknown as Tx;
  const tenant = (accountId: string) =>
    `BEGIN;SET LOCAL ROLE porchlight_app; SET LOCAL app.account_id = '${accountId}';`;

  const dialect = new PgDialect();
  /**
   * What GET /api/v1/leads runs for this query string, run raw in the open transaction: for a
   * search, the id lookup (porchlight_search_lead_ids) and then the page; else the page. Answers
   * the number of rows.
   */
  const routeStatements = async (query: Record<string, string>) => {
    const { limit, cursor, counts: _counts, ...filters } = leadListQuery.parse(query);
    const at = cursor ? decodeCursor(cursor) : undefined;
    let ids: string[] | undefined;
    if (filters.q !== undefined) {
      const search = dialect.sqlToQuery(searchLeadIdsSql(filters.q, filters, limit + 1, at));
      ids = (await raw.query<{ id: string }>(search.sql, search.params)).rows.map((r) => r.id);
      if (ids.length === 0) return 0;
    }
    const page = selectLeads(builder, big.account_id, filters, limit, at, ids).toSQL();
    return (await raw.query(page.sql, page.params)).rows.length;
  };
  const runRaw = async (query: Record<string, string>, into: Samples) =>
    timed(async () => {
      await raw.query(tenant(big.account_id));
      try {
        const rows = await routeStatements(query);
        await raw.query('COMMIT');
        return rows;
      } catch (error) {
        await raw.query('ROLLBACK');
        throw error;
      }
    }, into);
  const list = async (key: string, query: Record<string, string>, h: Samples, s: Samples) => {
    const path = `/api/v1/leads?${new URLSearchParams(query)}`;
    const res = await timed(() => request(server.url, 'GET', path, { authorization: `Bearer ${key}` }), h);
    if (res.status !== 200) throw new Error(`${res.status} ${res.body.slice(0, 200)}`);
    const body = JSON.parse(res.body) as { data: unknown[]; nextCursor: string | null };
    const rows = await runRaw(query, s);
    if (rows !== Math.min(body.data.length + (body.nextCursor ? 1 : 0), Number(query.limit ?? 50) + 1)) {
      throw new Error(`HTTP answered ${body.data.length} leads, SQL ${rows} rows`);
    }
    return body;
  };
  /**
   * The plans of the route's statements as the app runs them (RLS on), nested ones included
   * (the search function's), from auto_explain sent to this client as notices.
   */
  const explain = async (query: Record<string, string>) => {
    const notices: string[] = [];
    const onNotice = (n: { message?: string }) => {
      if (n.message) notices.push(n.message);
    };
    raw.on('notice', onNotice);
    await raw.query(
      "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on;" +
        ' SET auto_explain.log_buffers = on; SET auto_explain.log_nested_statements = on;' +
        " SET auto_explain.log_format = 'json'; SET auto_explain.log_level = 'notice'",
    );
    await raw.query(tenant(big.account_id));
    try {
      await routeStatements(query);
    } finally {
      await raw.query('ROLLBACK');
      await raw.query('RESET auto_explain.log_min_duration');
      raw.off('notice', onNotice);
    }
    return notices
      .map((m) => JSON.parse(m.slice(m.indexOf('{'))) as { 'Query Text': string; Plan: ExplainNode })
      .filter(
        (p) => p['Query Text'].startsWith('select') || p['Query Text'].startsWith('SELECT id FROM leads'),
      )
      .map((p) => {
        const nested = p['Query Text'].startsWith('SELECT id FROM leads') ? 'search function: ' : '';
        return `${nested}${summarisePlan({ Plan: p.Plan, 'Execution Time': p.Plan['Actual Total Time'] ?? 0 })}`;
      })
      .join(' | ');
  };

  const results: { label: string; pair: Pair }[] = [];
  const plans: string[] = [];

  // (1) Newest page.
  let key = await newKey();
  const newest = { limit: '50' };
  results.push({
    label: '(1) newest 50: ?limit=50',
    pair: await interleaved(async (_i, h, s) => (await list(key, newest, h, s)).data.length),
  });
  plans.push(`(1) ${await explain(newest)}`);
  console.log('(1) done');

  // (2) A walk along nextCursor.
  key = await newKey();
  let cursor: string | null = null;
  let deepest: Record<string, string> = newest;
  results.push({
    label: `(2) walk: next ${WALK_PAGES} pages by nextCursor`,
    pair: await interleaved(
      async (i, h, s) => {
        const query: Record<string, string> = cursor ? { limit: '50', cursor } : { limit: '50' };
        const body = await list(key, query, i < 0 ? new Samples() : h, i < 0 ? new Samples() : s);
        if (i >= 0) {
          deepest = query;
          cursor = body.nextCursor;
        }
        return body.data.length;
      },
      { samples: WALK_PAGES, warmup: 1 },
    ),
  });
  plans.push(`(2) at ${WALK_PAGES * 50} rows deep: ${await explain(deepest)}`);
  console.log('(2) done');

  // (2') A page at 75% of the account's depth.
  const depth = Math.floor(big.n * 0.75);
  const { rows: at } = await db.query<{ at: string; id: string }>(
    `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, id FROM leads
      WHERE account_id = $1 AND status <> 'spam' ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`,
    [big.account_id, depth],
  );
  const old = { limit: '50', cursor: encodeCursor({ at: at[0]!.at, id: at[0]!.id }) };
  key = await newKey();
  results.push({
    label: `(2') a page ${depth} rows deep (built cursor)`,
    pair: await interleaved(async (_i, h, s) => (await list(key, old, h, s)).data.length),
  });
  plans.push(`(2') ${await explain(old)}`);
  console.log("(2') done");

  // (3) Search.
  const searches: [string, string][] = [
    ['common surname', SURNAMES[0]!],
    ['rare surname', SURNAMES[SURNAMES.length - 1]!],
    ['no match', 'Zzyzx'],
  ];
  for (const [what, q] of searches) {
    key = await newKey();
    const query = { limit: '50', q };
    results.push({
      label: `(3) ?q=${q} (${what})`,
      pair: await interleaved(async (_i, h, s) => (await list(key, query, h, s)).data.length),
    });
    plans.push(`(3) q=${q}: ${await explain(query)}`);
    console.log(`(3) ${q} done`);
  }

  // (4) Intake into the big account and into the smallest: HTTP, then raw SQL.
  for (const [what, info] of [
    ['big', bigInfo],
    ['small', smallInfo],
  ] as const) {
    const targets = [info.target];
    results.push({
      label: `(4) intake into the ${what} account (${what === 'big' ? big.n : smallest.n} leads)`,
      pair: await interleaved(
        async (_i, h, s) => {
          const j = submission(targets, `l${what}`);
          const res = await timed(
            () =>
              request(
                server.url,
                'POST',
                `/api/v1/public/pages/${j.target.pageId}/leads`,
                { 'content-type': 'application/json', 'x-forwarded-for': j.ip, 'user-agent': USER_AGENT },
                JSON.stringify({ fullName: j.fullName, email: j.email, phone: j.phone }),
              ),
            h,
          );
          if (res.status !== 201) throw new Error(`${res.status} ${res.body.slice(0, 200)}`);
          const r = submission(targets, `l${what}`);
          await timed(async () => {
            await raw.query(tenant(r.target.accountId));
            const { rows } = await raw.query<{ r: { outcome: string } }>(
              'SELECT porchlight_intake($1::jsonb) AS r',
              [JSON.stringify(intakePayload(r))],
            );
            await raw.query('COMMIT');
            if (rows[0]?.r.outcome !== 'created') throw new Error(`outcome ${rows[0]?.r.outcome}`);
          }, s);
          return 1;
        },
        { samples: Math.min(SAMPLES, 100) },
      ),
    });
    console.log(`(4) ${what} done`);
  }
  // The dedupe lookup of porchlight_intake, as it runs there (generic plan: parameters).
  await raw.query(tenant(big.account_id));
  try {
    await raw.query(
      `PREPARE dedupe(uuid, text, text, int) AS SELECT id FROM (
            (SELECT id, last_submitted_at FROM leads WHERE $2 IS NOT NULL AND account_id = $1 AND email_key = lower($2)
               AND status <> 'spam' AND last_submitted_at > now() - $4 * interval '1 day'
             ORDER BY last_submitted_at DESC LIMIT 1)
            UNION ALL
            (SELECT id, last_submitted_at FROM leads WHERE $3 IS NOT NULL AND account_id = $1 AND phone_e164 = $3
               AND status <> 'spam' AND last_submitted_at > now() - $4 * interval '1 day'
             ORDER BY last_submitted_at DESC LIMIT 1)) found ORDER BY last_submitted_at DESC LIMIT 1`,
    );
    await raw.query('SET LOCAL plan_cache_mode = force_generic_plan');
    const { rows } = await raw.query<{ 'QUERY PLAN': [{ Plan: ExplainNode; 'Execution Time': number }] }>(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE dedupe('${big.account_id}', 'jane.doe@example.com', '+15125550100', 30)`,
    );
    plans.push(
      `(4) the intake dedupe lookup in the big account: ${summarisePlan(rows[0]!['QUERY PLAN'][0])}`,
    );
  } finally {
    await raw.query('ROLLBACK');
    await raw.query('DEALLOCATE ALL');
  }

  await server.stop();

  console.log('');
  console.log(
    table(
      [
        'query',
        'HTTP p50 ms',
        'HTTP p99 ms',
        'SQL p50 ms',
        'SQL p99 ms',
        'HTTP − SQL p50 ms',
        'SQL/HTTP p50',
        'rows',
        'samples',
      ],
      results.map(({ label, pair }) => {
        const h = pair.http.summary();
        const s = pair.sql.summary();
        return [
          label,
          ms(h.p50),
          ms(h.p99),
          ms(s.p50),
          ms(s.p99),
          ms(h.p50 - s.p50),
          (s.p50 / h.p50).toFixed(2),
          pair.rows,
          pair.samples,
        ];
      }),
    ),
  );
  console.log('\nEXPLAIN (ANALYZE, BUFFERS), as the app role with the tenant set unless said:');
  for (const p of plans) console.log(`  ${p}`);
  const errors = results.flatMap((r) => r.pair.errors.map((e) => `${r.label}: ${e}`));
  if (errors.length) {
    console.log('\nerrors:');
    for (const e of errors) console.log(`  ${e}`);
    process.exitCode = 1;
  }
}

onCleanup('close the HTTP agent', () => agent.destroy());
await runBench(main);
