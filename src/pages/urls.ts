import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import type { SiteKey } from '../modules/pages/public.service.ts';
import { hostnameOf } from './host.ts';

/**
 * Where a page is, as the visitor sees it. The same page answers at `{BASE_URL}/p/{account}/{page}`,
 * at `{account}.{BASE_DOMAIN}/{page}` and at an active custom hostname `/{page}`; the last two
 * reach the routes rewritten to `/_site/…` (host.ts), so links and the form's action are built
 * here from the mode, never from the rewritten URL.
 */
export type SiteMode =
  | { kind: 'path'; accountSlug: string }
  | { kind: 'sub'; label: string }
  | { kind: 'custom'; hostname: string };

export type SiteUrls = {
  /** Scheme, host and port the visitor used (BASE_URL's for /p/ pages). */
  origin: string;
  /** Paths on that origin. */
  home: string;
  page: string;
  thanks: string;
  /** Absolute URL of the page (canonical link, og:url, the lead's page URL). */
  canonical: string;
};

export function siteKeyOf(mode: SiteMode): SiteKey {
  switch (mode.kind) {
    case 'path':
      return { accountSlug: mode.accountSlug };
    case 'sub':
      return { accountSlug: mode.label };
    case 'custom':
      return { hostname: mode.hostname };
  }
}

/** True when a `/_site/…` route was reached by the host rewrite, not asked for by name. */
export function isRewritten(request: FastifyRequest): boolean {
  return !request.originalUrl.startsWith('/_site/');
}

/** The origin of a site host from its Host header (a port only when it is one). */
function hostOrigin(config: Config, hostHeader: string | undefined): string {
  const protocol = new URL(config.baseUrl).protocol;
  const host = hostnameOf(hostHeader) ?? '';
  const port = /:(\d{1,5})$/.exec(hostHeader ?? '')?.[1];
  return `${protocol}//${host}${port ? `:${port}` : ''}`;
}

export function siteUrls(
  config: Config,
  request: FastifyRequest,
  mode: SiteMode,
  accountSlug: string,
  pageSlug?: string,
): SiteUrls {
  const origin = mode.kind === 'path' ? config.baseUrl : hostOrigin(config, request.headers.host);
  const base = mode.kind === 'path' ? `/p/${accountSlug}` : '';
  const home = base || '/';
  const page = pageSlug ? `${base}/${pageSlug}` : home;
  return { origin, home, page, thanks: `${page}/thanks`, canonical: `${origin}${page}` };
}
