import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { PublicSite } from '../modules/pages/public.service.ts';
import { STYLESHEET } from './css.ts';
import { html, raw, type SafeHtml, safeUrl } from './html.ts';
import { colour, DEFAULT_PRIMARY, themeVariables } from './theme.ts';

/** The document shell, header, agent card and footer every public page shares. */

export type DocumentModel = {
  title: string;
  description: string;
  /** Absolute; also og:url. */
  canonical: string | null;
  /** Absolute image URL for og:image. */
  image: string | null;
  siteName: string;
  site: PublicSite | null;
  /** The CSP nonce of the inline script. */
  nonce: string;
  body: SafeHtml;
  isIndexable?: boolean;
};

/** Enhancements only: the form works without them. */
const SCRIPT = `(function(){var s=document.getElementById('error-summary');if(s)s.focus();
document.querySelectorAll('form[data-once]').forEach(function(f){f.addEventListener('submit',function(){
var b=f.querySelector('button[type=submit]');if(b){b.disabled=true;b.setAttribute('aria-busy','true');b.textContent='Sending…';}});});
window.addEventListener('pageshow',function(){document.querySelectorAll('button[aria-busy]').forEach(function(b){
b.disabled=false;b.removeAttribute('aria-busy');b.textContent=b.getAttribute('data-label');});});})();`.replace(
  /\n/g,
  '',
);

export function renderDocument(m: DocumentModel): string {
  const theme = themeVariables(
    m.site?.branding ?? { primaryColor: DEFAULT_PRIMARY, accentColor: '#f59e0b', theme: 'light' },
  );
  const primary = colour(m.site?.branding.primaryColor, DEFAULT_PRIMARY);
  const card = m.image ? 'summary_large_image' : 'summary';
  return `<!doctype html>${
    html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${m.title}</title>
<meta name="description" content="${m.description}">
${m.isIndexable === false ? html`<meta name="robots" content="noindex">` : ''}
<meta name="theme-color" content="${primary}">
${m.canonical ? html`<link rel="canonical" href="${m.canonical}">` : ''}
<meta property="og:type" content="website">
<meta property="og:site_name" content="${m.siteName}">
<meta property="og:title" content="${m.title}">
<meta property="og:description" content="${m.description}">
${m.canonical ? html`<meta property="og:url" content="${m.canonical}">` : ''}
${m.image ? html`<meta property="og:image" content="${m.image}">` : ''}
<meta name="twitter:card" content="${card}">
<meta name="twitter:title" content="${m.title}">
<meta name="twitter:description" content="${m.description}">
${m.image ? html`<meta name="twitter:image" content="${m.image}">` : ''}
<style>${raw(theme)}${raw(STYLESHEET)}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${m.body}
<script nonce="${m.nonce}">${raw(SCRIPT)}</script>
</body>
</html>`.value
  }`;
}

export type Phone = { href: string; text: string };

/** A tel: link and how to show the number: national in the account's country. */
export function phoneOf(site: PublicSite): Phone | null {
  const e164 = site.branding.phoneE164;
  if (!e164) return null;
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return null;
  const text =
    parsed.country === site.account.country ? parsed.formatNational() : parsed.formatInternational();
  return { href: parsed.getURI(), text };
}

function initials(name: string): string {
  const parts = name.split(/\s+/).filter(Boolean);
  return (
    (parts[0]?.[0] ?? '') + (parts.length > 1 ? (parts[parts.length - 1]?.[0] ?? '') : '')
  ).toUpperCase();
}

/** The agent's photo, or their initials in a circle. */
export function renderAvatar(site: PublicSite, origin: string, large = false): SafeHtml {
  const photo = safeUrl(site.branding.photoUrl, origin);
  const size = large ? 96 : 64;
  const cls = large ? 'avatar lg' : 'avatar';
  if (photo) {
    return html`<img class="${cls}" src="${photo}" alt="${site.branding.displayName}" width="${size}" height="${size}">`;
  }
  return html`<span class="${cls}" aria-hidden="true">${initials(site.branding.displayName)}</span>`;
}

/** og:image: the agent's photo, else the logo. */
export function shareImage(site: PublicSite, origin: string): string | null {
  return safeUrl(site.branding.photoUrl, origin) ?? safeUrl(site.branding.logoUrl, origin);
}

export function renderHeader(site: PublicSite, origin: string, homeHref: string): SafeHtml {
  const logo = safeUrl(site.branding.logoUrl, origin);
  const phone = phoneOf(site);
  return html`<header class="site-header"><div class="wrap">
<a class="brand" href="${homeHref}">${
    logo
      ? html`<img src="${logo}" alt="${site.branding.displayName}" height="40">`
      : html`<span>${site.branding.displayName}</span>`
  }</a>
${phone ? html`<a class="call" href="${phone.href}"><span aria-hidden="true">☎</span><span class="visually-hidden">Call </span>${phone.text}</a>` : ''}
</div></header>`;
}

/** Name, brokerage, licence, phone and email: who the visitor is writing to. */
export function renderAgentSection(site: PublicSite, origin: string): SafeHtml {
  const b = site.branding;
  const phone = phoneOf(site);
  return html`<section class="agent" aria-labelledby="agent-name"><div class="wrap">
${renderAvatar(site, origin, true)}
<div>
<h2 id="agent-name">${b.displayName}</h2>
${b.brokerage ? html`<p>${b.brokerage}</p>` : ''}
${b.licenseNumber ? html`<p>License #${b.licenseNumber}</p>` : ''}
${phone ? html`<p><a href="${phone.href}">${phone.text}</a></p>` : ''}
${b.publicEmail ? html`<p><a href="${`mailto:${b.publicEmail}`}">${b.publicEmail}</a></p>` : ''}
${b.bio ? html`<p class="bio">${b.bio}</p>` : ''}
</div>
</div></section>`;
}

export function renderFooter(site: PublicSite): SafeHtml {
  const b = site.branding;
  return html`<footer class="site-footer"><div class="wrap">
<p>© ${new Date().getFullYear()} ${b.displayName}${b.brokerage ? html` · ${b.brokerage}` : ''}${b.licenseNumber ? html` · License #${b.licenseNumber}` : ''}</p>
<p>Your details are sent securely and never sold.</p>
</div></footer>`;
}

/** A `<main>` with the header before it and the agent card and footer after it. */
export function renderSiteBody(
  site: PublicSite,
  origin: string,
  homeHref: string,
  main: SafeHtml,
  options: { withAgent?: boolean } = {},
): SafeHtml {
  return html`${renderHeader(site, origin, homeHref)}
<main id="main" tabindex="-1">${main}</main>
${options.withAgent === false ? '' : renderAgentSection(site, origin)}
${renderFooter(site)}`;
}
