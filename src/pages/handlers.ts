import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createIntake, formToken, readFormToken } from '../modules/intake/intake.service.ts';
import {
  getPublicPage,
  getPublicSiteIndex,
  type PublicPageView,
  recordPageView,
} from '../modules/pages/public.service.ts';
import type { FieldError } from '../platform/errors.ts';
import type { ModuleDeps } from '../platform/module.ts';
import { consentTag, pageCopy } from './copy.ts';
import { renderNotFoundPage, renderRateLimitedPage } from './errors.ts';
import type { FormValues } from './fields.ts';
import { renderFormPage } from './form.ts';
import { renderSiteIndex } from './home.ts';
import { renderThanksPage } from './thanks.ts';
import { type SiteMode, type SiteUrls, siteKeyOf, siteUrls } from './urls.ts';

/**
 * The public site's handlers, shared by the three ways a page is reached (urls.ts). Every
 * answer is an HTML page; a form page is never cached (each render carries a fresh key).
 */

const UTM = [
  ['utm_source', 'utmSource'],
  ['utm_medium', 'utmMedium'],
  ['utm_campaign', 'utmCampaign'],
  ['utm_term', 'utmTerm'],
  ['utm_content', 'utmContent'],
] as const;
/** Sent back to the visitor never: tokens and the honeypot are made anew on each render. */
const NOT_KEPT = new Set(['_t', '_k', '_c', 'website']);
/** How long, and for how many pages, a form POST may reuse the page it found (loadForPost). */
const POST_VIEW_TTL_MS = 30_000;
const POST_VIEW_MAX = 1000;
const BOT = /bot\b|crawl|spider|slurp|facebookexternalhit|embedly|preview|monitor/i;
const KEY = /^[\x21-\x7e]{1,255}$/;

export function sendHtml(
  reply: FastifyReply,
  status: number,
  body: string,
  nonce: string,
  cache = 'no-store',
) {
  return reply
    .code(status)
    .headers({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': cache,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'strict-origin-when-cross-origin',
      'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; img-src * data:; script-src 'nonce-${nonce}'; form-action 'self'; base-uri 'none'`,
    })
    .send(body);
}

export const newNonce = () => crypto.randomBytes(16).toString('base64');

export function sendNotFound(reply: FastifyReply) {
  const nonce = newNonce();
  return sendHtml(reply, 404, renderNotFoundPage(nonce), nonce);
}

function first(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' ? v : undefined;
}

/** UTM parameters of the page's URL and where the visitor came from, for the hidden inputs. */
function carriedValues(request: FastifyRequest): FormValues {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const values: FormValues = {};
  for (const [param, field] of UTM) {
    const v = first(query[param])?.trim().slice(0, 200);
    if (v) values[field] = v;
  }
  const referrer = request.headers.referer?.trim();
  if (referrer && /^https?:\/\//i.test(referrer)) values.referrer = referrer.slice(0, 2000);
  return values;
}

/** The posted fields as strings (the parser makes them so; anything else is dropped). */
function postedValues(body: unknown): Record<string, string> {
  if (!body || typeof body !== 'object') return {};
  return Object.fromEntries(
    Object.entries(body as Record<string, unknown>).filter(
      (e): e is [string, string] => typeof e[1] === 'string',
    ),
  );
}

function isPrefetch(request: FastifyRequest): boolean {
  const purpose = `${request.headers.purpose ?? ''} ${request.headers['sec-purpose'] ?? ''}`;
  return /prefetch|prerender/i.test(purpose);
}

export type SiteHandlers = ReturnType<typeof createSiteHandlers>;

export function createSiteHandlers(deps: ModuleDeps) {
  const intake = createIntake(deps);

  async function load(mode: SiteMode, pageSlug: string) {
    return getPublicPage(deps.db, siteKeyOf(mode), pageSlug);
  }

  const postViews = new Map<string, { view: PublicPageView; at: number }>();

  /**
   * The page a form POST is for. Looking it up is two transactions, more than the intake itself,
   * and the visitor has just been shown it: a page found in the last 30 s is reused, if the
   * consent text it holds is the one the visitor saw (`_c`), so the consent record stays exact.
   * An unpublished page is still refused: the intake function checks the page itself.
   */
  async function loadForPost(mode: SiteMode, pageSlug: string, shownConsent: string | undefined) {
    const key = `${JSON.stringify(siteKeyOf(mode))}/${pageSlug}`;
    const now = Date.now();
    const hit = postViews.get(key);
    if (
      hit &&
      now - hit.at < POST_VIEW_TTL_MS &&
      consentTag(pageCopy(hit.view).consentText) === (shownConsent ?? '')
    ) {
      return hit.view;
    }
    const view = await load(mode, pageSlug);
    postViews.delete(key);
    if (view) {
      postViews.set(key, { view, at: now });
      if (postViews.size > POST_VIEW_MAX) postViews.delete(postViews.keys().next().value!);
    }
    return view;
  }

  function urlsOf(
    request: FastifyRequest,
    mode: SiteMode,
    view: { site: PublicPageView['site'] },
    slug?: string,
  ) {
    return siteUrls(deps.config, request, mode, view.site.account.slug, slug);
  }

  /** Counts the view; never lets a failure reach the visitor. */
  async function countView(request: FastifyRequest, view: PublicPageView) {
    if (request.method !== 'GET' || isPrefetch(request)) return;
    const userAgent = request.headers['user-agent'] ?? null;
    if (userAgent && BOT.test(userAgent)) return;
    try {
      await recordPageView(deps.db, deps.pepper, {
        accountId: view.site.account.id,
        pageId: view.page.id,
        ip: request.ip,
        userAgent,
      });
    } catch (error) {
      request.log.warn(
        { accountId: view.site.account.id, pageId: view.page.id, code: (error as { code?: string }).code },
        'page view not recorded',
      );
    }
  }

  function form(
    reply: FastifyReply,
    status: number,
    view: PublicPageView,
    urls: SiteUrls,
    options: {
      values: FormValues;
      errors?: FieldError[];
      key?: string;
      renderedAt?: number;
      notice?: 'already_sent';
    },
  ) {
    const nonce = newNonce();
    const body = renderFormPage({
      view,
      urls,
      nonce,
      token: formToken(deps.pepper, view.page.id, options.renderedAt),
      idempotencyKey: options.key ?? crypto.randomUUID(),
      values: options.values,
      errors: options.errors ?? [],
      notice: options.notice ?? null,
    });
    return sendHtml(reply, status, body, nonce);
  }

  async function showPage(request: FastifyRequest, reply: FastifyReply, mode: SiteMode, pageSlug: string) {
    const view = await load(mode, pageSlug);
    if (!view) return sendNotFound(reply);
    await countView(request, view);
    return form(reply, 200, view, urlsOf(request, mode, view, pageSlug), { values: carriedValues(request) });
  }

  async function submitPage(request: FastifyRequest, reply: FastifyReply, mode: SiteMode, pageSlug: string) {
    const { _c: shownConsent, ...posted } = postedValues(request.body);
    const view = await loadForPost(mode, pageSlug, shownConsent);
    if (!view) return sendNotFound(reply);
    const urls = urlsOf(request, mode, view, pageSlug);
    const consentText = pageCopy(view).consentText;
    const result = await intake.submit({
      pageId: view.page.id,
      accountId: view.site.account.id,
      channel: 'form',
      body: posted,
      client: {
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
        referrer: request.headers.referer ?? null,
        pageUrl: urls.canonical,
      },
      idempotencyKey: posted._k ?? null,
      consentShown: consentText ? { text: consentText } : null,
    });
    const kept = Object.fromEntries(Object.entries(posted).filter(([k]) => !NOT_KEPT.has(k)));
    switch (result.outcome) {
      case 'created':
      case 'merged':
      case 'spam':
      case 'replayed':
        return reply.code(303).header('cache-control', 'no-store').redirect(urls.thanks, 303);
      case 'invalid': {
        // The same key, so the corrected form is still one submission; the render time of a
        // genuine token is kept, so fixing a typo quickly is not mistaken for a bot's speed.
        const renderedAt = readFormToken(deps.pepper, view.page.id, posted._t) ?? undefined;
        const key = posted._k && KEY.test(posted._k) ? posted._k : undefined;
        return form(reply, 422, view, urls, { values: kept, errors: result.errors, key, renderedAt });
      }
      case 'idempotency_mismatch':
        return form(reply, 409, view, urls, { values: kept, notice: 'already_sent' });
      case 'rate_limited': {
        const nonce = newNonce();
        reply.header('retry-after', String(result.retryAfter));
        return sendHtml(reply, 429, renderRateLimitedPage(view, urls, result.retryAfter, nonce), nonce);
      }
      case 'page_not_found':
        return sendNotFound(reply);
    }
  }

  async function showThanks(request: FastifyRequest, reply: FastifyReply, mode: SiteMode, pageSlug: string) {
    const view = await load(mode, pageSlug);
    if (!view) return sendNotFound(reply);
    const nonce = newNonce();
    return sendHtml(reply, 200, renderThanksPage(view, urlsOf(request, mode, view, pageSlug), nonce), nonce);
  }

  async function showIndex(request: FastifyRequest, reply: FastifyReply, mode: SiteMode) {
    const index = await getPublicSiteIndex(deps.db, siteKeyOf(mode));
    if (!index) return sendNotFound(reply);
    const urls = urlsOf(request, mode, index);
    const base = mode.kind === 'path' ? `/p/${index.site.account.slug}` : '';
    const nonce = newNonce();
    const body = renderSiteIndex(index, urls, (slug) => `${base}/${slug}`, nonce);
    return sendHtml(reply, 200, body, nonce, 'no-cache');
  }

  return { showPage, submitPage, showThanks, showIndex };
}
