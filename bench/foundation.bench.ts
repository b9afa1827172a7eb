/**
 * Foundation benchmark: what the tenancy helper and the HTTP stack cost, each as a ratio to a
 * baseline measured in the same run (these machines are shared and noisy: compare ratios).
 *
 *   npx tsx bench/foundation.bench.ts            # PGlite, plus PostgreSQL when BENCH_DATABASE_URL is set
 *   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test npx tsx bench/foundation.bench.ts
 *
 * 1. Insert one lead in a transaction. Baseline: the raw driver sending BEGIN / INSERT / COMMIT
 *    as the owner. Porchlight: withTenant (SET LOCAL ROLE + tenant, RLS checked) + Drizzle insert.
 * 2. Read the newest 50 leads of an account. Baseline: the same SELECT in a transaction on the
 *    raw driver as the owner. Porchlight: withTenant + Drizzle select (rows mapped to objects).
 * 3. GET /healthz through buildApp (Fastify, hooks, schemas) vs a bare node:http server.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { desc, eq } from 'drizzle-orm';
import { buildApp } from '../src/app.ts';
import { testConfig } from '../src/config.ts';
import { type Database, openPglite, openPostgres } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { leads } from '../src/db/schema/index.ts';
import { withTenant } from '../src/db/tenant.ts';
import { createAccountWithOwner } from '../src/modules/accounts/accounts.service.ts';
import { createLogger } from '../src/platform/logger.ts';

const OPS = Number(process.env.BENCH_OPS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

async function timed(concurrency: number, ops: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ops) await op(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return ops / seconds;
}

/** Runs baseline and candidate alternately, three rounds each, and keeps each one's best. */
async function compare(
  label: string,
  concurrency: number,
  baseline: (i: number) => Promise<unknown>,
  candidate: (i: number) => Promise<unknown>,
) {
  await timed(concurrency, Math.min(200, OPS), baseline); // warm up
  await timed(concurrency, Math.min(200, OPS), candidate);
  let base = 0;
  let cand = 0;
  for (let round = 0; round < 3; round++) {
    base = Math.max(base, await timed(concurrency, OPS, baseline));
    cand = Math.max(cand, await timed(concurrency, OPS, candidate));
  }
  console.log(
    `${label.padEnd(62)} baseline ${base.toFixed(0).padStart(7)}/s  porchlight ${cand.toFixed(0).padStart(7)}/s  ratio ${(cand / base).toFixed(2)}`,
  );
}

async function benchDatabase(db: Database, label: string, concurrency: number) {
  await migrate(db);
  const slug = `bench-${crypto.randomBytes(4).toString('hex')}`;
  const { account } = await createAccountWithOwner(db, {
    name: 'Bench',
    slug,
    owner: { email: `${slug}@example.test`, name: 'Bench', passwordHash: null },
  });
  const accountId = account.id;
  const insertSql =
    'INSERT INTO leads (account_id, id, source, full_name, email, phone_e164) VALUES ($1, $2, $3, $4, $5, $6)';
  const values = (i: number) => [
    accountId,
    crypto.randomUUID(),
    'api',
    `Lead ${i}`,
    `lead${i}@example.test`,
    '+15555550123',
  ];

  await compare(
    `${label}: insert a lead in a transaction (c=${concurrency})`,
    concurrency,
    (i) =>
      db.transaction('', async (_tx, client) => {
        await client.query(insertSql, values(i));
      }),
    (i) =>
      withTenant(db, accountId, async (tx) => {
        const [a, id, source, fullName, email, phoneE164] = values(i) as string[];
        await tx
          .insert(leads)
          .values({ accountId: a!, id: id!, source: source!, fullName, email, phoneE164 });
      }),
  );

  const selectSql = 'SELECT * FROM leads WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT 50';
  await db.query('ANALYZE leads');
  // The same SQL text through withTenant: separates the tenancy cost from Drizzle's mapping.
  await compare(
    `${label}: newest 50 leads, withTenant with raw SQL (c=${concurrency})`,
    concurrency,
    () => db.transaction('', (_tx, client) => client.query(selectSql, [accountId])),
    () => withTenant(db, accountId, (_tx, client) => client.query(selectSql, [accountId])),
  );
  await compare(
    `${label}: newest 50 leads of an account (c=${concurrency})`,
    concurrency,
    () => db.transaction('', (_tx, client) => client.query(selectSql, [accountId])),
    () =>
      withTenant(db, accountId, (tx) =>
        tx
          .select()
          .from(leads)
          .where(eq(leads.accountId, accountId))
          .orderBy(desc(leads.createdAt), desc(leads.id))
          .limit(50),
      ),
  );
}

async function benchHttp() {
  const bare = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end('{"status":"ok"}');
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const db = await openPglite();
  const app = await buildApp({ config: testConfig(), db, logger: createLogger('silent') });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const get = (port: number) =>
    new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/healthz', agent }, (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(String(res.statusCode))),
          );
        })
        .on('error', reject);
    });
  const barePort = (bare.address() as AddressInfo).port;
  const appPort = (app.server.address() as AddressInfo).port;
  await compare(
    `http: GET /healthz, Fastify app vs bare node:http (c=16)`,
    16,
    () => get(barePort),
    () => get(appPort),
  );
  agent.destroy();
  await app.close();
  await db.close();
  await new Promise((r) => bare.close(r));
}

console.log(`ops per measurement: ${OPS}; best of 3 rounds each; node ${process.version}`);
const pglite = await openPglite();
await benchDatabase(pglite, 'pglite', 1);
await pglite.close();
const url = process.env.BENCH_DATABASE_URL;
if (url) {
  const admin = await openPostgres(url, 1);
  const name = `porchlight_bench_${process.pid}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  const pg = await openPostgres(u.toString(), CONCURRENCY);
  try {
    await benchDatabase(pg, 'postgres', 1);
    await benchDatabase(pg, 'postgres', CONCURRENCY);
  } finally {
    await pg.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.close();
  }
}
await benchHttp();
