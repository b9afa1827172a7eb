import type { PublicPageView } from '../modules/pages/public.service.ts';
import { attr, html } from './html.ts';
import { renderDocument, renderSiteBody } from './layout.ts';
import type { SiteUrls } from './urls.ts';

/** The public site's error pages: plain, friendly, and the same for every kind of "not here". */

export function renderNotFoundPage(nonce: string): string {
  const body = html`<main id="main" tabindex="-1"><div class="plain"><div class="card">
<h1>We can’t find that page</h1>
<p>The link may be mistyped, or the page may have moved or been taken down.</p>
<p>If someone sent you this link, ask them for a new one.</p>
</div></div></main>`;
  return renderDocument({
    title: 'Page not found',
    description: 'This page does not exist.',
    canonical: null,
    image: null,
    siteName: 'Porchlight',
    site: null,
    nonce,
    body,
    isIndexable: false,
  });
}

/** Minutes (or seconds, under one) in words. */
function waitFor(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

export function renderRateLimitedPage(
  view: PublicPageView,
  urls: SiteUrls,
  retryAfter: number,
  nonce: string,
): string {
  const { site, page } = view;
  const main = html`<div class="plain"><div class="card">
<h1>Please wait a moment</h1>
<p>This form has been sent several times in a short while. To keep out spam, please try again in ${waitFor(retryAfter)}.</p>
<p><a${attr('href', urls.page)}>Back to ${page.title}</a></p>
</div></div>`;
  return renderDocument({
    title: `Please wait a moment · ${site.branding.displayName}`,
    description: 'Too many submissions in a short while.',
    canonical: urls.canonical,
    image: null,
    siteName: site.branding.displayName,
    site,
    nonce,
    body: renderSiteBody(site, urls.origin, urls.home, main, { withAgent: false }),
    isIndexable: false,
  });
}
