import crypto from 'node:crypto';
import type { Database, SqlClient } from '../../db/client.ts';
import type { LeadStatus } from '../../db/schema/index.ts';
import { knownRowCount, refreshStatistics } from '../../db/statistics.ts';
import { withTenant } from '../../db/tenant.ts';
import { forEachAccount } from '../../platform/account-sweep.ts';
import type { FieldError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import { NEW_LEAD_LIFECYCLE, transition } from '../leads/leads.lifecycle.ts';
import type { ImportPreset } from './csv-presets.ts';
import { type PlannedRow, planBatch } from './import-merge.ts';
import {
  type ContactValues,
  type LeadValues,
  type RowContext,
  readContactRow,
  readLeadRow,
} from './import-rows.ts';
import {
  addImportProgress,
  type ColumnMap,
  deleteAbandonedImports,
  fillPeople,
  findMatches,
  findPageIds,
  findPendingRows,
  getImportContext,
  getImportForUpdate,
  type ImportRow,
  insertPeople,
  setRowOutcomes,
  updateImport,
} from './imports.repo.ts';

/**
 * Works a queued import (the `imports.run` job): its pending rows in batches of BATCH_SIZE, each
 * batch one transaction with set-based SQL — one lookup of matching people, one multi-row insert,
 * one fill, one write of the rows' outcomes and the import's progress. A retried job continues
 * from the first pending row; a batch already committed is never worked twice (its rows are no
 * longer pending, and the import row is locked per batch).
 *
 * Imported leads are bulk data, not new inquiries: they are not counted against the plan's
 * monthly lead limit, never held, and trigger no notification, scoring or webhook
 * (docs/decisions/017-csv-import-export.md).
 */

export const IMPORT_BATCH_SIZE = 1000;

const text = 'text';
/** Lead fields a row may set and a merge may fill, with their columns. */
export const LEAD_FILL: ColumnMap = {
  fullName: { column: 'full_name', type: text },
  email: { column: 'email', type: 'citext' },
  phoneE164: { column: 'phone_e164', type: text },
  addressLine: { column: 'address_line', type: text },
  city: { column: 'city', type: text },
  state: { column: 'state', type: text },
  postalCode: { column: 'postal_code', type: text },
  message: { column: 'message', type: text },
  timeline: { column: 'timeline', type: text },
  priceMinCents: { column: 'price_min_cents', type: 'bigint' },
  priceMaxCents: { column: 'price_max_cents', type: 'bigint' },
  utmSource: { column: 'utm_source', type: text },
  utmMedium: { column: 'utm_medium', type: text },
  utmCampaign: { column: 'utm_campaign', type: text },
  utmTerm: { column: 'utm_term', type: text },
  utmContent: { column: 'utm_content', type: text },
  referrer: { column: 'referrer', type: text },
  pageId: { column: 'page_id', type: 'uuid' },
  assignedUserId: { column: 'assigned_user_id', type: 'uuid' },
  aiScore: { column: 'ai_score', type: 'int' },
  aiSummary: { column: 'ai_summary', type: text },
};

/** Set on a new lead only (a merge never changes them). */
const LEAD_NEW_ONLY = [
  { column: 'id', type: 'uuid' },
  { column: 'source', type: text },
  { column: 'status', type: text },
  { column: 'lost_reason', type: text },
  { column: 'details', type: 'jsonb' },
  { column: 'first_response_at', type: 'timestamptz' },
  { column: 'contacted_at', type: 'timestamptz' },
  { column: 'qualified_at', type: 'timestamptz' },
  { column: 'quoted_at', type: 'timestamptz' },
  { column: 'booked_at', type: 'timestamptz' },
  { column: 'won_at', type: 'timestamptz' },
  { column: 'lost_at', type: 'timestamptz' },
  { column: 'closed_at', type: 'timestamptz' },
  { column: 'created_at', type: 'timestamptz' },
  { column: 'updated_at', type: 'timestamptz' },
  { column: 'last_submitted_at', type: 'timestamptz' },
];

export const CONTACT_FILL: ColumnMap = {
  fullName: { column: 'full_name', type: text },
  email: { column: 'email', type: 'citext' },
  phoneE164: { column: 'phone_e164', type: text },
  type: { column: 'type', type: text },
  company: { column: 'company', type: text },
  notes: { column: 'notes', type: text },
};

const CONTACT_NEW_ONLY = [
  { column: 'id', type: 'uuid' },
  { column: 'created_at', type: 'timestamptz' },
  { column: 'updated_at', type: 'timestamptz' },
];

const EVENT_COLUMNS = [
  { column: 'id', type: 'uuid' },
  { column: 'lead_id', type: 'uuid' },
  { column: 'kind', type: text },
  { column: 'payload', type: 'jsonb' },
  { column: 'actor_user_id', type: 'uuid' },
];

type Context = { country: string; members: Map<string, string> };
type Pending = { row_number: number; data: Record<string, string> };
type Counts = { processed: number; imported: number; merged: number; rejected: number };

/** Runs the import to its end (or returns at once when it is not queued or running). */
export async function runImport(db: Database, accountId: string, importId: string): Promise<void> {
  const started = await withTenant(db, accountId, async (tx, client) => {
    const found = await getImportForUpdate(tx, accountId, importId);
    if (!found || (found.status !== 'queued' && found.status !== 'running')) return null;
    if (found.status === 'queued') await updateImport(tx, accountId, importId, { status: 'running' });
    return { kind: found.kind, context: await getImportContext(client, accountId) };
  });
  if (!started) return;
  const { context } = started;
  const statistics = statisticsKeeper(db, started.kind === 'leads' ? LEAD_TABLES : CONTACT_TABLES);
  let after = 0;
  for (;;) {
    const next = await withTenant(db, accountId, async (tx, client) => {
      const current = await getImportForUpdate(tx, accountId, importId);
      if (current?.status !== 'running') return null;
      const rows = await findPendingRows(client, accountId, importId, after, IMPORT_BATCH_SIZE);
      if (rows.length > 0) {
        const work = current.kind === 'leads' ? runLeadBatch : runContactBatch;
        await work(client, current, rows, context);
      }
      if (rows.length < IMPORT_BATCH_SIZE) {
        await updateImport(tx, accountId, importId, { status: 'completed', completedAt: new Date() });
        return null;
      }
      return rows[rows.length - 1]!.row_number;
    });
    if (next === null) return;
    after = next;
    await statistics.grew(IMPORT_BATCH_SIZE);
  }
}

/** The tables an import grows, the first the one whose size the statistics are judged by. */
const LEAD_TABLES = ['leads', 'lead_events'];
const CONTACT_TABLES = ['contacts'];

/**
 * Keeps the planner's statistics up with a bulk load. A table the statistics know as empty or
 * small is planned as such: with autovacuum off, or not yet round, the foreign-key check of each
 * inserted event (lead_events → leads) kept a plan that reads every lead of the account through
 * an index on its first column, and each batch ran slower than the last (100,000 rows did not
 * finish in ten minutes). So the job runs ANALYZE on the tables it grows whenever it has added
 * as many rows as the table was known to hold (PostgreSQL's advice after a bulk load): a handful
 * of times per import, each a sample of at most 30,000 rows. ANALYZE reads no tenant data into
 * the application (src/db/statistics.ts).
 */
function statisticsKeeper(db: Database, tables: string[]) {
  let known: number | null = null;
  let added = 0;
  return {
    async grew(rows: number) {
      known ??= await knownRowCount(db, tables[0]!);
      added += rows;
      if (added < Math.max(IMPORT_BATCH_SIZE, known)) return;
      await refreshStatistics(db, tables);
      known += added;
      added = 0;
    },
  };
}

/** An upload still `receiving` after this long was cut off with its process (a 200 MB file takes minutes). */
export const ABANDONED_AFTER_MS = 2 * 3_600_000;

/**
 * The hourly sweep (the `imports.sweep` job): an upload's process that died mid-file leaves its
 * import `receiving` with the rows staged so far; a failed upload deletes them at once, and so
 * does this, two hours on. The file was never accepted (no 2xx), so nothing was promised.
 */
export async function deleteAbandonedUploads(
  db: Database,
  options: { now: Date; logger: Logger },
): Promise<{ accounts: number; deleted: number }> {
  const before = new Date(options.now.getTime() - ABANDONED_AFTER_MS);
  let deleted = 0;
  const { accounts } = await forEachAccount(
    db,
    { reason: 'imports: the sweep for uploads cut off', logger: options.logger },
    async (accountId) => {
      deleted += await withTenant(db, accountId, (_tx, client) =>
        deleteAbandonedImports(client, accountId, before),
      );
    },
  );
  return { accounts, deleted };
}

/** Marks an import the job gave up on (its last attempt failed). */
export async function failImport(db: Database, accountId: string, importId: string, message: string) {
  await withTenant(db, accountId, async (tx) => {
    const current = await getImportForUpdate(tx, accountId, importId);
    if (current && (current.status === 'queued' || current.status === 'running')) {
      await updateImport(tx, accountId, importId, { status: 'failed', error: message.slice(0, 500) });
    }
  });
}

function rowContext(current: ImportRow, context: Context): RowContext {
  return {
    country: context.country,
    members: context.members,
    preset: (current.preset ?? 'generic') as ImportPreset,
    mapping: current.mapping,
    now: new Date(),
  };
}

function countOf(outcomes: { outcome: string }[]): Counts {
  const counts = { processed: outcomes.length, imported: 0, merged: 0, rejected: 0 };
  for (const o of outcomes) counts[o.outcome as 'imported' | 'merged' | 'rejected']++;
  return counts;
}

function snake(values: Record<string, unknown>, columns: ColumnMap): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, c] of Object.entries(columns)) out[c.column] = values[field] ?? null;
  return out;
}

function matchKeys(rows: PlannedRow[]) {
  const emails = new Set<string>();
  const phones = new Set<string>();
  for (const r of rows) {
    if (typeof r.values?.email === 'string') emails.add(r.values.email.toLowerCase());
    if (typeof r.values?.phoneE164 === 'string') phones.add(r.values.phoneE164);
  }
  return { emails: [...emails], phones: [...phones] };
}

/** Each staged row read as values to plan with, or its errors. */
function readRows<V>(
  rows: Pending[],
  read: (data: Record<string, string>) => { ok: true; value: V } | { ok: false; errors: FieldError[] },
): PlannedRow[] {
  return rows.map((r) => {
    const result = read(r.data);
    return result.ok
      ? { rowNumber: r.row_number, values: result.value as PlannedRow['values'], errors: null }
      : { rowNumber: r.row_number, values: null, errors: result.errors };
  });
}

async function runLeadBatch(client: SqlClient, current: ImportRow, rows: Pending[], context: Context) {
  const accountId = current.accountId;
  const ctx = rowContext(current, context);
  const read = readRows(rows, (data) => readLeadRow(data, ctx));
  // A page id that is not one of this account's pages (a file from another account) is kept in details.
  const pageIds = [...new Set(read.map((r) => (r.values as LeadValues | null)?.pageId).filter(Boolean))];
  const pages = await findPageIds(client, accountId, pageIds as string[]);
  for (const r of read) {
    const v = r.values as LeadValues | null;
    if (v?.pageId && !pages.has(v.pageId)) {
      v.details = { ...v.details, pageId: v.pageId };
      v.pageId = null;
    }
  }
  const { emails, phones } = matchKeys(read);
  const existing = await findMatches(client, 'leads', accountId, LEAD_FILL, emails, phones);
  const plan = planBatch({
    rows: read,
    existing,
    fillFields: Object.keys(LEAD_FILL),
    withDetails: true,
    newId: crypto.randomUUID,
  });

  const now = new Date();
  const creates = plan.creates.map(({ id, values }) => {
    const v = values as unknown as LeadValues;
    const createdAt = v.createdAt ?? now;
    const stamps = transition(NEW_LEAD_LIFECYCLE, v.status as LeadStatus, createdAt, v.lostReason);
    return {
      ...snake(values, LEAD_FILL),
      id,
      source: v.source,
      status: v.status,
      lost_reason: v.lostReason,
      details: v.details,
      first_response_at: stamps.firstResponseAt ?? null,
      contacted_at: stamps.contactedAt ?? null,
      qualified_at: stamps.qualifiedAt ?? null,
      quoted_at: stamps.quotedAt ?? null,
      booked_at: stamps.bookedAt ?? null,
      won_at: stamps.wonAt ?? null,
      lost_at: stamps.lostAt ?? null,
      closed_at: stamps.closedAt ?? null,
      created_at: createdAt,
      updated_at: v.updatedAt ?? createdAt,
      last_submitted_at: createdAt,
    };
  });
  await insertPeople(client, 'leads', accountId, [...Object.values(LEAD_FILL), ...LEAD_NEW_ONLY], creates);
  const fills = [...plan.fills].map(([id, fill]) => ({
    id,
    ...snake(fill.fields, LEAD_FILL),
    details: fill.details,
  }));
  await fillPeople(client, 'leads', accountId, LEAD_FILL, fills);
  const actor = actorOf(current, context);
  const events = plan.outcomes
    .filter((o) => o.outcome !== 'rejected')
    .map((o) => ({
      id: crypto.randomUUID(),
      lead_id: o.targetId,
      kind: 'imported',
      payload: {
        importId: current.id,
        row: o.rowNumber,
        ...(o.outcome === 'merged' ? { merged: true, filled: o.filled } : {}),
      },
      actor_user_id: actor,
    }));
  await insertPeople(client, 'lead_events', accountId, EVENT_COLUMNS, events);
  await setRowOutcomes(client, accountId, current.id, plan.outcomes);
  await addImportProgress(client, accountId, current.id, countOf(plan.outcomes));
}

/** The importing user, when still a member (lead_events.actor_user_id references memberships). */
function actorOf(current: ImportRow, context: Context): string | null {
  const id = current.createdByUserId;
  return id && [...context.members.values()].includes(id) ? id : null;
}

async function runContactBatch(client: SqlClient, current: ImportRow, rows: Pending[], context: Context) {
  const accountId = current.accountId;
  const ctx = rowContext(current, context);
  const read = readRows(rows, (data) => readContactRow(data, ctx));
  const { emails, phones } = matchKeys(read);
  const existing = await findMatches(client, 'contacts', accountId, CONTACT_FILL, emails, phones);
  const plan = planBatch({
    rows: read,
    existing,
    fillFields: Object.keys(CONTACT_FILL),
    withDetails: false,
    newId: crypto.randomUUID,
  });
  const now = new Date();
  const creates = plan.creates.map(({ id, values }) => {
    const v = values as unknown as ContactValues;
    const createdAt = v.createdAt ?? now;
    return {
      ...snake(values, CONTACT_FILL),
      id,
      created_at: createdAt,
      updated_at: v.updatedAt ?? createdAt,
    };
  });
  await insertPeople(
    client,
    'contacts',
    accountId,
    [...Object.values(CONTACT_FILL), ...CONTACT_NEW_ONLY],
    creates,
  );
  const fills = [...plan.fills].map(([id, fill]) => ({ id, ...snake(fill.fields, CONTACT_FILL) }));
  await fillPeople(client, 'contacts', accountId, CONTACT_FILL, fills);
  await setRowOutcomes(client, accountId, current.id, plan.outcomes);
  await addImportProgress(client, accountId, current.id, countOf(plan.outcomes));
}
