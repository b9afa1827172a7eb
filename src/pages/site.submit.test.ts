import { describe, expect, it } from 'vitest';
import { makeAccount, makePage } from '../../test/factories.ts';
import { useTestApp } from '../../test/http.ts';
import { testConfig } from '../config.ts';
import { withTenant } from '../db/tenant.ts';
import { formOf, routePage, setBranding } from './testing.ts';

const t = useTestApp({
  config: testConfig({
    BASE_URL: 'http://localhost:3000',
    BASE_DOMAIN: 'porchlight.test',
    INTAKE_MIN_FILL_SECONDS: '0',
  }),
});

let ipSeq = 1;
/** Each test posts from its own address, so the intake rate limits of one never touch another. */
const nextIp = () => `198.51.100.${ipSeq++}`;

async function livePage(kind: 'home_valuation' | 'contact' = 'home_valuation') {
  const { account } = await makeAccount(t.db);
  const page = await makePage(t.db, { accountId: account.id, kind });
  await routePage(t.db, account.id, page.id);
  return { account, page };
}

function post(url: string, fields: Record<string, string>, options: { host?: string; ip?: string } = {}) {
  return t.app.inject({
    method: 'POST',
    url,
    payload: new URLSearchParams(fields).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'Mozilla/5.0 (test)',
      ...(options.host ? { host: options.host } : {}),
    },
    remoteAddress: options.ip ?? '198.51.100.250',
  });
}

async function render(url: string, host?: string) {
  const res = await t.app.inject({ method: 'GET', url, ...(host ? { headers: { host } } : {}) });
  expect(res.statusCode).toBe(200);
  return formOf(res.body);
}

function leadsOf(accountId: string) {
  return withTenant(t.db, accountId, async (_tx, client) => {
    const { rows } = await client.query<{
      full_name: string;
      phone_e164: string;
      status: string;
      page_url: string;
    }>('SELECT full_name, phone_e164, status, page_url, utm_source FROM leads WHERE account_id = $1', [
      accountId,
    ]);
    return rows;
  });
}

describe('submitting a capture page', () => {
  it('creates the lead and answers 303 to the thank-you page', async () => {
    const { account, page } = await livePage();
    const url = `/p/${account.slug}/${page.slug}`;
    const form = await render(`${url}?utm_source=flyer`);
    const res = await post(
      form.action,
      {
        addressLine: '12 Oak Street',
        city: 'Austin',
        fullName: 'Pat Doe',
        email: 'pat@example.com',
        phone: '(512) 555-0142',
        utmSource: 'flyer',
        website: '',
        _t: form.token,
        _k: form.key,
      },
      { ip: nextIp() },
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`${url}/thanks`);
    const leads = await leadsOf(account.id);
    expect(leads).toMatchObject([
      {
        full_name: 'Pat Doe',
        phone_e164: '+15125550142',
        status: 'new',
        page_url: `http://localhost:3000${url}`,
      },
    ]);
    const thanks = await t.app.inject({ method: 'GET', url: res.headers.location as string });
    expect(thanks.statusCode).toBe(200);
    expect(thanks.headers['cache-control']).toBe('no-store');
    expect(thanks.body).toContain('your home value estimate is on its way');
  });

  it('posts to the page on a subdomain and redirects on that host', async () => {
    const { account, page } = await livePage('contact');
    const host = `${account.slug}.porchlight.test`;
    const form = await render(`/${page.slug}`, host);
    const res = await post(
      form.action,
      { fullName: 'Sam', email: 'sam@example.com', message: 'Hello', _t: form.token, _k: form.key },
      { host, ip: nextIp() },
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/${page.slug}/thanks`);
    expect(await leadsOf(account.id)).toHaveLength(1);
    const thanks = await t.app.inject({ method: 'GET', url: `/${page.slug}/thanks`, headers: { host } });
    expect(thanks.body).toContain('Thank you for reaching out');
  });

  it('answers 422 with every value kept and the phone error tied to the phone input', async () => {
    const { account, page } = await livePage();
    await setBranding(t.db, account.id, { consent_text: 'You may text me.' });
    const url = `/p/${account.slug}/${page.slug}`;
    const form = await render(url);
    const res = await post(
      url,
      {
        addressLine: '12 <Oak> "Street"',
        city: 'Austin',
        timeline: '3_6_months',
        fullName: 'Pat Doe',
        email: 'pat@example.com',
        phone: '123',
        consent: 'yes',
        referrer: 'https://news.example/',
        website: '',
        _t: form.token,
        _k: form.key,
      },
      { ip: nextIp() },
    );
    expect(res.statusCode).toBe(422);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.body;
    expect(body).toMatch(/<title>Error: /);
    expect(body).toMatch(
      /<input type="tel" inputmode="tel" id="f-phone" name="phone" autocomplete="tel" aria-invalid="true" aria-describedby="contact-note f-phone-error" value="123">/,
    );
    expect(body).toMatch(/<p class="field-error" id="f-phone-error">.*valid phone number/);
    expect(body).toMatch(/<div class="error-summary" id="error-summary" role="alert"[^>]*>/);
    expect(body).toContain('<a href="#f-phone">');
    expect(body).toContain('value="12 &lt;Oak&gt; &quot;Street&quot;"');
    expect(body).toContain('name="city" autocomplete="address-level2" value="Austin"');
    expect(body).toContain('<option value="3_6_months" selected>');
    expect(body).toContain(
      'name="email" autocomplete="email" aria-describedby="contact-note" value="pat@example.com"',
    );
    expect(body).toMatch(/id="f-consent" name="consent"[^>]*value="yes" checked>/);
    expect(body).toContain('<input type="hidden" name="referrer" value="https://news.example/">');
    // The same idempotency key; a token signed for the same page.
    const again = formOf(body);
    expect(again.key).toBe(form.key);
    expect(again.token).toMatch(/^[0-9a-z]+\./);
    expect(await leadsOf(account.id)).toHaveLength(0);

    // Corrected and sent again with the kept key: one lead.
    const fixed = await post(
      url,
      {
        addressLine: '12 Oak Street',
        email: 'pat@example.com',
        phone: '512-555-0142',
        _t: again.token,
        _k: again.key,
      },
      { ip: nextIp() },
    );
    expect(fixed.statusCode).toBe(303);
    expect(await leadsOf(account.id)).toHaveLength(1);
  });

  it('records the consent text the visitor saw, also when it changed after the form was shown', async () => {
    const { account, page } = await livePage('contact');
    await setBranding(t.db, account.id, { consent_text: 'You may call me. (v1)' });
    const url = `/p/${account.slug}/${page.slug}`;
    const first = await render(url);
    const late = await render(url); // a second visitor, still on the first text when it changes
    expect(first.consent).toMatch(/^[\w-]{16}$/);
    const send = (form: typeof first, email: string) =>
      post(
        url,
        { fullName: 'Pat Doe', email, consent: 'yes', _t: form.token, _k: form.key, _c: form.consent },
        { ip: nextIp() },
      );
    expect((await send(first, 'first@example.com')).statusCode).toBe(303);
    await setBranding(t.db, account.id, { consent_text: 'You may call and text me. (v2)' });
    const after = await render(url);
    expect(after.consent).not.toBe(first.consent);
    expect((await send(late, 'late@example.com')).statusCode).toBe(303);
    expect((await send(after, 'after@example.com')).statusCode).toBe(303);
    const consents = await withTenant(t.db, account.id, async (_tx, client) => {
      const { rows } = await client.query<{ email: string; consent_text: string }>(
        `SELECT l.email::text, c.consent_text FROM lead_consents c
         JOIN leads l ON l.account_id = c.account_id AND l.id = c.lead_id ORDER BY c.created_at`,
      );
      return rows;
    });
    expect(consents).toEqual([
      { email: 'first@example.com', consent_text: 'You may call me. (v1)' },
      { email: 'late@example.com', consent_text: 'You may call me. (v1)' },
      { email: 'after@example.com', consent_text: 'You may call and text me. (v2)' },
    ]);
  });

  it('names a missing required field and a missing way to reply', async () => {
    const { account, page } = await livePage();
    const url = `/p/${account.slug}/${page.slug}`;
    const form = await render(url);
    const res = await post(url, { city: 'Austin', _t: form.token, _k: form.key }, { ip: nextIp() });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('<a href="#f-addressLine">Property address is required</a>');
    expect(res.body).toContain('<a href="#f-email">Enter an email address or a phone number');
    expect(res.body).toContain('aria-describedby="f-addressLine-error"');
  });

  it('replays a double submit as one lead, and a changed body under the same key as a notice', async () => {
    const { account, page } = await livePage('contact');
    const url = `/p/${account.slug}/${page.slug}`;
    const form = await render(url);
    const fields = { fullName: 'Lee', email: 'lee@example.com', _t: form.token, _k: form.key };
    const ip = nextIp();
    expect((await post(url, fields, { ip })).statusCode).toBe(303);
    expect((await post(url, fields, { ip })).statusCode).toBe(303);
    expect(await leadsOf(account.id)).toHaveLength(1);
    const changed = await post(url, { ...fields, message: 'something else' }, { ip });
    expect(changed.statusCode).toBe(409);
    expect(changed.body).toContain('This form was already sent.');
    expect(changed.body).toContain('>something else</textarea>');
    expect(formOf(changed.body).key).not.toBe(form.key);
  });

  it('sends a bot that fills the honeypot to the thank-you page, as spam', async () => {
    const { account, page } = await livePage('contact');
    const url = `/p/${account.slug}/${page.slug}`;
    const form = await render(url);
    const res = await post(
      url,
      { email: 'bot@example.com', website: 'http://spam.example', _t: form.token, _k: form.key },
      { ip: nextIp() },
    );
    expect(res.statusCode).toBe(303);
    expect((await leadsOf(account.id))[0]?.status).toBe('spam');
  });

  it('answers 429 with Retry-After and a friendly page when one visitor sends too often', async () => {
    const { account, page } = await livePage('contact');
    const url = `/p/${account.slug}/${page.slug}`;
    const ip = nextIp();
    let res: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 11; i++) {
      const form = await render(url);
      res = await post(url, { email: `v${i}@example.com`, _t: form.token, _k: form.key }, { ip });
      if (res.statusCode === 429) break;
    }
    expect(res!.statusCode).toBe(429);
    expect(Number(res!.headers['retry-after'])).toBeGreaterThan(0);
    expect(res!.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res!.body).toContain('Please wait a moment');
  });

  it('refuses a body that is not a form', async () => {
    const { account, page } = await livePage('contact');
    const res = await t.app.inject({
      method: 'POST',
      url: `/p/${account.slug}/${page.slug}`,
      payload: 'email=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.statusCode).toBe(415);
  });

  it('takes a form post that carries the dashboard’s session cookie (no CSRF refusal)', async () => {
    const { account, page } = await livePage('contact');
    const url = `/p/${account.slug}/${page.slug}`;
    const form = await render(url);
    const res = await t.app.inject({
      method: 'POST',
      url,
      payload: new URLSearchParams({ email: 'c@example.com', _t: form.token, _k: form.key }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://elsewhere.example' },
      cookies: { porchlight_session: 'whatever' },
      remoteAddress: nextIp(),
    });
    expect(res.statusCode).toBe(303);
  });
});
