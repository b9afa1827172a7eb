/** Scratch PostgreSQL databases for benchmarks: created from an admin URL, dropped afterwards. */
import pg from 'pg';

/** The admin connection (any database of the cluster); scratch databases are made beside it. */
export const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ??
  process.env.DATABASE_URL ??
  'postgresql://postgres@127.0.0.1:5432/postgres';

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function urlFor(name: string, adminUrl = ADMIN_URL): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Runs statements on a short-lived admin connection. */
export async function admin<T extends pg.QueryResultRow = Record<string, unknown>>(
  text: string,
  values?: unknown[],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: ADMIN_URL, application_name: 'porchlight-bench' });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

function checkName(name: string): string {
  if (!NAME.test(name)) throw new Error(`bad database name ${name}`);
  return name;
}

export async function databaseExists(name: string): Promise<boolean> {
  const rows = await admin('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return rows.length > 0;
}

/** CREATE DATABASE, optionally as a copy of a template (file copy: fast for large ones). */
export async function createDatabase(name: string, template?: string): Promise<string> {
  await admin(
    template
      ? `CREATE DATABASE ${checkName(name)} TEMPLATE ${checkName(template)} STRATEGY = FILE_COPY`
      : `CREATE DATABASE ${checkName(name)}`,
  );
  return urlFor(name);
}

export async function dropDatabase(name: string): Promise<void> {
  await admin(`DROP DATABASE IF EXISTS ${checkName(name)} WITH (FORCE)`);
}

/** `SELECT version()` and a few settings that matter to the figures. */
export async function describePostgres(): Promise<string> {
  const rows = await admin<{ v: string; sb: string; sc: string; mc: string }>(
    `SELECT split_part(version(), ' on ', 1) AS v, current_setting('shared_buffers') AS sb,
            current_setting('synchronous_commit') AS sc, current_setting('max_connections') AS mc`,
  );
  const r = rows[0]!;
  return `${r.v} (shared_buffers ${r.sb}, synchronous_commit ${r.sc}, max_connections ${r.mc})`;
}
