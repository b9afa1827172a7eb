import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openPglite, openPostgres } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { buildDashboard } from './browser.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    postgresTemplate: string;
  }
}

/**
 * Builds the dashboard (for the browser tests) and migrates one template per engine, once per run; each test file clones it (PGlite: from a
 * data-dir dump, about 0.5 s; PostgreSQL: CREATE DATABASE … TEMPLATE), so files run in parallel.
 */
export default async function setup(project: TestProject) {
  const engine = project.name === 'postgres' ? 'postgres' : 'pglite';
  const cleanups: (() => Promise<void>)[] = [];
  if (engine === 'pglite') {
    // The dashboard, built once before any browser test (several building at once would race
    // on web/dist); only when web/ changed since the last build. SKIP_DASHBOARD_BUILD=1 leaves
    // web/dist as it is (a run of server tests only, while another build is going on).
    if (process.env.SKIP_DASHBOARD_BUILD !== '1') buildDashboard();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-test-'));
    const db = await openPglite();
    await migrate(db);
    const dump = await db.pglite.dumpDataDir('none');
    await db.close();
    const file = path.join(dir, 'template.tar');
    fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    project.provide('pgliteTemplate', file);
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  } else {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) throw new Error('TEST_ENGINE=postgres needs TEST_DATABASE_URL');
    const name = `porchlight_tpl_${process.pid}`;
    const admin = await openPostgres(url, 1);
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
    const templateUrl = withDatabase(url, name);
    const db = await openPostgres(templateUrl, 1);
    await migrate(db);
    await db.close();
    project.provide('postgresTemplate', name);
    cleanups.push(async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
    });
  }
  return async () => {
    for (const c of cleanups) await c();
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
