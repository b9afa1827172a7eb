import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.ts';
import { auditTenancy } from './audit.ts';
import { pendingMigrations } from './migrate.ts';
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
