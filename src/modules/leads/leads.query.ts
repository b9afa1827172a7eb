import { and, count, desc, eq, getTableColumns, inArray, isNull, ne, type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { type LeadSource, type LeadStatus, leads } from '../../db/schema/index.ts';
import type { LeadCursor } from './leads.cursor.ts';

/** What the list can be narrowed by; every filter is ANDed with the account. */
export type LeadFilters = {
  status?: LeadStatus | undefined;
  source?: LeadSource | undefined;
  pageId?: string | undefined;
  /** A member's id, or 'none' for unassigned leads. */
  assignedTo?: string | undefined;
  held?: boolean | undefined;
  /** Spam is left out unless this is true or `status` is 'spam'. */
  spam?: boolean | undefined;
  /** The text to look for (already checked for length); see searchPattern. */
  q?: string | undefined;
};

const PHONE_LIKE = /^\+?[\d\s().-]+$/;

/**
 * The ILIKE pattern's middle for a search text: LIKE's wildcards and escape are escaped, and a
 * text that looks like a phone number loses its formatting ("(512) 555-01" finds +1512555…),
 * as phone numbers are stored in E.164.
 */
export function searchPattern(q: string): string {
  let text = q.trim();
  if (PHONE_LIKE.test(text)) {
    const digits = text.replace(/[^\d+]/g, '');
    if (digits.replace(/\+/g, '').length >= 2) text = digits;
  }
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The search condition, written exactly as the expression of `leads_search_trgm_idx` (btree_gin
 * + pg_trgm over account_id and this text), so `account_id = $1 AND <this>` is answered by it.
 */
export function searchCondition(pattern: string): SQL {
  return sql`(coalesce(${leads.fullName}, '') || ' ' || coalesce(${leads.email}::text, '') || ' ' || coalesce(${leads.phoneE164}, '') || ' ' || coalesce(${leads.addressLine}, '')) ILIKE '%' || ${pattern} || '%'`;
}

function conditions(accountId: string, f: LeadFilters): SQL[] {
  const where: SQL[] = [eq(leads.accountId, accountId)];
  if (f.status) where.push(eq(leads.status, f.status));
  else if (f.spam !== true) where.push(ne(leads.status, 'spam'));
  if (f.source) where.push(eq(leads.source, f.source));
  if (f.pageId) where.push(eq(leads.pageId, f.pageId));
  if (f.assignedTo === 'none') where.push(isNull(leads.assignedUserId));
  else if (f.assignedTo) where.push(eq(leads.assignedUserId, f.assignedTo));
  if (f.held !== undefined) where.push(eq(leads.isHeld, f.held));
  if (f.q !== undefined) {
    where.push(searchCondition(searchPattern(f.q)));
    // A held lead's contact details are hidden: a search must not confirm them letter by letter.
    where.push(eq(leads.isHeld, false));
  }
  return where;
}

/** The cursor position of a row: created_at with its microseconds, in UTC. */
const cursorAt = sql<string>`to_char(${leads.createdAt} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * The statement that finds the ids of one page of a search: `porchlight_search_lead_ids`
 * (migration 0012) with the list's filters, run where the trigram index can serve the ILIKE.
 * As the app role, under forced RLS, it cannot (ILIKE is not leakproof): a rare term read every
 * lead of the account.
 */
export function searchLeadIdsSql(q: string, f: LeadFilters, limit: number, cursor?: LeadCursor): SQL {
  const filters: Record<string, string | boolean> = {};
  if (f.status) filters.status = f.status;
  if (f.spam !== undefined) filters.spam = f.spam;
  if (f.source) filters.source = f.source;
  if (f.pageId) filters.pageId = f.pageId;
  if (f.assignedTo) filters.assignedTo = f.assignedTo;
  if (f.held !== undefined) filters.held = f.held;
  if (cursor) {
    filters.cursorAt = cursor.at;
    filters.cursorId = cursor.id;
  }
  return sql`SELECT porchlight_search_lead_ids(${searchPattern(q)}, ${JSON.stringify(filters)}::jsonb, ${limit}) AS id`;
}

/**
 * The statement for one page of the account's leads, newest first (created_at, then id, both
 * descending: the order of `leads_account_created_idx`), after `cursor`, one row more than
 * `limit` so the caller knows whether there is a next page. For a search, `ids` are what
 * searchLeadIdsSql found: every condition still applies to them, under RLS.
 */
export function selectLeads(
  tx: Tx,
  accountId: string,
  f: LeadFilters,
  limit: number,
  cursor?: LeadCursor,
  ids?: string[],
) {
  const where = conditions(accountId, f);
  if (cursor) {
    where.push(sql`(${leads.createdAt}, ${leads.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`);
  }
  if (ids) where.push(inArray(leads.id, ids));
  return tx
    .select({ ...getTableColumns(leads), cursorAt })
    .from(leads)
    .where(and(...where))
    .orderBy(desc(leads.createdAt), desc(leads.id))
    .limit(limit + 1);
}

/** One page of the account's leads (selectLeads); a search finds its page's ids first. */
export async function findLeads(
  tx: Tx,
  accountId: string,
  f: LeadFilters,
  limit: number,
  cursor?: LeadCursor,
) {
  if (f.q === undefined) return selectLeads(tx, accountId, f, limit, cursor);
  const found = await tx.execute(searchLeadIdsSql(f.q, f, limit + 1, cursor));
  const ids = (found as unknown as { rows: { id: string }[] }).rows.map((r) => r.id);
  return ids.length === 0 ? [] : selectLeads(tx, accountId, f, limit, cursor, ids);
}

/** How many of the account's leads are in each status, and how many are held. */
export async function countLeads(tx: Tx, accountId: string) {
  const byStatus = await tx
    .select({ status: leads.status, n: count() })
    .from(leads)
    .where(eq(leads.accountId, accountId))
    .groupBy(leads.status);
  const [held] = await tx
    .select({ n: count() })
    .from(leads)
    .where(and(eq(leads.accountId, accountId), eq(leads.isHeld, true)));
  return { byStatus, held: held?.n ?? 0 };
}
