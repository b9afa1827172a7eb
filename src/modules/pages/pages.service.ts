import crypto from 'node:crypto';
import type { Database, Tx } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import type { capturePages, pageKinds } from '../../db/schema/index.ts';
import { isUuid, withTenant } from '../../db/tenant.ts';
import { AppError, invalid, notFound } from '../../platform/errors.ts';
import {
  deletePageRoute,
  deletePage as deletePageRow,
  findPageStats,
  findPages,
  getAccountFacts,
  getPage,
  insertPage,
  insertPageRoute,
  type PagePatch,
  pageHasLeads,
  updatePage as updatePageRow,
} from './pages.repo.ts';

export type CapturePage = typeof capturePages.$inferSelect;
/** A page with its account's slug, which its public addresses are made from. */
export type PageView = CapturePage & { accountSlug: string };

export type CreatePageInput = {
  kind: (typeof pageKinds)[number];
  slug: string;
  title: string;
  headline?: string | null;
  subheadline?: string | null;
  callToAction?: string | null;
  description?: string | null;
  consentText?: string | null;
  thankYouHeadline?: string | null;
  thankYouMessage?: string | null;
  isActive?: boolean;
  settings?: Record<string, unknown>;
};

export type UpdatePageInput = Partial<Omit<CreatePageInput, 'kind'>>;

/** First path segments the public site router uses itself: no page may take them. */
export const RESERVED_PAGE_SLUGS: ReadonlySet<string> = new Set([
  'p',
  'api',
  'assets',
  '_site',
  'thanks',
  'healthz',
  'readyz',
  'dev',
  'app',
]);

const PAGE_NOT_FOUND = () => notFound('PAGE_NOT_FOUND', 'No such page');

function assertSlugAllowed(slug: string): void {
  if (RESERVED_PAGE_SLUGS.has(slug)) {
    throw invalid('PAGE_SLUG_RESERVED', [{ path: 'body.slug', message: 'is reserved; choose another' }]);
  }
}

/** A taken slug as a 409 naming `slug`; any other error as it was. */
function asSlugConflict(error: unknown): unknown {
  if (isUniqueViolation(error, 'capture_pages_account_slug_key')) {
    return new AppError('conflict', 'PAGE_SLUG_TAKEN', 'This account already has a page at that address', [
      { path: 'body.slug', message: 'is taken' },
    ]);
  }
  return error;
}

async function accountSlugOf(tx: Tx, accountId: string): Promise<string> {
  const account = await getAccountFacts(tx, accountId);
  if (!account) throw notFound('ACCOUNT_NOT_FOUND', 'No such account');
  return account.slug;
}

/**
 * Creates a page and registers its id in the global `page_routes` (for the public intake
 * endpoint) in one transaction. A slug the account already uses is a 409 naming `slug`.
 */
export async function createPage(db: Database, accountId: string, input: CreatePageInput): Promise<PageView> {
  assertSlugAllowed(input.slug);
  try {
    return await withTenant(db, accountId, async (tx) => {
      const page = await insertPage(tx, {
        accountId,
        id: crypto.randomUUID(),
        kind: input.kind,
        slug: input.slug,
        title: input.title,
        headline: input.headline ?? null,
        subheadline: input.subheadline ?? null,
        callToAction: input.callToAction ?? null,
        description: input.description ?? null,
        consentText: input.consentText ?? null,
        thankYouHeadline: input.thankYouHeadline ?? null,
        thankYouMessage: input.thankYouMessage ?? null,
        isActive: input.isActive ?? true,
        settings: input.settings ?? {},
      });
      await insertPageRoute(tx, accountId, page.id);
      return { ...page, accountSlug: await accountSlugOf(tx, accountId) };
    });
  } catch (error) {
    throw asSlugConflict(error);
  }
}

const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6})\|([0-9a-f-]{36})$/;

function encodeCursor(createdKey: string, id: string): string {
  return Buffer.from(`${createdKey}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdKey: string; id: string } {
  const m = CURSOR.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m || !isUuid(m[2])) {
    throw invalid('PAGE_CURSOR_INVALID', [
      { path: 'querystring.cursor', message: 'is not a cursor from this list' },
    ]);
  }
  return { createdKey: m[1]!, id: m[2] };
}

/** The account's pages, newest first; archived ones only when asked for. */
export async function listPages(
  db: Database,
  accountId: string,
  options: { limit: number; cursor?: string | undefined; includeArchived?: boolean },
): Promise<{ pages: PageView[]; nextCursor: string | null }> {
  const after = options.cursor ? decodeCursor(options.cursor) : undefined;
  return withTenant(db, accountId, async (tx) => {
    const rows = await findPages(tx, accountId, {
      limit: options.limit + 1,
      includeArchived: options.includeArchived ?? false,
      ...(after ? { after } : {}),
    });
    const accountSlug = await accountSlugOf(tx, accountId);
    const page = rows.slice(0, options.limit);
    const last = page[page.length - 1];
    return {
      pages: page.map((r) => ({ ...r.page, accountSlug })),
      nextCursor: rows.length > options.limit && last ? encodeCursor(last.createdKey, last.page.id) : null,
    };
  });
}

/** One of the account's pages; any other id (another account's, unknown, not a uuid) is 404. */
export async function getPageById(db: Database, accountId: string, id: string): Promise<PageView> {
  if (!isUuid(id)) throw PAGE_NOT_FOUND();
  return withTenant(db, accountId, async (tx) => {
    const page = await getPage(tx, accountId, id);
    if (!page) throw PAGE_NOT_FOUND();
    return { ...page, accountSlug: await accountSlugOf(tx, accountId) };
  });
}

/**
 * Changes a page's fields (its kind never changes). An archived page is kept as it was when
 * archived, for its leads' sake: 409.
 */
export async function updatePage(
  db: Database,
  accountId: string,
  id: string,
  input: UpdatePageInput,
): Promise<PageView> {
  if (!isUuid(id)) throw PAGE_NOT_FOUND();
  if (input.slug !== undefined) assertSlugAllowed(input.slug);
  const patch = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as PagePatch;
  try {
    return await withTenant(db, accountId, async (tx) => {
      const page = await getPage(tx, accountId, id, { forUpdate: true });
      if (!page) throw PAGE_NOT_FOUND();
      if (page.archivedAt) {
        throw new AppError('conflict', 'PAGE_ARCHIVED', 'This page is archived and can no longer be changed');
      }
      const updated = Object.keys(patch).length ? await updatePageRow(tx, accountId, id, patch) : page;
      return { ...(updated ?? page), accountSlug: await accountSlugOf(tx, accountId) };
    });
  } catch (error) {
    throw asSlugConflict(error);
  }
}

/**
 * Removes a page: hard-deletes it (with its route and stats) when no lead points at it,
 * otherwise archives it (inactive, kept with its route), since a page with leads is never
 * deleted. The page row is locked first, so a lead arriving meanwhile waits and is seen.
 */
export async function deletePage(
  db: Database,
  accountId: string,
  id: string,
): Promise<'deleted' | 'archived'> {
  if (!isUuid(id)) throw PAGE_NOT_FOUND();
  return withTenant(db, accountId, async (tx) => {
    const page = await getPage(tx, accountId, id, { forUpdate: true });
    if (!page) throw PAGE_NOT_FOUND();
    if (await pageHasLeads(tx, accountId, id)) {
      if (!page.archivedAt)
        await updatePageRow(tx, accountId, id, { archivedAt: new Date(), isActive: false });
      return 'archived';
    }
    await deletePageRoute(tx, accountId, id);
    await deletePageRow(tx, accountId, id);
    return 'deleted';
  });
}

const MAX_STATS_DAYS = 366;
const DAY_MS = 86_400_000;

export type PageFigures = {
  views: number;
  uniqueVisitors: number;
  submissions: number;
  conversionRate: number;
};
export type PageStats = {
  pageId: string;
  from: string;
  to: string;
  days: (PageFigures & { day: string })[];
  totals: PageFigures;
};

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Today's date where the account is: the day page_stats_daily counts in. */
function todayIn(timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).format(new Date());
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

/** Submissions per unique visitor, to 4 places; 0 when nobody visited. */
function conversionRate(submissions: number, uniqueVisitors: number): number {
  return uniqueVisitors > 0 ? Math.round((submissions / uniqueVisitors) * 10_000) / 10_000 : 0;
}

/**
 * A page's daily views, unique visitors and submissions from `from` to `to` (inclusive; by
 * default the 30 days to today in the account's time zone; at most 366 days), every day
 * present, days without figures as zeros.
 */
export async function getPageStats(
  db: Database,
  accountId: string,
  id: string,
  range: { from?: string | undefined; to?: string | undefined },
): Promise<PageStats> {
  if (!isUuid(id)) throw PAGE_NOT_FOUND();
  return withTenant(db, accountId, async (tx) => {
    const page = await getPage(tx, accountId, id);
    if (!page) throw PAGE_NOT_FOUND();
    const account = await getAccountFacts(tx, accountId);
    const to = range.to ?? todayIn(account?.timezone ?? 'UTC');
    const from = range.from ?? addDays(to, -29);
    if (from > to)
      throw invalid('PAGE_STATS_RANGE', [{ path: 'querystring.from', message: 'must not be after to' }]);
    const count = Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS) + 1;
    if (count > MAX_STATS_DAYS) {
      throw invalid('PAGE_STATS_RANGE', [
        { path: 'querystring.from', message: `the range is at most ${MAX_STATS_DAYS} days` },
      ]);
    }
    const byDay = new Map((await findPageStats(tx, accountId, id, from, to)).map((r) => [r.day, r]));
    const totals = { views: 0, uniqueVisitors: 0, submissions: 0 };
    const days = Array.from({ length: count }, (_, i) => {
      const day = addDays(from, i);
      const r = byDay.get(day) ?? { views: 0, uniqueVisitors: 0, submissions: 0 };
      totals.views += r.views;
      totals.uniqueVisitors += r.uniqueVisitors;
      totals.submissions += r.submissions;
      return {
        day,
        views: r.views,
        uniqueVisitors: r.uniqueVisitors,
        submissions: r.submissions,
        conversionRate: conversionRate(r.submissions, r.uniqueVisitors),
      };
    });
    return {
      pageId: id,
      from,
      to,
      days,
      totals: { ...totals, conversionRate: conversionRate(totals.submissions, totals.uniqueVisitors) },
    };
  });
}
