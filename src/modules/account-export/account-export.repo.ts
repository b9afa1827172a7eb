import fs from 'node:fs';
import path from 'node:path';
import { listTenantTablesWith } from '../../db/audit.ts';
import type { SqlClient } from '../../db/client.ts';
import { MIGRATIONS_FOLDER } from '../../db/migrate.ts';

/**
 * The SQL of the account archive. Every function takes the client of the one REPEATABLE READ
 * transaction the export runs in, so every table is read at the same moment.
 */

export type ExportColumn = { name: string; type: string; withheld: boolean };
export type ExportTable = {
  name: string;
  columns: ExportColumn[];
  /** The primary key's columns after account_id, the keyset the pages follow; empty: by ctid. */
  keyColumns: { name: string; type: string }[];
};

const SECRET_WORDS = new Set(['hash', 'secret', 'password', 'token', 'ciphertext']);

/**
 * Columns never exported (written as null): anything stored as bytea (sealed secrets: provider
 * credentials, webhook signing secrets and their wrapped keys), and any column with `hash`,
 * `secret`, `password`, `token` or `ciphertext` as a word of its name (key, token and code
 * hashes, keyed IP hashes, webhook secret versions). Plus the stored answers of idempotent
 * requests: a replay cache that may hold a secret shown once.
 */
export function isWithheldColumn(table: string, column: string, type: string): boolean {
  if (type === 'bytea') return true;
  if (column.split('_').some((word) => SECRET_WORDS.has(word))) return true;
  return table === 'idempotency_keys' && column === 'response';
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The tenant tables with their columns and primary keys, from the catalog at run time: the
 * same list the tenancy audit checks (every table in `public` but the global ones, each with
 * account_id and forced RLS), so a table added by a later migration is exported without a change here.
 */
export async function findExportTables(client: SqlClient): Promise<ExportTable[]> {
  const names = await listTenantTablesWith(client);
  const { rows } = await client.query<{ table: string; column: string; type: string; pk: number }>(
    `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
       coalesce(array_position(i.indkey::int2[], a.attnum), 0)::int AS pk
     FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
     WHERE n.nspname = 'public' AND c.relname = ANY ($1::text[])
     ORDER BY c.relname, a.attnum`,
    [names],
  );
  return names.map((name) => {
    const own = rows.filter((r) => r.table === name);
    return {
      name,
      columns: own.map((r) => ({
        name: r.column,
        type: r.type,
        withheld: isWithheldColumn(name, r.column, r.type),
      })),
      keyColumns: own
        .filter((r) => r.pk > 0 && r.column !== 'account_id')
        .sort((x, y) => x.pk - y.pk)
        .map((r) => ({ name: r.column, type: r.type })),
    };
  });
}

export type ExportPage = { rows: string[]; after: string[] | null };

/**
 * One page of a table's rows of the account as JSON text (row_to_json: the database's column
 * names, ISO times, withheld columns as null), in primary-key order after `after` (the last
 * page's key as text), and the key of its last row.
 */
export async function readExportPage(
  client: SqlClient,
  table: ExportTable,
  accountId: string,
  after: string[] | null,
  limit: number,
): Promise<ExportPage> {
  const select = table.columns
    .map((c) => (c.withheld ? `NULL AS ${quote(c.name)}` : `t.${quote(c.name)} AS ${quote(c.name)}`))
    .join(', ');
  const keys = table.keyColumns.length > 0 ? table.keyColumns : [{ name: 'ctid', type: 'tid' }];
  const keyText = `ARRAY[${keys.map((k) => `t.${k.name === 'ctid' ? 'ctid' : quote(k.name)}::text`).join(', ')}]`;
  const keyCols = keys.map((k) => `t.${k.name === 'ctid' ? 'ctid' : quote(k.name)}`);
  const values: unknown[] = [accountId];
  let where = 't.account_id = $1';
  if (after) {
    const params = keys.map((k, i) => {
      values.push(after[i]);
      return `$${i + 2}::${k.type}`;
    });
    // account_id leads the row comparison so the primary key's index serves it.
    where += ` AND (t.account_id, ${keyCols.join(', ')}) > ($1::uuid, ${params.join(', ')})`;
  }
  const { rows } = await client.query<{ row: string; key: string[] }>(
    `SELECT row_to_json(r)::text AS row, ${keyText} AS key
     FROM ${quote(table.name)} t CROSS JOIN LATERAL (SELECT ${select}) r
     WHERE ${where} ORDER BY t.account_id, ${keyCols.join(', ')} LIMIT ${Number(limit)}`,
    values,
  );
  const last = rows[rows.length - 1];
  return { rows: rows.map((r) => r.row), after: rows.length === limit && last ? last.key : null };
}

/** The account's own row (a global table), with the same rule for withheld columns. */
export async function readAccountRow(client: SqlClient, accountId: string): Promise<string[]> {
  const { rows: columns } = await client.query<{ column: string; type: string }>(
    `SELECT a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
     WHERE a.attrelid = 'public.accounts'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
  );
  const select = columns
    .map((c) =>
      isWithheldColumn('accounts', c.column, c.type) ? `NULL AS ${quote(c.column)}` : `a.${quote(c.column)}`,
    )
    .join(', ');
  const { rows } = await client.query<{ row: string }>(
    `SELECT row_to_json(r)::text AS row FROM accounts a CROSS JOIN LATERAL (SELECT ${select}) r WHERE a.id = $1`,
    [accountId],
  );
  return rows.map((r) => r.row);
}

/**
 * The account's members as people (from the global users table, readable for the account's
 * members only): who they are, never their password hash or platform role.
 */
export async function readMemberUsers(client: SqlClient, accountId: string): Promise<string[]> {
  const { rows } = await client.query<{ row: string }>(
    `SELECT row_to_json(r)::text AS row FROM (
       SELECT u.id, u.email, u.name, u.phone_e164, u.photo_url, u.email_verified_at, u.last_login_at,
         u.created_at, u.updated_at
       FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.account_id = $1 ORDER BY u.id) r`,
    [accountId],
  );
  return rows.map((r) => r.row);
}

/** The account's slug (the archive's file name). */
export async function getAccountSlug(client: SqlClient, accountId: string): Promise<string | null> {
  const { rows } = await client.query<{ slug: string }>('SELECT slug FROM accounts WHERE id = $1', [
    accountId,
  ]);
  return rows[0]?.slug ?? null;
}

let latest: string | undefined;

/** The schema version: the last migration this build ships (readiness checks that it is applied). */
export function schemaVersion(): string {
  if (latest === undefined) {
    const journal = JSON.parse(
      fs.readFileSync(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8'),
    ) as { entries: { tag: string }[] };
    latest = journal.entries[journal.entries.length - 1]?.tag ?? 'none';
  }
  return latest;
}
