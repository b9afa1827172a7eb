import type { PublicPageView } from '../modules/pages/public.service.ts';
import { pageCopy } from './copy.ts';
import { attr, html } from './html.ts';
import { phoneOf, renderAvatar, renderDocument, renderSiteBody, shareImage } from './layout.ts';
import type { SiteUrls } from './urls.ts';

/** The page a visitor lands on after sending a form: what happens next, and who to call. */
export function renderThanksPage(view: PublicPageView, urls: SiteUrls, nonce: string): string {
  const { site, page } = view;
  const copy = pageCopy(view);
  const phone = phoneOf(site);
  const b = site.branding;
  const main = html`<div class="plain"><div class="card">
<div class="check-mark" aria-hidden="true"><svg width="32" height="32" viewBox="0 0 20 20"><path d="M4.5 10.5l3.5 3.5 7.5-8" fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round"/></svg></div>
<h1>${copy.thankYouHeadline}</h1>
<p>${copy.thankYouMessage}</p>
<div class="next">
<div class="agent-mini">${renderAvatar(site, urls.origin)}<div>
<div class="who">${b.displayName}</div>
${b.brokerage ? html`<div class="sub">${b.brokerage}</div>` : ''}
${phone ? html`<div class="sub">Questions? Call <a${attr('href', phone.href)}>${phone.text}</a></div>` : ''}
${b.publicEmail ? html`<div class="sub"><a${attr('href', `mailto:${b.publicEmail}`)}>${b.publicEmail}</a></div>` : ''}
</div></div>
</div>
<p class="next"><a${attr('href', urls.page)}>Back to ${page.title}</a></p>
</div></div>`;
  return renderDocument({
    title: `${copy.thankYouHeadline} · ${b.displayName}`,
    description: copy.thankYouMessage,
    canonical: `${urls.origin}${urls.thanks}`,
    image: shareImage(site, urls.origin),
    siteName: b.displayName,
    site,
    nonce,
    body: renderSiteBody(site, urls.origin, urls.home, main, { withAgent: false }),
    isIndexable: false,
  });
}
