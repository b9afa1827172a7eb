import { describe, expect, it } from 'vitest';
import { makeAccount, makePage } from '../../test/factories.ts';
import { useTestApp } from '../../test/http.ts';
import { pageKinds } from '../db/schema/index.ts';
import { PAGE_FIELDS } from '../modules/intake/fields.ts';
import { addTestimonial, formOf, setBranding } from './testing.ts';

const t = useTestApp();

/** Every id a `<label for>` names, and every input/select/textarea id. */
function labelsAndControls(body: string) {
  const labels = new Set([...body.matchAll(/<label for="([^"]+)"/g)].map((m) => m[1]));
  const controls = [...body.matchAll(/<(?:input|select|textarea)\b([^>]*)>/g)]
    .map((m) => m[1]!)
    .filter((a) => !/type="hidden"/.test(a))
    .map((a) => /id="([^"]+)"/.exec(a)?.[1]);
  return { labels, controls };
}

describe('rendering a capture page', () => {
  it.each(pageKinds)('renders a %s page with a labelled field for each of its inputs', async (kind) => {
    const { account } = await makeAccount(t.db);
    const page = await makePage(t.db, { accountId: account.id, kind, title: `My ${kind} page` });
    const res = await t.app.inject({ method: 'GET', url: `/p/${account.slug}/${page.slug}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.body;
    expect(body).toMatch(/^<!doctype html><html lang="en">/);
    expect(body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(body).toContain('<main id="main"');
    for (const field of PAGE_FIELDS[kind]) {
      expect(body, field.name).toContain(`name="${field.name}"`);
      expect(body, field.name).toContain(`<label for="f-${field.name}">${field.label}`);
    }
    const { labels, controls } = labelsAndControls(body);
    for (const id of controls) expect(labels.has(id), `label for ${id}`).toBe(true);
    const form = formOf(body);
    expect(form.action).toBe(`/p/${account.slug}/${page.slug}`);
    expect(form.token).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]+$/);
    expect(form.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(body).toContain('method="post"');
    expect(body).toContain('enctype="application/x-www-form-urlencoded"');
    // The honeypot is out of sight and out of the tab order.
    expect(body).toMatch(
      /<div class="hp" aria-hidden="true">.*name="website" tabindex="-1" autocomplete="off"/s,
    );
    const canonical = `http://localhost:3000/p/${account.slug}/${page.slug}`;
    expect(body).toContain(`<link rel="canonical" href="${canonical}">`);
    expect(body).toContain(`<meta property="og:url" content="${canonical}">`);
    expect(body).toContain('<meta property="og:type" content="website">');
    expect(body).toContain(`<meta property="og:title" content="My ${kind} page · ${account.name}">`);
    expect(body).toMatch(/<meta property="og:description" content="[^"]+">/);
    expect(body).toContain('<meta name="twitter:card"');
  });

  it('renders a fresh key on each render', async () => {
    const { account } = await makeAccount(t.db);
    const page = await makePage(t.db, { accountId: account.id });
    const get = () => t.app.inject({ method: 'GET', url: `/p/${account.slug}/${page.slug}` });
    expect(formOf((await get()).body).key).not.toBe(formOf((await get()).body).key);
  });

  it('shows the branding: names, contact, colours, photo as og:image, consent and testimonials', async () => {
    const { account } = await makeAccount(t.db);
    await setBranding(t.db, account.id, {
      display_name: 'Maria Lopez',
      brokerage: 'Sunbelt Realty',
      license_number: 'TX-123456',
      phone_e164: '+15125550123',
      public_email: 'maria@example.com',
      photo_url: 'https://cdn.example.com/maria.jpg',
      logo_url: 'https://cdn.example.com/logo.png',
      primary_color: '#0f766e',
      accent_color: '#fbbf24',
      theme: 'dark',
      consent_text: 'I agree to be contacted by phone, text and email.',
      headline: 'Austin homes, sold right',
    });
    for (let i = 0; i < 8; i++) {
      await addTestimonial(t.db, account.id, {
        authorName: `Client ${i}`,
        quote: `Quote number ${i}`,
        rating: 5,
        sortOrder: 10 - i,
        isPublished: i !== 7,
      });
    }
    const page = await makePage(t.db, { accountId: account.id, kind: 'home_valuation' });
    const { body } = await t.app.inject({ method: 'GET', url: `/p/${account.slug}/${page.slug}` });
    expect(body).toContain('Maria Lopez');
    expect(body).toContain('Sunbelt Realty');
    expect(body).toContain('License #TX-123456');
    expect(body).toContain('href="tel:+15125550123"');
    expect(body).toContain('(512) 555-0123');
    expect(body).toContain('--primary:#0f766e');
    expect(body).toContain('color-scheme:dark');
    expect(body).toContain('<meta property="og:image" content="https://cdn.example.com/maria.jpg">');
    expect(body).toContain('src="https://cdn.example.com/logo.png"');
    expect(body).toContain('Austin homes, sold right');
    expect(body).toMatch(/<input type="checkbox" id="f-consent" name="consent"[^>]* value="yes">/);
    expect(body).toContain('I agree to be contacted by phone, text and email.');
    // Six published ones, by sort order: 6, 5, 4, 3, 2, 1 (7 is unpublished, 0 the seventh).
    const quotes = [...body.matchAll(/Quote number (\d)/g)].map((m) => m[1]);
    expect(quotes).toEqual(['6', '5', '4', '3', '2', '1']);
  });

  it('uses the page’s own words over the branding’s', async () => {
    const { account } = await makeAccount(t.db);
    await setBranding(t.db, account.id, { headline: 'Branding headline', call_to_action: 'Branding CTA' });
    const page = await makePage(t.db, {
      accountId: account.id,
      headline: 'Page headline',
      callToAction: 'Value my home',
    });
    const { body } = await t.app.inject({ method: 'GET', url: `/p/${account.slug}/${page.slug}` });
    expect(body).toContain('<h1 id="page-title">Page headline</h1>');
    expect(body).toContain('>Value my home</button>');
    expect(body).not.toContain('Branding headline');
  });

  it('escapes hostile branding and page text everywhere', async () => {
    const { account } = await makeAccount(t.db);
    await setBranding(t.db, account.id, {
      display_name: '<script>alert(1)</script>',
      brokerage: '"><img src=x onerror=alert(2)>',
      bio: "</style><script>alert('bio')</script>",
      logo_url: 'javascript:alert(3)',
      photo_url: '" onerror="alert(4)',
      consent_text: '<b>consent</b>',
    });
    await addTestimonial(t.db, account.id, { authorName: '<i>x</i>', quote: '<script>q()</script>' });
    const page = await makePage(t.db, { accountId: account.id, title: '</title><script>t()</script>' });
    const { body } = await t.app.inject({ method: 'GET', url: `/p/${account.slug}/${page.slug}` });
    const scripts = [...body.matchAll(/<script\b/g)];
    expect(scripts).toHaveLength(1); // the page's own enhancement script only
    expect(body).not.toContain('<img src=x');
    expect(body).not.toContain('javascript:');
    expect(body).not.toContain('onerror="alert');
    expect(body).not.toContain('<b>consent');
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(body).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(body).toContain('&lt;/title&gt;&lt;script&gt;t()&lt;/script&gt;');
  });

  it('carries UTM parameters and the referrer as hidden inputs', async () => {
    const { account } = await makeAccount(t.db);
    const page = await makePage(t.db, { accountId: account.id });
    const { body } = await t.app.inject({
      method: 'GET',
      url: `/p/${account.slug}/${page.slug}?utm_source=facebook&utm_medium=cpc&utm_campaign=spring%22x&utm_term=t&utm_content=c`,
      headers: { referer: 'https://www.facebook.com/' },
    });
    expect(body).toContain('<input type="hidden" name="utmSource" value="facebook">');
    expect(body).toContain('<input type="hidden" name="utmMedium" value="cpc">');
    expect(body).toContain('<input type="hidden" name="utmCampaign" value="spring&quot;x">');
    expect(body).toContain('<input type="hidden" name="utmTerm" value="t">');
    expect(body).toContain('<input type="hidden" name="utmContent" value="c">');
    expect(body).toContain('<input type="hidden" name="referrer" value="https://www.facebook.com/">');
  });

  it('sends a content security policy that allows only its own inline script', async () => {
    const { account } = await makeAccount(t.db);
    const page = await makePage(t.db, { accountId: account.id });
    const res = await t.app.inject({ method: 'GET', url: `/p/${account.slug}/${page.slug}` });
    const nonce = /script-src 'nonce-([^']+)'/.exec(String(res.headers['content-security-policy']))?.[1];
    expect(nonce).toBeTruthy();
    expect(res.body).toContain(`<script nonce="${nonce}">`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});
