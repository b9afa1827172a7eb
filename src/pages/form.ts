import { type FieldSpec, HONEYPOT_FIELD, PAGE_FIELDS } from '../modules/intake/fields.ts';
import type { PublicPageView } from '../modules/pages/public.service.ts';
import type { FieldError } from '../platform/errors.ts';
import { consentTag, pageCopy } from './copy.ts';
import {
  type FieldErrors,
  type FormValues,
  fieldId,
  friendlyError,
  renderConsent,
  renderFields,
} from './fields.ts';
import { attr, html, type SafeHtml } from './html.ts';
import { renderAvatar, renderDocument, renderSiteBody, shareImage } from './layout.ts';
import type { SiteUrls } from './urls.ts';

/** A capture page: the hero with its form, testimonials and the agent's card. */

/** Hidden inputs the form carries from the page's URL and request (never shown). */
export const CARRIED_FIELDS = ['utmSource', 'utmMedium', 'utmCampaign', 'utmTerm', 'utmContent', 'referrer'];

export type FormPageModel = {
  view: PublicPageView;
  urls: SiteUrls;
  nonce: string;
  /** The signed render token (`_t`) and the idempotency key (`_k`); `_c` is the consent's tag. */
  token: string;
  idempotencyKey: string;
  values: FormValues;
  errors: FieldError[];
  notice?: 'already_sent' | null;
};

type SummaryItem = { href: string; message: string };

/** Each intake error beside its field (first one wins) and in the summary, in form order. */
function placeErrors(
  specs: readonly FieldSpec[],
  consentText: string | null,
  errors: FieldError[],
): { byField: FieldErrors; summary: SummaryItem[] } {
  const byField: FieldErrors = new Map();
  const loose: SummaryItem[] = [];
  const all = consentText
    ? [...specs, { name: 'consent', label: 'Consent', type: 'checkbox' } as FieldSpec]
    : specs;
  for (const error of errors) {
    const spec = all.find((s) => s.name === error.path);
    const message = friendlyError(spec, error.path, error.message);
    if (spec) {
      if (!byField.has(spec.name)) byField.set(spec.name, message);
    } else loose.push({ href: '#lead-form', message });
  }
  const summary = all
    .filter((s) => byField.has(s.name))
    .map((s) => ({ href: `#${fieldId(s.name)}`, message: byField.get(s.name)! }));
  return { byField, summary: [...summary, ...loose] };
}

function renderSummary(items: SummaryItem[]): SafeHtml {
  if (!items.length) return html``;
  return html`<div class="error-summary" id="error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title">
<h2 id="error-summary-title">Please check the form</h2>
<ul>${items.map((i) => html`<li><a${attr('href', i.href)}>${i.message}</a></li>`)}</ul></div>`;
}

function renderHidden(m: FormPageModel): SafeHtml {
  const carried = CARRIED_FIELDS.filter((name) => m.values[name]).map(
    (name) => html`<input type="hidden"${attr('name', name)}${attr('value', m.values[name])}>`,
  );
  const consent = consentTag(pageCopy(m.view).consentText);
  return html`<input type="hidden" name="_t"${attr('value', m.token)}>
<input type="hidden" name="_k"${attr('value', m.idempotencyKey)}>${
    consent ? html`\n<input type="hidden" name="_c"${attr('value', consent)}>` : html``
  }${carried}
<div class="hp" aria-hidden="true"><label${attr('for', fieldId(HONEYPOT_FIELD))}>Leave this empty</label><input type="text"${attr(
    'id',
    fieldId(HONEYPOT_FIELD),
  )}${attr('name', HONEYPOT_FIELD)} tabindex="-1" autocomplete="off" value=""></div>`;
}

function renderTestimonials(view: PublicPageView): SafeHtml {
  if (!view.testimonials.length) return html``;
  return html`<section class="band" aria-labelledby="quotes-title"><div class="wrap">
<h2 id="quotes-title">What clients say</h2>
<ul class="quotes">${view.testimonials.map(
    (t) => html`<li><figure>
${t.rating ? html`<div class="stars" role="img"${attr('aria-label', `${t.rating} out of 5 stars`)}>${'★'.repeat(t.rating)}${'☆'.repeat(5 - t.rating)}</div>` : ''}
<blockquote><p>${t.quote}</p></blockquote>
<figcaption><strong>${t.authorName}</strong>${t.location ? html`, ${t.location}` : ''}</figcaption>
</figure></li>`,
  )}</ul></div></section>`;
}

export function renderFormPage(m: FormPageModel): string {
  const { view, urls } = m;
  const { site, page } = view;
  const copy = pageCopy(view);
  const specs = PAGE_FIELDS[page.kind];
  const { byField, summary } = placeErrors(specs, copy.consentText, m.errors);
  const notice =
    m.notice === 'already_sent'
      ? html`<div class="notice" role="status"><strong>This form was already sent.</strong> We have your details. To send something different, change it below and send again.</div>`
      : '';
  const main = html`<section class="hero" aria-labelledby="page-title"><div class="wrap">
<div class="copy">
<h1 id="page-title">${copy.headline}</h1>
${copy.subheadline ? html`<p class="lede">${copy.subheadline}</p>` : ''}
</div>
<div class="card">
<h2 id="form-title">${page.title}</h2>
${renderSummary(summary)}${notice}
<form id="lead-form" method="post"${attr('action', urls.page)} enctype="application/x-www-form-urlencoded" novalidate data-once aria-labelledby="form-title">
${renderFields(specs, m.values, byField)}
${renderConsent(copy.consentText, m.values, byField)}
${renderHidden(m)}
<button type="submit" class="btn"${attr('data-label', copy.callToAction)}>${copy.callToAction}</button>
</form>
<p class="privacy">Your details go only to ${site.branding.displayName}. No spam, ever.</p>
</div>
<div class="extras">
${copy.points.length ? html`<ul class="points">${copy.points.map((p) => html`<li>${p}</li>`)}</ul>` : ''}
<div class="agent-mini">${renderAvatar(site, urls.origin)}<div><div class="who">${site.branding.displayName}</div>${
    site.branding.brokerage ? html`<div class="sub">${site.branding.brokerage}</div>` : ''
  }</div></div>
</div>
</div></section>
${renderTestimonials(view)}`;
  const title = `${summary.length ? 'Error: ' : ''}${page.title} · ${site.branding.displayName}`;
  return renderDocument({
    title,
    description: copy.description,
    canonical: urls.canonical,
    image: shareImage(site, urls.origin),
    siteName: site.branding.displayName,
    site,
    nonce: m.nonce,
    body: renderSiteBody(site, urls.origin, urls.home, main),
  });
}
