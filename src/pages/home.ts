import type { PublicSiteIndex } from '../modules/pages/public.service.ts';
import { attr, html } from './html.ts';
import { renderDocument, renderSiteBody, shareImage } from './layout.ts';
import type { SiteUrls } from './urls.ts';

/** A site's home: the agent and links to each of the account's live pages. */
export function renderSiteIndex(
  index: PublicSiteIndex,
  urls: SiteUrls,
  pagePath: (slug: string) => string,
  nonce: string,
) {
  const { site, pages } = index;
  const b = site.branding;
  const main = html`<div class="plain"><div class="card">
<h1>${b.headline || b.displayName}</h1>
${b.subheadline ? html`<p>${b.subheadline}</p>` : ''}
${
  pages.length
    ? html`<h2 class="visually-hidden">Pages</h2><ul class="pages">${pages.map(
        (p) => html`<li><a${attr('href', pagePath(p.slug))}>${p.title}</a></li>`,
      )}</ul>`
    : html`<p>There is nothing to see here yet.</p>`
}
</div></div>`;
  return renderDocument({
    title: b.displayName,
    description: b.subheadline || `${b.displayName}${b.brokerage ? `, ${b.brokerage}` : ''}`,
    canonical: `${urls.origin}${urls.home}`,
    image: shareImage(site, urls.origin),
    siteName: b.displayName,
    site,
    nonce,
    body: renderSiteBody(site, urls.origin, urls.home, main),
  });
}
