import fs from 'node:fs';
import path from 'node:path';
import { PGlite, type Transaction as PGliteTransaction } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { citext } from '@electric-sql/pglite/contrib/citext';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';

export type Engine = 'pglite' | 'postgres';

/**
 * The handle a transaction's work is done through: Drizzle's query builder over the one
 * connection that holds the transaction. Repos take it as their first argument.
 */
export type Tx = PgDatabase<PgQueryResultHKT>;

export type QueryResult<T> = { rows: T[]; rowCount: number };

/** A connection that can run parameterised SQL text (pg-boss and raw statements use this). */
export type SqlClient = {
  query<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResult<T>>;
};

/**
 * A database the application owns. Only `db/` and `platform/jobs` use it directly:
 * everything else goes through `withTenant` / `withSystem`, which open the transaction.
 */
export type Database = {
  readonly engine: Engine;
  /** Runs one statement as the connecting user (the owner). Migrations, jobs, health. */
  query<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResult<T>>;
  /** Runs `setupSql` (SET LOCAL … statements) then `fn` inside one transaction. */
  transaction<T>(setupSql: string, fn: (tx: Tx, client: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Called on every use of the cross-tenant path (`withSystem`), so each use is logged. */
  onSystemUse?: ((reason: string) => void) | undefined;
};

type PgliteOptions = { dataDir?: string; loadDataDir?: Blob | File };

export function pgliteExtensions() {
  return { btree_gin, citext, pg_trgm, pgcrypto };
}

/** PGlite, persisted to `dataDir` (or in memory, or cloned from a dump for tests). */
export async function openPglite(options: PgliteOptions = {}): Promise<Database & { pglite: PGlite }> {
  if (options.dataDir) fs.mkdirSync(path.dirname(options.dataDir), { recursive: true });
  const pglite = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    extensions: pgliteExtensions(),
  });
  const run = async <T>(client: PGlite | PGliteTransaction, text: string, values?: unknown[]) => {
    // PGlite's extended protocol takes one statement; parameterless text may hold several.
    if (!values || values.length === 0) {
      const results = await client.exec(text);
      const last = results[results.length - 1];
      return { rows: (last?.rows ?? []) as T[], rowCount: last?.affectedRows || last?.rows.length || 0 };
    }
    const result = await client.query<T>(text, values);
    return { rows: result.rows, rowCount: result.affectedRows || result.rows.length };
  };
  let closed = false;
  return {
    engine: 'pglite',
    pglite,
    query: (text, values) => run(pglite, text, values),
    transaction: (setupSql, fn) =>
      pglite.transaction(async (t) => {
        if (setupSql) await t.exec(setupSql);
        const client: SqlClient = { query: (text, values) => run(t, text, values) };
        return fn(drizzlePglite({ client: t as unknown as PGlite }) as unknown as Tx, client);
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      await pglite.close();
    },
  };
}

/** A real PostgreSQL server through a connection pool. */
export async function openPostgres(url: string, poolSize = 10): Promise<Database & { pool: pg.Pool }> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: 'porchlight' });
  // An idle client's error (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  let closed = false;
  return {
    engine: 'postgres',
    pool,
    query: async (text, values) => {
      const result = await pool.query(text, values);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    },
    transaction: async (setupSql, fn) => {
      const conn = await pool.connect();
      let broken = false;
      try {
        // One round trip opens the transaction and sets its role and tenant (simple protocol).
        await conn.query(`BEGIN;${setupSql}`);
        const client: SqlClient = {
          query: async (text, values) => {
            const r = await conn.query(text, values);
            return { rows: r.rows, rowCount: r.rowCount ?? 0 };
          },
        };
        const result = await fn(drizzlePg({ client: conn }) as unknown as Tx, client);
        await conn.query('COMMIT');
        return result;
      } catch (error) {
        await conn.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        conn.release(broken);
      }
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

export type OpenDatabaseOptions = { databaseUrl?: string | undefined; dataDir: string; poolSize?: number };

/** PostgreSQL when a URL is given, otherwise PGlite under `<dataDir>/db`. */
export function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize);
  return openPglite({ dataDir: path.join(options.dataDir, 'db') });
}
