import { and, desc, eq, sql } from 'drizzle-orm';
import type { SqlClient, Tx } from '../../db/client.ts';
import { type ImportKind, type ImportStatus, importRows, imports } from '../../db/schema/index.ts';
import type { TimeCursor } from '../../platform/cursor.ts';

/**
 * SQL of the imports module. Bulk statements take one JSON parameter read by jsonb_to_recordset
 * (a batch of 1,000 rows is one statement and one round trip, under forced RLS, no COPY);
 * every statement names its account_id. Each function runs in the caller's transaction.
 */

export type ImportRow = typeof imports.$inferSelect;

export type StagedRow = {
  rowNumber: number;
  data: Record<string, string>;
  outcome: 'pending' | 'rejected';
  errors: { path: string; message: string }[] | null;
};

export async function insertImport(tx: Tx, row: typeof imports.$inferInsert): Promise<ImportRow> {
  const [created] = await tx.insert(imports).values(row).returning();
  return created!;
}

/** One batch of file rows, as they arrived. */
export async function insertImportRows(
  client: SqlClient,
  accountId: string,
  importId: string,
  rows: StagedRow[],
): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO import_rows (account_id, import_id, row_number, data, outcome, errors)
     SELECT $1, $2, r.row_number, r.data, r.outcome, r.errors
     FROM jsonb_to_recordset($3::jsonb) AS r(row_number int, data jsonb, outcome text, errors jsonb)`,
    [
      accountId,
      importId,
      JSON.stringify(
        rows.map((r) => ({ row_number: r.rowNumber, data: r.data, outcome: r.outcome, errors: r.errors })),
      ),
    ],
  );
}

export async function deleteImport(tx: Tx, accountId: string, id: string): Promise<void> {
  await tx.delete(imports).where(and(eq(imports.accountId, accountId), eq(imports.id, id)));
}

/** Deletes the account's imports still `receiving` since before `before` (their rows go with them). */
export async function deleteAbandonedImports(
  client: SqlClient,
  accountId: string,
  before: Date,
): Promise<number> {
  const { rows } = await client.query(
    `DELETE FROM imports WHERE account_id = $1 AND status = 'receiving' AND created_at < $2 RETURNING id`,
    [accountId, before],
  );
  return rows.length;
}

export async function updateImport(
  tx: Tx,
  accountId: string,
  id: string,
  set: Partial<typeof imports.$inferInsert>,
): Promise<void> {
  await tx
    .update(imports)
    .set(set)
    .where(and(eq(imports.accountId, accountId), eq(imports.id, id)));
}

export async function getImportById(tx: Tx, accountId: string, id: string): Promise<ImportRow | undefined> {
  const [row] = await tx
    .select()
    .from(imports)
    .where(and(eq(imports.accountId, accountId), eq(imports.id, id)))
    .limit(1);
  return row;
}

/** The import, locked until the transaction ends: one batch (or an undo) at a time. */
export async function getImportForUpdate(
  tx: Tx,
  accountId: string,
  id: string,
): Promise<ImportRow | undefined> {
  const [row] = await tx
    .select()
    .from(imports)
    .where(and(eq(imports.accountId, accountId), eq(imports.id, id)))
    .for('update');
  return row;
}

const cursorAt = sql<string>`to_char(${imports.createdAt} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A page of the account's imports, newest first, one more than `limit`. */
export function findImports(tx: Tx, accountId: string, limit: number, cursor?: TimeCursor) {
  const where = [eq(imports.accountId, accountId)];
  if (cursor) {
    where.push(sql`(${imports.createdAt}, ${imports.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`);
  }
  return tx
    .select({ row: imports, cursorAt })
    .from(imports)
    .where(and(...where))
    .orderBy(desc(imports.createdAt), desc(imports.id))
    .limit(limit + 1);
}

/** The first `limit` rejected rows, in file order. */
export function findRejectedRows(tx: Tx, accountId: string, importId: string, limit: number) {
  return tx
    .select({ row: importRows.rowNumber, errors: importRows.errors })
    .from(importRows)
    .where(
      and(
        eq(importRows.accountId, accountId),
        eq(importRows.importId, importId),
        eq(importRows.outcome, 'rejected'),
      ),
    )
    .orderBy(importRows.rowNumber)
    .limit(limit);
}

/** The next pending rows after `afterRow`, in file order. */
export async function findPendingRows(
  client: SqlClient,
  accountId: string,
  importId: string,
  afterRow: number,
  limit: number,
) {
  const { rows } = await client.query<{ row_number: number; data: Record<string, string> }>(
    `SELECT row_number, data FROM import_rows
     WHERE account_id = $1 AND import_id = $2 AND row_number > $3 AND outcome = 'pending'
     ORDER BY row_number LIMIT $4`,
    [accountId, importId, afterRow, limit],
  );
  return rows;
}

export type RowOutcome = {
  rowNumber: number;
  outcome: 'imported' | 'merged' | 'rejected';
  targetId: string | null;
  errors: { path: string; message: string }[] | null;
  previous: Record<string, unknown> | null;
};

/** Writes what became of a batch of rows. */
export async function setRowOutcomes(
  client: SqlClient,
  accountId: string,
  importId: string,
  outcomes: RowOutcome[],
): Promise<void> {
  if (outcomes.length === 0) return;
  await client.query(
    `UPDATE import_rows AS t
     SET outcome = r.outcome, target_id = r.target_id, errors = r.errors, previous = r.previous
     FROM jsonb_to_recordset($3::jsonb)
       AS r(row_number int, outcome text, target_id uuid, errors jsonb, previous jsonb)
     WHERE t.account_id = $1 AND t.import_id = $2 AND t.row_number = r.row_number`,
    [
      accountId,
      importId,
      JSON.stringify(
        outcomes.map((o) => ({
          row_number: o.rowNumber,
          outcome: o.outcome,
          target_id: o.targetId,
          errors: o.errors,
          previous: o.previous,
        })),
      ),
    ],
  );
}

/** Adds a batch's counts to the import's progress. */
export async function addImportProgress(
  client: SqlClient,
  accountId: string,
  importId: string,
  counts: { processed: number; imported: number; merged: number; rejected: number },
): Promise<void> {
  await client.query(
    `UPDATE imports SET processed_rows = processed_rows + $3, imported = imported + $4,
       merged = merged + $5, rejected = rejected + $6
     WHERE account_id = $1 AND id = $2`,
    [accountId, importId, counts.processed, counts.imported, counts.merged, counts.rejected],
  );
}

/** The account's country (phones) and its members by lower-cased email (an "assigned to" column). */
export async function getImportContext(client: SqlClient, accountId: string) {
  const { rows: account } = await client.query<{ country: string }>(
    'SELECT country FROM accounts WHERE id = $1',
    [accountId],
  );
  const { rows: members } = await client.query<{ email: string; user_id: string }>(
    `SELECT lower(u.email::text) AS email, m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.account_id = $1`,
    [accountId],
  );
  return {
    country: account[0]?.country ?? 'US',
    members: new Map(members.map((m) => [m.email, m.user_id])),
  };
}

/** Which of these ids are the account's capture pages. */
export async function findPageIds(client: SqlClient, accountId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await client.query<{ id: string }>(
    'SELECT id FROM capture_pages WHERE account_id = $1 AND id = ANY($2::uuid[])',
    [accountId, ids],
  );
  return new Set(rows.map((r) => r.id));
}

/** A target table's columns, by the field names the merge plan uses. */
export type ColumnMap = Record<string, { column: string; type: string }>;

/**
 * The account's people (leads or contacts) with one of these emails or phones, newest first,
 * locked for the merge. By email_key (text `=` is leakproof, so the index serves it under RLS).
 */
export async function findMatches(
  client: SqlClient,
  table: 'leads' | 'contacts',
  accountId: string,
  columns: ColumnMap,
  emails: string[],
  phones: string[],
): Promise<Record<string, unknown>[]> {
  if (emails.length === 0 && phones.length === 0) return [];
  const select = Object.entries(columns)
    .map(([field, c]) => `${c.column} AS "${field}"`)
    .join(', ');
  const spam = table === 'leads' ? `AND status <> 'spam'` : '';
  const { rows } = await client.query<Record<string, unknown>>(
    `SELECT id, ${select}${table === 'leads' ? ', details' : ''} FROM ${table}
     WHERE account_id = $1 AND (email_key = ANY($2::text[]) OR phone_e164 = ANY($3::text[])) ${spam}
     ORDER BY created_at DESC, id DESC FOR UPDATE`,
    [accountId, emails, phones],
  );
  return rows;
}

/** Inserts a batch of rows (snake_case keys as `columns` names them) into leads or contacts. */
export async function insertPeople(
  client: SqlClient,
  table: 'leads' | 'contacts' | 'lead_events',
  accountId: string,
  columns: { column: string; type: string }[],
  rows: Record<string, unknown>[],
): Promise<void> {
  if (rows.length === 0) return;
  const names = columns.map((c) => c.column);
  await client.query(
    `INSERT INTO ${table} (account_id, ${names.join(', ')})
     SELECT $1, ${names.map((n) => `r.${n}`).join(', ')}
     FROM jsonb_to_recordset($2::jsonb) AS r(${columns.map((c) => `${c.column} ${c.type}`).join(', ')})`,
    [accountId, JSON.stringify(rows)],
  );
}

/**
 * Fills empty columns of matched people: `coalesce(current, new)`, so a value someone set
 * meanwhile is never overwritten; details merge with the current keys winning.
 */
export async function fillPeople(
  client: SqlClient,
  table: 'leads' | 'contacts',
  accountId: string,
  columns: ColumnMap,
  rows: Record<string, unknown>[],
): Promise<void> {
  if (rows.length === 0) return;
  const cols = Object.values(columns);
  const sets = cols.map((c) => `${c.column} = coalesce(t.${c.column}, r.${c.column})`);
  if (table === 'leads') sets.push("details = coalesce(r.details, '{}'::jsonb) || t.details");
  const types = [
    ...cols.map((c) => `${c.column} ${c.type}`),
    ...(table === 'leads' ? ['details jsonb'] : []),
  ];
  await client.query(
    `UPDATE ${table} AS t SET ${sets.join(', ')}, updated_at = now()
     FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, ${types.join(', ')})
     WHERE t.account_id = $1 AND t.id = r.id`,
    [accountId, JSON.stringify(rows)],
  );
}

/**
 * Undo, step 1: deletes what the import created. A lead someone has since messaged or called is
 * kept (those records reference it); the count deleted is returned.
 */
export async function deleteCreatedPeople(
  client: SqlClient,
  table: 'leads' | 'contacts',
  accountId: string,
  importId: string,
): Promise<number> {
  const kept =
    table === 'leads'
      ? `AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.account_id = t.account_id AND m.lead_id = t.id)
         AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.account_id = t.account_id AND c.lead_id = t.id)`
      : '';
  const { rowCount } = await client.query(
    `DELETE FROM ${table} AS t USING import_rows AS r
     WHERE r.account_id = $1 AND r.import_id = $2 AND r.outcome = 'imported'
       AND t.account_id = $1 AND t.id = r.target_id ${kept}`,
    [accountId, importId],
  );
  return rowCount;
}

/**
 * Undo, step 2: empties again the columns the import's merges filled (they were empty: merges
 * fill only empty ones) and puts back a lead's details as they were before the first merge.
 */
export async function restoreMergedPeople(
  client: SqlClient,
  table: 'leads' | 'contacts',
  accountId: string,
  importId: string,
  columns: ColumnMap,
): Promise<void> {
  const sets = Object.entries(columns).map(
    ([field, c]) => `${c.column} = CASE WHEN '${field}' = ANY(p.fields) THEN NULL ELSE t.${c.column} END`,
  );
  if (table === 'leads') sets.push('details = coalesce(p.details, t.details)');
  await client.query(
    `WITH p AS (
       SELECT r.target_id, array_agg(k.field) AS fields,
              (array_agg(r.previous -> 'details' ORDER BY r.row_number)
                 FILTER (WHERE r.previous ? 'details'))[1] AS details
       FROM import_rows r, jsonb_object_keys(r.previous) AS k(field)
       WHERE r.account_id = $1 AND r.import_id = $2 AND r.outcome = 'merged' AND r.previous IS NOT NULL
       GROUP BY r.target_id
     )
     UPDATE ${table} AS t SET ${sets.join(', ')}, updated_at = now()
     FROM p WHERE t.account_id = $1 AND t.id = p.target_id`,
    [accountId, importId],
  );
  if (table === 'leads') {
    await client.query(
      `DELETE FROM lead_events AS e
       USING (SELECT DISTINCT target_id FROM import_rows
              WHERE account_id = $1 AND import_id = $2 AND outcome = 'merged') AS r
       WHERE e.account_id = $1 AND e.lead_id = r.target_id AND e.kind = 'imported'
         AND e.payload ->> 'importId' = $2::text`,
      [accountId, importId],
    );
  }
}

export type { ImportKind, ImportStatus };
