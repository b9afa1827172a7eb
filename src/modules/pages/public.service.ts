import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { withSystem, withTenant } from '../../db/tenant.ts';
import { notFound } from '../../platform/errors.ts';
import type { BrandingInput } from '../branding/branding.schema.ts';
import { brandingValues, normalizePhone } from '../branding/branding.service.ts';
import type { PageKind } from '../intake/fields.ts';
import {
  findLivePages,
  findPublishedTestimonials,
  getAccountByHostname,
  getAccountById,
  getAccountBySlug,
  getBranding,
  getLivePageBySlug,
  getLocalDay,
  insertPageView,
  isDomainActive,
} from './public.repo.ts';

/**
 * What the public site reads: an account's live pages with its branding and testimonials,
 * found by the account's slug (`/p/{slug}/…`, `{slug}.{BASE_DOMAIN}`) or by an active custom
 * hostname; and the view counting of a rendered page. Only the fields a page shows leave here.
 */

/** How a request names its account: by slug, or by a custom hostname. */
export type SiteKey = { accountSlug: string } | { hostname: string };

export type PublicAccount = { id: string; slug: string; name: string; country: string; timezone: string };

export type PublicBranding = {
  displayName: string;
  brokerage: string | null;
  headline: string | null;
  subheadline: string | null;
  callToAction: string | null;
  logoUrl: string | null;
  photoUrl: string | null;
  primaryColor: string;
  accentColor: string;
  theme: 'light' | 'dark';
  licenseNumber: string | null;
  phoneE164: string | null;
  publicEmail: string | null;
  bio: string | null;
  consentText: string | null;
};

export type PublicSite = { account: PublicAccount; branding: PublicBranding };

export type PublicPage = {
  id: string;
  kind: PageKind;
  slug: string;
  title: string;
  headline: string | null;
  subheadline: string | null;
  callToAction: string | null;
  description: string | null;
  consentText: string | null;
  thankYouHeadline: string | null;
  thankYouMessage: string | null;
};

export type PublicTestimonial = {
  id: string;
  authorName: string;
  quote: string;
  location: string | null;
  rating: number | null;
};

export type PublicPageView = { site: PublicSite; page: PublicPage; testimonials: PublicTestimonial[] };
export type PublicSiteIndex = { site: PublicSite; pages: { slug: string; kind: PageKind; title: string }[] };

export const MAX_TESTIMONIALS = 6;
const MAX_INDEX_PAGES = 50;
const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ACCOUNT_SLUG = /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/;

type AccountRow = NonNullable<Awaited<ReturnType<typeof getAccountBySlug>>>;

function isLiveAccount(row: AccountRow): boolean {
  return row.isActive && row.status !== 'suspended';
}

/** The account a key names, if it is live; a custom hostname also needs its domain row. */
async function resolveAccount(
  db: Database,
  key: SiteKey,
): Promise<{ account: AccountRow; domainId?: string; hostname?: string } | null> {
  if ('accountSlug' in key) {
    const slug = key.accountSlug.toLowerCase();
    if (!ACCOUNT_SLUG.test(slug)) return null;
    const account = await withSystem(db, 'routing: the account of a slug', (tx) =>
      getAccountBySlug(tx, slug),
    );
    return account && isLiveAccount(account) ? { account } : null;
  }
  const hostname = key.hostname.toLowerCase();
  if (hostname.length > 253) return null;
  const row = await withSystem(db, 'routing: the account of a hostname', (tx) =>
    getAccountByHostname(tx, hostname),
  );
  return row && isLiveAccount(row.account)
    ? { account: row.account, domainId: row.domainId, hostname }
    : null;
}

type BrandingFields = Omit<ReturnType<typeof brandingValues>, 'theme'> & { theme: string };

function toSite(account: AccountRow, row: BrandingFields | undefined): PublicSite {
  return {
    account: {
      id: account.id,
      slug: account.slug,
      name: account.name,
      country: account.country,
      timezone: account.timezone,
    },
    branding: {
      displayName: row?.displayName || account.name,
      brokerage: row?.brokerage ?? null,
      headline: row?.headline ?? null,
      subheadline: row?.subheadline ?? null,
      callToAction: row?.callToAction ?? null,
      logoUrl: row?.logoUrl ?? null,
      photoUrl: row?.photoUrl ?? null,
      primaryColor: row?.primaryColor ?? '#1f4fd1',
      accentColor: row?.accentColor ?? '#f59e0b',
      theme: row?.theme === 'dark' ? 'dark' : 'light',
      licenseNumber: row?.licenseNumber ?? account.licenseNumber ?? null,
      phoneE164: row?.phoneE164 ?? account.phoneE164 ?? null,
      publicEmail: row?.publicEmail ?? null,
      bio: row?.bio ?? null,
      consentText: row?.consentText ?? null,
    },
  };
}

/**
 * A live page of a live account with everything its template shows; null for an unknown or
 * inactive account, page or custom hostname (one whose domain is not active), alike.
 */
export async function getPublicPage(
  db: Database,
  key: SiteKey,
  pageSlug: string,
): Promise<PublicPageView | null> {
  if (!SLUG.test(pageSlug)) return null;
  const found = await resolveAccount(db, key);
  if (!found) return null;
  const { account } = found;
  return withTenant(db, account.id, async (tx) => {
    if (found.domainId && !(await isDomainActive(tx, account.id, found.domainId, found.hostname!))) {
      return null;
    }
    const page = await getLivePageBySlug(tx, account.id, pageSlug);
    if (!page) return null;
    const site = toSite(account, await getBranding(tx, account.id));
    const testimonials = await findPublishedTestimonials(tx, account.id, MAX_TESTIMONIALS);
    return {
      site,
      page: {
        id: page.id,
        kind: page.kind as PageKind,
        slug: page.slug,
        title: page.title,
        headline: page.headline,
        subheadline: page.subheadline,
        callToAction: page.callToAction,
        description: page.description,
        consentText: page.consentText,
        thankYouHeadline: page.thankYouHeadline,
        thankYouMessage: page.thankYouMessage,
      },
      testimonials,
    };
  });
}

/** A page as it would look before it is saved: the fields being edited, on a kind. */
export type DraftPage = Omit<PublicPage, 'id' | 'slug'> & { slug: string | null };

/**
 * The view of a page that may not exist yet (the dashboard's live preview): the draft's
 * fields with the account's saved branding and published testimonials, or with a branding
 * draft in place of the saved one. Nothing is written.
 */
export async function getPreviewView(
  db: Database,
  accountId: string,
  draft: DraftPage,
  brandingDraft?: BrandingInput,
): Promise<PublicPageView> {
  return withTenant(db, accountId, async (tx) => {
    const account = await getAccountById(tx, accountId);
    if (!account) throw notFound('ACCOUNT_NOT_FOUND');
    const brandingRow = brandingDraft
      ? brandingValues(
          brandingDraft,
          brandingDraft.phone ? normalizePhone(brandingDraft.phone, account.country) : null,
        )
      : await getBranding(tx, accountId);
    const testimonials = await findPublishedTestimonials(tx, accountId, MAX_TESTIMONIALS);
    return {
      site: toSite(account, brandingRow),
      page: { ...draft, id: 'preview', slug: draft.slug ?? 'preview' },
      testimonials,
    };
  });
}

/** A live account's live pages, oldest first, for the site's home; null as for getPublicPage. */
export async function getPublicSiteIndex(db: Database, key: SiteKey): Promise<PublicSiteIndex | null> {
  const found = await resolveAccount(db, key);
  if (!found) return null;
  const { account } = found;
  return withTenant(db, account.id, async (tx) => {
    if (found.domainId && !(await isDomainActive(tx, account.id, found.domainId, found.hostname!))) {
      return null;
    }
    const site = toSite(account, await getBranding(tx, account.id));
    const pages = await findLivePages(tx, account.id, MAX_INDEX_PAGES);
    return { site, pages: pages.map((p) => ({ slug: p.slug, kind: p.kind as PageKind, title: p.title })) };
  });
}

/**
 * Who a visitor is for unique counting, without keeping who they are: HMAC-SHA256 of
 * `ip|userAgent`, keyed by a salt that changes daily (`HMAC(pepper, 'page-visitor:' + day)`)
 * and is never stored. The raw IP never reaches the database.
 */
export function visitorHash(pepper: string, day: string, ip: string, userAgent: string): string {
  const salt = crypto.createHmac('sha256', pepper).update(`page-visitor:${day}`).digest();
  return crypto.createHmac('sha256', salt).update(`${ip}|${userAgent}`).digest('hex');
}

/**
 * Counts one view of a page on the account's local day, and a unique visitor when this visitor
 * has not been seen on the page that day; one transaction.
 */
export async function recordPageView(
  db: Database,
  pepper: string,
  view: { accountId: string; pageId: string; ip: string; userAgent: string | null },
): Promise<{ isNewVisitor: boolean }> {
  return withTenant(db, view.accountId, async (tx) => {
    const day = await getLocalDay(tx, view.accountId);
    return insertPageView(tx, {
      accountId: view.accountId,
      pageId: view.pageId,
      day,
      visitorHash: visitorHash(pepper, day, view.ip, view.userAgent ?? ''),
      statsId: crypto.randomUUID(),
    });
  });
}
