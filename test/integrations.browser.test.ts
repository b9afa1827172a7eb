import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../src/config.ts';
import {
  axeProblems,
  CHROMIUM,
  freePort,
  hasChromium,
  launchChromium,
  SIZES,
  signedInContext,
} from './browser.ts';
import { signUp, useTestApp } from './http.ts';

/**
 * Integrations as an admin sees them, in Debian's Chromium against a real server with its job
 * worker: add a webhook endpoint (the secret shown once), send a test event that a receiver
 * verifies with the `standardwebhooks` library, import a CSV and read its report, add a contact
 * and a group. Each screen is checked with axe at desktop and phone widths.
 */

if (!hasChromium) console.warn(`test/integrations.browser.test.ts skipped: no Chromium at ${CHROMIUM}`);

const SHOTS = process.env.SCREENSHOTS === '1' ? path.resolve('docs/screenshots') : null;
const port = await freePort();
const origin = `http://127.0.0.1:${port}`;

type Received = { headers: Record<string, string>; body: string };

describe.skipIf(!hasChromium)('integrations in a browser', () => {
  const received: Received[] = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers as Record<string, string>, body });
      res.writeHead(204).end();
    });
  });
  let receiverUrl = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/porchlight`;
  });
  const t = useTestApp({
    withJobs: true,
    makeConfig: () => testConfig({ BASE_URL: origin, WEBHOOKS_ALLOW_PRIVATE: 'true' }),
  });
  let browser: Browser;

  beforeAll(async () => {
    await t.app.listen({ port, host: '127.0.0.1' });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  async function checkScreen(page: Page, name: string, size: (typeof SIZES)[number]) {
    expect(await axeProblems(page), `${name} (${size.name})`).toEqual([]);
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(Number(overflow), `${name} (${size.name}) scrolls sideways`).toBeLessThanOrEqual(0);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${name}-${size.name}.png`), fullPage: true });
  }

  it('adds a webhook and sends a verified test event, imports a CSV, files a contact', async () => {
    const owner = await signUp(t.app, 'integrations-ui');
    const context = await signedInContext(browser, origin, owner.cookie);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    // Webhooks: add an endpoint, copy its secret, send a test event.
    await page.goto(`${origin}/app/settings?section=webhooks`);
    await page.getByLabel('URL').fill(receiverUrl);
    await page.getByLabel('Description (optional)').fill('Our CRM');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByRole('heading', { name: /Signing secret for/ }).waitFor();
    const secret = await page.getByRole('textbox', { name: 'Signing secret' }).inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    await page.getByRole('button', { name: "I've copied it" }).click();
    await page.getByRole('button', { name: 'Send test' }).click();
    await page.getByRole('cell', { name: /^Delivered/ }).waitFor({ timeout: 15_000 });
    const test = received.find((r) => JSON.parse(r.body).type === 'webhook.test');
    expect(test, 'the receiver got the test event').toBeDefined();
    expect(() => new Webhook(secret).verify(test!.body, test!.headers)).not.toThrow();

    // Import: a generic sheet of three people; the report shows what became of each row.
    await page.goto(`${origin}/app/settings?section=data`);
    await page.getByLabel('File').setInputFiles({
      name: 'sphere.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        'Name,Email,Phone\nAda Lovelace,ada@example.test,+1 512 555 0101\nGrace Hopper,grace@example.test,\nNobody,,\n',
      ),
    });
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByText('Done').first().waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Problems' }).click();
    await page.getByRole('cell', { name: '4' }).waitFor();

    // Contacts: one person, one group.
    await page.goto(`${origin}/app/contacts`);
    await page.getByRole('button', { name: 'New contact' }).click();
    await page.getByLabel('Name').fill('Sam Sphere');
    await page.getByLabel('Email').fill('sam@example.test');
    await page.getByRole('button', { name: 'Add contact' }).click();
    await page.getByText('sam@example.test').waitFor();
    await page.getByLabel('New group').fill('Past clients');
    await page.getByRole('button', { name: 'Make group' }).click();
    await page.getByText('0 people').waitFor();
    expect(errors).toEqual([]);
    await context.close();

    for (const size of SIZES) {
      const ctx = await signedInContext(browser, origin, owner.cookie, size);
      const p = await ctx.newPage();
      await p.goto(`${origin}/app/settings?section=webhooks`);
      await p.getByText(receiverUrl).waitFor();
      await checkScreen(p, 'dashboard-webhooks', size);
      await p.goto(`${origin}/app/settings?section=data`);
      await p.getByText('Not imported').first().waitFor();
      await checkScreen(p, 'dashboard-import', size);
      await p.goto(`${origin}/app/contacts`);
      await p.getByText('Sam Sphere').waitFor();
      await checkScreen(p, 'dashboard-contacts', size);
      await ctx.close();
    }
  }, 180_000);
});
