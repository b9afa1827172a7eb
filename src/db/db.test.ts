import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.ts';
import { auditTenancy } from './audit.ts';
import { pendingMigrations } from './migrate.ts';
import { maintainEmbedded } from './statistics.ts';
import { InvalidTenantError, withSystem, withTenant } from './tenant.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.destroy());

describe('database', () => {
  it('is migrated and passes the tenancy audit', async () => {
    expect(await pendingMigrations(db)).toEqual([]);
    expect(await auditTenancy(db)).toEqual([]);
  });

  it('runs tenant work as porchlight_app with the tenant set for the transaction only', async () => {
    const id = '0b6f3a4e-52a8-4d57-9a55-0f3b7f5a7c11';
    const inside = await withTenant(db, id, async (tx) => {
      const r = (await tx.execute(
        sql`select current_user as "user", current_setting('app.account_id', true) as tenant`,
      )) as unknown as { rows: { user: string; tenant: string }[] };
      return r.rows[0];
    });
    expect(inside).toEqual({ user: 'porchlight_app', tenant: id });
    const after = await db.query<{ tenant: string | null }>(
      `select nullif(current_setting('app.account_id', true), '') as tenant`,
    );
    expect(after.rows[0]?.tenant ?? null).toBeNull();
  });

  it('reads in one snapshot when asked: repeatable read, read only, still the tenant', async () => {
    const id = '0b6f3a4e-52a8-4d57-9a55-0f3b7f5a7c11';
    const seen = await withTenant(
      db,
      id,
      async (_tx, client) =>
        (
          await client.query<{ iso: string; ro: string; tenant: string }>(
            `select current_setting('transaction_isolation') as iso, current_setting('transaction_read_only') as ro,
                    current_setting('app.account_id', true) as tenant`,
          )
        ).rows[0],
      { snapshot: true },
    );
    expect(seen).toEqual({ iso: 'repeatable read', ro: 'on', tenant: id });
    const plain = await withTenant(db, id, async (_tx, client) => {
      return (await client.query<{ iso: string }>(`select current_setting('transaction_isolation') as iso`))
        .rows[0];
    });
    expect(plain).toEqual({ iso: 'read committed' });
  });

  it('refuses an account id that is not a uuid before any SQL runs', () => {
    expect(() => withTenant(db, "x'; drop table leads; --", async () => 1)).toThrow(InvalidTenantError);
  });

  it('reports each use of the cross-tenant path', async () => {
    const reasons: string[] = [];
    db.onSystemUse = (reason) => reasons.push(reason);
    const plans = await withSystem(db, 'test: list plans', async (_tx, client) => {
      return (await client.query<{ code: string }>('select code from plans order by sort_order')).rows;
    });
    db.onSystemUse = undefined;
    expect(plans.map((p) => p.code)).toEqual(['trial', 'booster', 'pro', 'team']);
    expect(reasons).toEqual(['test: list plans']);
  });
});

describe('the embedded database’s housekeeping', () => {
  it('reclaims, marks pages all-visible and counts rows: what autovacuum does on a server', async () => {
    await db.query(`UPDATE plans SET name = name`); // dead row versions to reclaim
    await maintainEmbedded(db);
    // The update cleared its pages' all-visible marks; only a VACUUM sets them again.
    const { rows } = await db.query<{ visible: number; tuples: number }>(
      `SELECT relallvisible::int AS visible, reltuples::int AS tuples FROM pg_class WHERE relname = 'plans'`,
    );
    expect(rows[0]!.visible).toBeGreaterThan(0);
    expect(rows[0]!.tuples).toBeGreaterThan(0);
  });
});

describe('migrations', () => {
  it('applies nothing when one migration of a batch fails, and names it', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { MIGRATIONS_FOLDER, MigrationError, migrate } = await import('./migrate.ts');
    // The real migrations plus two more: one that works, then one that fails.
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-migrations-'));
    fs.cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
    const journalFile = path.join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8'));
    const last = journal.entries[journal.entries.length - 1];
    const extra = [
      { tag: '9000_fine', sql: 'CREATE TABLE migration_probe (id int);' },
      { tag: '9001_broken', sql: 'ALTER TABLE no_such_table ADD COLUMN x int;' },
    ];
    extra.forEach((m, i) => {
      fs.writeFileSync(path.join(folder, `${m.tag}.sql`), m.sql);
      journal.entries.push({ ...last, idx: last.idx + 1 + i, when: last.when + 1 + i, tag: m.tag });
    });
    fs.writeFileSync(journalFile, JSON.stringify(journal));
    try {
      const error = await migrate(db, folder).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as Error).message).toContain('9001_broken');
      const probe = await db.query(`SELECT to_regclass('public.migration_probe') AS t`);
      expect(probe.rows[0]).toEqual({ t: null });
      expect(await pendingMigrations(db, folder)).toEqual(['9000_fine', '9001_broken']);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
