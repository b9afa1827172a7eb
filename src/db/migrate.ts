import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MigrationMeta, readMigrationFiles } from 'drizzle-orm/migrator';
import type { Database } from './client.ts';

export const MIGRATIONS_FOLDER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

// The same bookkeeping table drizzle-kit uses, so either tool sees the same history.
const TABLE = 'drizzle.__drizzle_migrations';
// Any constant: serialises migrators that start together (app and worker, several servers).
const LOCK_KEY = 7_160_331_904;

export class MigrationError extends Error {
  constructor(
    readonly migration: string,
    cause: unknown,
  ) {
    super(`migration ${migration} failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'MigrationError';
  }
}

const cache = new Map<string, (MigrationMeta & { tag: string })[]>();

function loadMigrations(folder: string): (MigrationMeta & { tag: string })[] {
  const cached = cache.get(folder);
  if (cached) return cached;
  const metas = readMigrationFiles({ migrationsFolder: folder });
  // readMigrationFiles keeps the journal's order; take the tags from it for messages.
  const journal = JSON.parse(fs.readFileSync(path.join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  };
  const loaded = metas.map((m, i) => ({ ...m, tag: journal.entries[i]?.tag ?? String(i) }));
  cache.set(folder, loaded);
  return loaded;
}

/**
 * Applies every pending migration in one transaction (all or nothing), as the connecting user.
 * Returns the tags applied. Throws MigrationError naming the one that failed.
 */
export async function migrate(db: Database, folder = MIGRATIONS_FOLDER): Promise<string[]> {
  const migrations = loadMigrations(folder);
  return db.transaction('', async (_tx, client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await client.query('CREATE SCHEMA IF NOT EXISTS drizzle');
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${TABLE} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`,
    );
    const last = await client.query<{ created_at: string }>(
      `SELECT created_at FROM ${TABLE} ORDER BY created_at DESC LIMIT 1`,
    );
    const lastMillis = last.rows[0] ? Number(last.rows[0].created_at) : -1;
    const applied: string[] = [];
    for (const m of migrations) {
      if (m.folderMillis <= lastMillis) continue;
      try {
        for (const statement of m.sql) {
          if (statement.trim()) await client.query(statement);
        }
      } catch (error) {
        throw new MigrationError(m.tag, error);
      }
      await client.query(`INSERT INTO ${TABLE} (hash, created_at) VALUES ($1, $2)`, [m.hash, m.folderMillis]);
      applied.push(m.tag);
    }
    return applied;
  });
}

/** Migrations in the code that the database has not applied yet (readiness checks this). */
export async function pendingMigrations(db: Database, folder = MIGRATIONS_FOLDER): Promise<string[]> {
  const migrations = loadMigrations(folder);
  let lastMillis = -1;
  try {
    const last = await db.query<{ created_at: string }>(
      `SELECT created_at FROM ${TABLE} ORDER BY created_at DESC LIMIT 1`,
    );
    lastMillis = last.rows[0] ? Number(last.rows[0].created_at) : -1;
  } catch {
    // No bookkeeping table yet: everything is pending.
  }
  return migrations.filter((m) => m.folderMillis > lastMillis).map((m) => m.tag);
}
