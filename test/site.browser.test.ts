import fs from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../src/config.ts';
import { withTenant } from '../src/db/tenant.ts';
import { routePage, setBranding } from '../src/pages/testing.ts';
import { makePage } from './factories.ts';
import { asSession, type SignedUp, signUp, useTestApp } from './http.ts';

/**
 * The public site as a visitor uses it, in Debian's Chromium: a real server on a random port,
 * a home-valuation page on BASE_URL's /p/ address and on the account's subdomain (resolved to
 * 127.0.0.1 by Chromium's host resolver rules), filled in and sent, and the lead seen through the API.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`test/site.browser.test.ts skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
}

describe.skipIf(!hasChromium)('the public site in a browser', () => {
  const t = useTestApp({
    config: testConfig({
      BASE_URL: 'http://localhost:3000',
      BASE_DOMAIN: 'porchlight.test',
      INTAKE_MIN_FILL_SECONDS: '0',
    }),
  });
  let browser: Browser;
  let port: number;
  let owner: SignedUp;
  let pageSlug: string;

  beforeAll(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--host-resolver-rules=MAP *.porchlight.test 127.0.0.1',
      ],
    });
    owner = await signUp(t.app, 'browser');
    await setBranding(t.db, owner.accountId, {
      display_name: 'Maria Lopez',
      brokerage: 'Sunbelt Realty',
      phone_e164: '+15125550123',
      consent_text: 'I agree to be contacted about my home.',
    });
    const page = await makePage(t.db, {
      accountId: owner.accountId,
      kind: 'home_valuation',
      title: 'Home value',
    });
    await routePage(t.db, owner.accountId, page.id);
    pageSlug = page.slug;
  });

  afterAll(async () => {
    await browser?.close();
  });

  const slugOf = async () =>
    withTenant(t.db, owner.accountId, async (_tx, client) => {
      const { rows } = await client.query<{ slug: string }>('SELECT slug FROM accounts WHERE id = $1', [
        owner.accountId,
      ]);
      return rows[0]!.slug;
    });

  async function fill(page: Page, values: { email: string; phone: string }) {
    await page.getByLabel('Property address').fill('12 Oak Street');
    await page.getByLabel('City').fill('Austin');
    await page.getByLabel('When might you sell?').selectOption('3_6_months');
    await page.getByLabel('Your name').fill('Pat Doe');
    await page.getByLabel('Email', { exact: true }).fill(values.email);
    await page.getByLabel('Phone', { exact: true }).fill(values.phone);
    await page.getByLabel('I agree to be contacted').check();
  }

  /** The account's leads through the API (or, while that route is not there, the database). */
  async function leadEmails(): Promise<string[]> {
    const res = await asSession(t.app, owner.cookie)('GET', '/api/v1/leads');
    if (res.statusCode === 200)
      return (res.json().data as { email: string | null }[]).map((l) => l.email ?? '');
    return withTenant(t.db, owner.accountId, async (_tx, client) => {
      const { rows } = await client.query<{ email: string }>(
        'SELECT email FROM leads WHERE account_id = $1',
        [owner.accountId],
      );
      return rows.map((r) => r.email);
    });
  }

  it('sends the form on the /p/ address and shows the thank-you page; the lead is in the API', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const url = `http://127.0.0.1:${port}/p/${await slugOf()}/${pageSlug}?utm_source=browser`;
    await page.goto(url);
    await expect.poll(() => page.locator('h1').textContent()).toContain('What is your home worth');
    await fill(page, { email: 'pat.path@example.com', phone: '(512) 555-0142' });
    await page.getByRole('button', { name: 'Get my home value' }).click();
    await page.waitForURL(/\/thanks$/);
    expect(await page.locator('h1').textContent()).toContain('Thank you');
    expect(await page.getByText('Maria Lopez').first().isVisible()).toBe(true);
    expect(await leadEmails()).toContain('pat.path@example.com');
    await context.close();
  });

  it('does the same on the account’s subdomain, staying on that host', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const origin = `http://${await slugOf()}.porchlight.test:${port}`;
    await page.goto(`${origin}/${pageSlug}`);
    await fill(page, { email: 'pat.sub@example.com', phone: '512-555-0143' });
    await page.keyboard.press('Enter');
    await page.waitForURL(`${origin}/${pageSlug}/thanks`);
    expect(await page.locator('h1').textContent()).toContain('Thank you');
    expect(await leadEmails()).toContain('pat.sub@example.com');
    await context.close();
  });

  it('shows the phone error beside the phone input with every other value kept', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/p/${await slugOf()}/${pageSlug}`);
    await fill(page, { email: 'pat.bad@example.com', phone: '123' });
    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Get my home value' }).click(),
    ]);
    expect(response?.status()).toBe(422);
    const phone = page.getByLabel('Phone', { exact: true });
    expect(await phone.getAttribute('aria-invalid')).toBe('true');
    expect(await phone.inputValue()).toBe('123');
    const error = page.locator('#f-phone-error');
    expect(await error.isVisible()).toBe(true);
    expect(await error.textContent()).toContain('valid phone number');
    expect(await page.getByLabel('Property address').inputValue()).toBe('12 Oak Street');
    expect(await page.getByLabel('Email', { exact: true }).inputValue()).toBe('pat.bad@example.com');
    expect(await page.getByLabel('When might you sell?').inputValue()).toBe('3_6_months');
    expect(await page.getByLabel('I agree to be contacted').isChecked()).toBe(true);
    // The error summary takes focus, and its link leads to the phone input.
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('error-summary');
    await page.getByRole('link', { name: /valid phone number/ }).click();
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('f-phone');
    // Fixed and sent again: the thank-you page, and one lead.
    await phone.fill('512-555-0144');
    await page.getByRole('button', { name: 'Get my home value' }).click();
    await page.waitForURL(/\/thanks$/);
    expect((await leadEmails()).filter((e) => e === 'pat.bad@example.com')).toHaveLength(1);
    await context.close();
  });
});
