import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../db/client.ts';
import { MIGRATIONS_FOLDER, migrate } from '../../db/migrate.ts';

/**
 * Migration 0019 on a database that already has accounts: owners move to `all` (they were always
 * emailed every unassigned lead), everyone else stays on the default `assigned`. memberships
 * forces row-level security on its owner, so the data step must work for a migrating user that
 * is not a superuser: here the table owner is such a role. Runs on embedded PGlite on either engine.
 */

const TAG = '0019_notification_preferences';
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-0019-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/**
 * A copy of the migrations folder holding only those before `tag` (or up to and including it):
 * the later ones are not this test's, and need owners this test does not set up.
 */
function migrationsUpTo(tag: string, including: boolean): string {
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8'));
  const upTo = journal.entries.findIndex((e: { tag: string }) => e.tag === tag);
  expect(upTo).toBeGreaterThan(0);
  const dir = path.join(scratch, including ? 'through' : 'before');
  fs.cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'meta', '_journal.json'),
    JSON.stringify({ ...journal, entries: journal.entries.slice(0, including ? upTo + 1 : upTo) }),
  );
  return dir;
}

describe(`migration ${TAG}`, () => {
  it("sets existing owners to 'all' and leaves everyone else on 'assigned', as a non-superuser owner", async () => {
    const db = await openPglite();
    try {
      await migrate(db, migrationsUpTo(TAG, false));
      const account = crypto.randomUUID();
      const [owner, member] = [crypto.randomUUID(), crypto.randomUUID()];
      await db.query(`INSERT INTO accounts (id, name, slug) VALUES ($1, 'Old Realty', 'old-realty')`, [
        account,
      ]);
      await db.query(
        `INSERT INTO users (id, email, name) VALUES ($1, 'old-owner@example.test', 'O'), ($2, 'old-member@example.test', 'M')`,
        [owner, member],
      );
      // As the tenant: memberships forces its policy even on the owner, so RLS is on for this too.
      await db.transaction(`SET LOCAL app.account_id = '${account}';`, (_tx, c) =>
        c.query(
          `INSERT INTO memberships (account_id, user_id, role) VALUES ($1, $2, 'owner'), ($1, $3, 'member')`,
          [account, owner, member],
        ),
      );
      // The tables the step touches belong to a role that is no superuser, which runs the migration.
      await db.query(`CREATE ROLE porchlight_test_migrator NOSUPERUSER NOBYPASSRLS`);
      await db.query(`ALTER TABLE memberships OWNER TO porchlight_test_migrator`);
      await db.query(`ALTER TABLE accounts OWNER TO porchlight_test_migrator`);
      await db.query(`GRANT USAGE, CREATE ON SCHEMA drizzle TO porchlight_test_migrator`);
      await db.query(`GRANT ALL ON ALL TABLES IN SCHEMA drizzle TO porchlight_test_migrator`);
      await db.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA drizzle TO porchlight_test_migrator`);
      await db.query(
        `GRANT CREATE ON DATABASE ${(await db.query<{ d: string }>('SELECT current_database() AS d')).rows[0]!.d} TO porchlight_test_migrator`,
      );
      await db.query('SET ROLE porchlight_test_migrator');
      expect(await migrate(db, migrationsUpTo(TAG, true))).toEqual([TAG]);
      await db.query('RESET ROLE');
      const rows = await db.transaction(`SET LOCAL app.account_id = '${account}';`, (_tx, c) =>
        c.query<{ user_id: string; new_lead_alerts: string }>(
          'SELECT user_id, new_lead_alerts FROM memberships WHERE account_id = $1 ORDER BY role DESC',
          [account],
        ),
      );
      expect(rows.rows).toEqual([
        { user_id: owner, new_lead_alerts: 'all' },
        { user_id: member, new_lead_alerts: 'assigned' },
      ]);
    } finally {
      await db.close();
    }
  });
});
