import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { accounts, branding, capturePages, domains, hostnames, testimonials } from '../../db/schema/index.ts';

/**
 * Read-side queries of the public site (rendering a page) and its view counting. Every
 * function takes the transaction it runs in; tenant reads name the account.
 */

const accountColumns = {
  id: accounts.id,
  slug: accounts.slug,
  name: accounts.name,
  country: accounts.country,
  timezone: accounts.timezone,
  phoneE164: accounts.phoneE164,
  licenseNumber: accounts.licenseNumber,
  isActive: accounts.isActive,
  status: accounts.status,
};

export async function getAccountBySlug(tx: Tx, slug: string) {
  const [row] = await tx.select(accountColumns).from(accounts).where(eq(accounts.slug, slug)).limit(1);
  return row;
}

export async function getAccountById(tx: Tx, id: string) {
  const [row] = await tx.select(accountColumns).from(accounts).where(eq(accounts.id, id)).limit(1);
  return row;
}

/** The account a custom hostname routes to, and its domain row's id (global table). */
export async function getAccountByHostname(tx: Tx, hostname: string) {
  const [row] = await tx
    .select({ account: accountColumns, domainId: hostnames.domainId })
    .from(hostnames)
    .innerJoin(accounts, eq(accounts.id, hostnames.accountId))
    .where(eq(hostnames.hostname, hostname))
    .limit(1);
  return row;
}

export async function isDomainActive(tx: Tx, accountId: string, domainId: string, hostname: string) {
  const [row] = await tx
    .select({ id: domains.id })
    .from(domains)
    .where(
      and(
        eq(domains.accountId, accountId),
        eq(domains.id, domainId),
        eq(domains.hostname, hostname),
        eq(domains.verificationStatus, 'active'),
      ),
    )
    .limit(1);
  return row !== undefined;
}

export async function getBranding(tx: Tx, accountId: string) {
  const [row] = await tx.select().from(branding).where(eq(branding.accountId, accountId)).limit(1);
  return row;
}

const live = (accountId: string) =>
  and(
    eq(capturePages.accountId, accountId),
    eq(capturePages.isActive, true),
    isNull(capturePages.archivedAt),
  );

export async function getLivePageBySlug(tx: Tx, accountId: string, slug: string) {
  const [row] = await tx
    .select()
    .from(capturePages)
    .where(and(live(accountId), eq(capturePages.slug, slug)))
    .limit(1);
  return row;
}

export function findLivePages(tx: Tx, accountId: string, limit: number) {
  return tx
    .select({
      slug: capturePages.slug,
      kind: capturePages.kind,
      title: capturePages.title,
      description: capturePages.description,
    })
    .from(capturePages)
    .where(live(accountId))
    .orderBy(asc(capturePages.createdAt), asc(capturePages.slug))
    .limit(limit);
}

export function findPublishedTestimonials(tx: Tx, accountId: string, limit: number) {
  return tx
    .select({
      id: testimonials.id,
      authorName: testimonials.authorName,
      quote: testimonials.quote,
      location: testimonials.location,
      rating: testimonials.rating,
    })
    .from(testimonials)
    .where(and(eq(testimonials.accountId, accountId), eq(testimonials.isPublished, true)))
    .orderBy(asc(testimonials.sortOrder), asc(testimonials.createdAt))
    .limit(limit);
}

function firstRow(result: unknown): Record<string, unknown> | undefined {
  return (result as { rows: Record<string, unknown>[] }).rows[0];
}

/** Today in the account's own time zone, as YYYY-MM-DD. */
export async function getLocalDay(tx: Tx, accountId: string): Promise<string> {
  const result = await tx.execute(sql`
    SELECT to_char((now() AT TIME ZONE ${accounts.timezone})::date, 'YYYY-MM-DD') AS day
    FROM ${accounts} WHERE ${accounts.id} = ${accountId}`);
  const day = firstRow(result)?.day;
  if (typeof day !== 'string') throw new Error('getLocalDay: account not found');
  return day;
}

/**
 * One view of a page: the visitor row (new only once per page and day) and the day's counters,
 * views + 1 and unique visitors + 1 when the visitor row was new, in one statement.
 */
export async function insertPageView(
  tx: Tx,
  view: { accountId: string; pageId: string; day: string; visitorHash: string; statsId: string },
): Promise<{ isNewVisitor: boolean }> {
  const result = await tx.execute(sql`
    WITH visitor AS (
      INSERT INTO page_visitors (account_id, page_id, day, visitor_hash)
      VALUES (${view.accountId}, ${view.pageId}, ${view.day}::date, ${view.visitorHash})
      ON CONFLICT DO NOTHING
      RETURNING 1
    )
    INSERT INTO page_stats_daily (account_id, id, page_id, day, views, unique_visitors)
    VALUES (${view.accountId}, ${view.statsId}, ${view.pageId}, ${view.day}::date, 1,
      (SELECT count(*)::int FROM visitor))
    ON CONFLICT (account_id, page_id, day) DO UPDATE SET
      views = page_stats_daily.views + 1,
      unique_visitors = page_stats_daily.unique_visitors + excluded.unique_visitors,
      updated_at = now()
    RETURNING (SELECT count(*)::int FROM visitor) AS added`);
  return { isNewVisitor: Number(firstRow(result)?.added ?? 0) > 0 };
}
