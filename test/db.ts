import crypto from 'node:crypto';
import fs from 'node:fs';
import { inject } from 'vitest';
import { type Database, openPglite, openPostgres } from '../src/db/client.ts';

export type TestEngine = 'pglite' | 'postgres';
export const testEngine: TestEngine = process.env.TEST_ENGINE === 'postgres' ? 'postgres' : 'pglite';

export type TestDatabase = Database & {
  /** A connection string to this file's own database (PostgreSQL only). */
  url?: string;
  /** Drops/closes the database. */
  destroy(): Promise<void>;
};

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * A freshly migrated database of this file's own, cloned from the run's template:
 * PGlite in memory, or a new PostgreSQL database. Call in beforeAll; destroy in afterAll.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (testEngine === 'pglite') {
    const tar = fs.readFileSync(inject('pgliteTemplate'));
    const db = await openPglite({ loadDataDir: new Blob([tar]) });
    return Object.assign(db, { destroy: () => db.close() });
  }
  const url = process.env.TEST_DATABASE_URL!;
  const name = `porchlight_t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = await openPostgres(url, 1);
  // Concurrent clones of one template can collide briefly; retry.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('postgresTemplate')}`);
      break;
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  const dbUrl = withDatabase(url, name);
  const db = await openPostgres(dbUrl, 5);
  return Object.assign(db, {
    url: dbUrl,
    destroy: async () => {
      await db.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
    },
  });
}
