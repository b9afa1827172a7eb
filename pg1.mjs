import { PGlite } from '@electric-sql/pglite';
import { citext } from '@electric-sql/pglite/contrib/citext';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';

let t = Date.now();
const db = await PGlite.create({ dataDir: '/tmp/pgl1', extensions: { citext, pg_trgm, pgcrypto } });
console.log('start', Date.now() - t);
t = Date.now();
await db.exec(`create extension if not exists citext; create extension if not exists pg_trgm; create extension if not exists pgcrypto;
 do $$ begin create role porchlight_app nologin; exception when duplicate_object then null; end $$;
 create table if not exists t (account_id uuid not null, v citext); alter table t enable row level security; alter table t force row level security;
 drop policy if exists p on t; create policy p on t using (account_id = nullif(current_setting('app.account_id', true), '')::uuid) with check (account_id = nullif(current_setting('app.account_id', true), '')::uuid);
 grant select, insert on t to porchlight_app;`);
console.log('ddl', Date.now() - t);
console.log(await db.query(`select current_user, version()`));
await db.transaction(async (tx) => {
  await tx.query(`set local role porchlight_app`);
  await tx.query(`set local app.account_id = '11111111-1111-1111-1111-111111111111'`);
  await tx.query(`insert into t values ('11111111-1111-1111-1111-111111111111','Hello')`);
  console.log(
    (
      await tx.query(
        `select *, current_user, similarity('hello','hallo'), gen_random_uuid() from t where v='HELLO'`,
      )
    ).rows,
  );
});
console.log((await db.query('select current_user, count(*) from t')).rows);
await db.transaction(async (tx) => {
  await tx.query(`set local role porchlight_app`);
  console.log((await tx.query(`select count(*) from t`)).rows);
});
t = Date.now();
const dump = await db.dumpDataDir('none');
console.log('dump', Date.now() - t, dump.size);
t = Date.now();
const db2 = await PGlite.create({ loadDataDir: dump, extensions: { citext, pg_trgm, pgcrypto } });
console.log('clone', Date.now() - t, (await db2.query('select count(*) from t')).rows);
