import { and, asc, desc, eq, gte, isNull, lte, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { accounts, capturePages, leads, pageRoutes, pageStatsDaily } from '../../db/schema/index.ts';

export type NewPage = typeof capturePages.$inferInsert;
export type PageRow = typeof capturePages.$inferSelect;
export type PagePatch = Partial<Omit<NewPage, 'accountId' | 'id' | 'kind' | 'createdAt'>>;

/** A page, with its creation time exactly as stored (microseconds) for keyset cursors. */
const withCursorKey = {
  page: capturePages,
  createdKey: sql<string>`to_char(${capturePages.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`,
};

export async function insertPage(tx: Tx, row: NewPage) {
  const [page] = await tx.insert(capturePages).values(row).returning();
  return page!;
}

/** Registers a page id for the public intake endpoint, which names only the page. */
export async function insertPageRoute(tx: Tx, accountId: string, pageId: string): Promise<void> {
  await tx.insert(pageRoutes).values({ accountId, pageId });
}

export async function deletePageRoute(tx: Tx, accountId: string, pageId: string): Promise<void> {
  await tx.delete(pageRoutes).where(and(eq(pageRoutes.accountId, accountId), eq(pageRoutes.pageId, pageId)));
}

/** The account's slug and time zone (accounts is global; a tenant reads every row). */
export async function getAccountFacts(tx: Tx, accountId: string) {
  const [row] = await tx
    .select({ slug: accounts.slug, timezone: accounts.timezone })
    .from(accounts)
    .where(eq(accounts.id, accountId));
  return row;
}

/** The account's pages, newest first, after the (createdAt, id) of `after` when given. */
export async function findPages(
  tx: Tx,
  accountId: string,
  options: { limit: number; after?: { createdKey: string; id: string }; includeArchived: boolean },
) {
  const rows = await tx
    .select(withCursorKey)
    .from(capturePages)
    .where(
      and(
        eq(capturePages.accountId, accountId),
        options.includeArchived ? undefined : isNull(capturePages.archivedAt),
        options.after
          ? sql`(${capturePages.createdAt}, ${capturePages.id}) < (${options.after.createdKey}::timestamp at time zone 'UTC', ${options.after.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(capturePages.createdAt), desc(capturePages.id))
    .limit(options.limit);
  return rows;
}

export async function getPage(tx: Tx, accountId: string, id: string, options: { forUpdate?: boolean } = {}) {
  const query = tx
    .select()
    .from(capturePages)
    .where(and(eq(capturePages.accountId, accountId), eq(capturePages.id, id)));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row;
}

export async function updatePage(tx: Tx, accountId: string, id: string, patch: PagePatch) {
  const [row] = await tx
    .update(capturePages)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(eq(capturePages.accountId, accountId), eq(capturePages.id, id)))
    .returning();
  return row;
}

export async function deletePage(tx: Tx, accountId: string, id: string): Promise<void> {
  await tx.delete(capturePages).where(and(eq(capturePages.accountId, accountId), eq(capturePages.id, id)));
}

/**
 * Whether any lead points at the page. Read here rather than through the leads module: it is
 * the referential guard of the page's own delete (leads_page_fkey), not a look at leads' data.
 */
export async function pageHasLeads(tx: Tx, accountId: string, pageId: string): Promise<boolean> {
  const [row] = await tx
    .select({ one: sql<number>`1` })
    .from(leads)
    .where(and(eq(leads.accountId, accountId), eq(leads.pageId, pageId)))
    .limit(1);
  return row !== undefined;
}

/** The page's daily figures between two days (inclusive), oldest first. */
export function findPageStats(tx: Tx, accountId: string, pageId: string, from: string, to: string) {
  return tx
    .select({
      day: pageStatsDaily.day,
      views: pageStatsDaily.views,
      uniqueVisitors: pageStatsDaily.uniqueVisitors,
      submissions: pageStatsDaily.submissions,
    })
    .from(pageStatsDaily)
    .where(
      and(
        eq(pageStatsDaily.accountId, accountId),
        eq(pageStatsDaily.pageId, pageId),
        gte(pageStatsDaily.day, from),
        lte(pageStatsDaily.day, to),
      ),
    )
    .orderBy(asc(pageStatsDaily.day));
}
