/**
 * Screenshots of the main screens in a real browser (Debian's chromium, driven by
 * playwright-core), into docs/screenshots/. Starts the server on a scratch data dir; then,
 * on the same data, a demo agent's public site: each kind of capture page at desktop (1280)
 * and phone (375) widths, the thank-you page and a form with an invalid phone number; then the
 * new lead's emails in the dev outbox and its one-click unsubscribe page, before and after.
 *
 *   npx tsx scripts/screenshots.ts
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { deliverAll, planLeadNotifications } from '../src/modules/messaging/messaging.service.ts';
import { unsubscribeUrl } from '../src/modules/messaging/unsubscribe.ts';
import { devEmailProvider, devSmsProvider } from '../src/modules/outbox/outbox.service.ts';
import { addTestimonial, routePage, setBranding } from '../src/pages/testing.ts';
import { createLogger } from '../src/platform/logger.ts';
import { loadAuthPepper } from '../src/platform/secrets.ts';
import { DEV_SMS_FROM } from '../src/providers/sms/index.ts';
import { openPreparedDatabase } from '../src/runtime.ts';
import { startServer } from '../src/server.ts';
import { makeAccount, makePage } from '../test/factories.ts';

const out = path.resolve(import.meta.dirname, '../docs/screenshots');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-shots-'));
const config = loadConfig({
  DATA_DIR: dataDir,
  PORT: process.env.SCREENSHOT_PORT ?? '3391',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'error',
  DEMO_SEED: 'false',
});
const server = await startServer(config, { logger: createLogger('warn') });
await server.ready;
const address = server.app.server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
let serverStopped = false;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // A sign-up, so the dev outbox has its verification email to show.
  const u = Date.now().toString(36);
  await fetch(`${base}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `maria-${u}@example.com`,
      password: `screenshot password ${u}`,
      name: 'Maria Lopez',
      accountName: 'Lopez Realty',
      accountSlug: `lopez-${u}`,
    }),
  });
  await new Promise((r) => setTimeout(r, 3000)); // the in-process worker sends it
  const shots = [
    { name: 'api-docs', url: '/api/docs/', ready: '.opblock' },
    { name: 'dev-outbox', url: '/dev/outbox', ready: 'article' },
  ];
  for (const shot of shots) {
    await page.goto(`${base}${shot.url}`);
    await page.waitForSelector(shot.ready, { timeout: 15_000 });
    const file = path.join(out, `${shot.name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
  await server.stop();
  serverStopped = true;
  await shootPublicSite(browser);
} finally {
  await browser.close();
  if (!serverStopped) await server.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

/** The demo agent's site on the scratch data, served by a second app on a random port. */
async function shootPublicSite(browser: Browser) {
  /** Made-up images for the demo agent, served to the browser in place of a CDN. */
  const DEMO_IMAGES: Record<string, string> = {
    'photo.svg': `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#9ad0c9"/><stop offset="1" stop-color="#2f7d74"/></linearGradient></defs><rect width="200" height="200" fill="url(#g)"/><circle cx="100" cy="82" r="38" fill="#f3d2bd"/><path d="M60 78c0-30 18-46 42-46s40 18 38 48c-6-14-20-22-40-22s-32 8-40 20z" fill="#3b2a22"/><path d="M28 200c6-44 36-66 72-66s66 22 72 66z" fill="#1f3b57"/><path d="M86 134l14 22 14-22z" fill="#fff"/></svg>`,
    'logo.svg': `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 220 48"><path d="M6 26L24 10l18 16v16H6z" fill="#0f766e"/><rect x="19" y="30" width="10" height="12" fill="#fff"/><text x="52" y="32" font-family="Georgia,serif" font-size="21" font-weight="700" fill="#12312e">Lopez Realty</text></svg>`,
  };
  const siteConfig = loadConfig({
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    DEMO_SEED: 'false',
    INTAKE_MIN_FILL_SECONDS: '0',
  });
  const logger = createLogger('warn');
  const pepper = loadAuthPepper(siteConfig).pepper;
  const db = await openPreparedDatabase(siteConfig, logger);
  const app = await buildApp({ config: siteConfig, db, logger });
  try {
    const { account } = await makeAccount(db, {
      name: 'Lopez Realty',
      slug: `lopez-homes-${Date.now().toString(36)}`,
    });
    await setBranding(db, account.id, {
      display_name: 'Maria Lopez',
      brokerage: 'Lopez Realty · Keller Williams Austin',
      license_number: 'TX 0654321',
      phone_e164: '+15125550123',
      public_email: 'maria@lopezrealty.example',
      photo_url: 'https://images.porchlight.example/photo.svg',
      logo_url: 'https://images.porchlight.example/logo.svg',
      primary_color: '#0f766e',
      accent_color: '#f5b942',
      bio: 'Born and raised in Austin, I have helped more than 300 families buy and sell homes across Travis County since 2009.',
      consent_text:
        'I agree that Maria Lopez may contact me by phone, text and email about my inquiry. Message and data rates may apply; reply STOP to opt out.',
    });
    const quotes = [
      [
        'Jordan & Alex P.',
        'Maria priced our house perfectly — we had three offers in the first weekend.',
        'Mueller',
      ],
      [
        'Denise W.',
        'Honest, fast and always available. She made selling my mom’s home painless.',
        'Round Rock',
      ],
      ['Chris T.', 'Her valuation was within 1% of what we sold for. Highly recommend.', 'South Congress'],
    ] as const;
    for (const [i, [authorName, quote, location]] of quotes.entries()) {
      await addTestimonial(db, account.id, { authorName, quote, location, rating: 5, sortOrder: i });
    }
    const pages = [
      { kind: 'home_valuation', slug: 'home-value', title: 'Free home valuation' },
      { kind: 'buyer_interest', slug: 'find-a-home', title: 'Start your home search' },
      { kind: 'contact', slug: 'contact', title: 'Send me a message' },
      {
        kind: 'custom',
        slug: 'open-house',
        title: 'Open house sign-in',
        headline: 'Welcome to 4512 Avenue B',
        subheadline: 'Sign in for the full property packet, disclosures and similar homes nearby.',
        callToAction: 'Sign in',
      },
    ] as const;
    for (const p of pages) {
      const page = await makePage(db, { accountId: account.id, ...p });
      await routePage(db, account.id, page.id);
    }
    // A second agent with the dark theme and other colours, and no photo (initials instead).
    const dark = await makeAccount(db, { name: 'Harbor Homes', slug: `harbor-${Date.now().toString(36)}` });
    await setBranding(db, dark.account.id, {
      display_name: 'Sam Okafor',
      brokerage: 'Harbor Homes Group',
      phone_e164: '+14155550188',
      primary_color: '#7c3aed',
      accent_color: '#22d3ee',
      theme: 'dark',
    });
    await routePage(
      db,
      dark.account.id,
      (
        await makePage(db, {
          accountId: dark.account.id,
          kind: 'contact',
          slug: 'contact',
          title: 'Ask Sam anything',
        })
      ).id,
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const site = `${origin}/p/${account.slug}`;
    const sizes = [
      { name: 'desktop', viewport: { width: 1280, height: 900 } },
      { name: 'phone', viewport: { width: 375, height: 812 } },
    ];
    for (const size of sizes) {
      const context = await browser.newContext({ viewport: size.viewport, deviceScaleFactor: 1 });
      await context.route('https://images.porchlight.example/**', (route) =>
        route.fulfill({
          contentType: 'image/svg+xml',
          body: DEMO_IMAGES[route.request().url().split('/').pop()!] ?? '',
        }),
      );
      const page = await context.newPage();
      const shoot = async (name: string) => {
        const file = path.join(out, `${name}-${size.name}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.log(`wrote ${path.relative(process.cwd(), file)}`);
      };
      for (const p of pages) {
        await page.goto(`${site}/${p.slug}`);
        await shoot(`page-${p.kind.replace(/_/g, '-')}`);
      }
      // A visitor who mistypes the phone number, then the thank-you page once it is fixed.
      await page.goto(`${site}/home-value`);
      await page.getByLabel('Property address').fill('4512 Avenue B');
      await page.getByLabel('City').fill('Austin');
      await page.getByLabel('Your name').fill('Pat Doe');
      await page.getByLabel('Email', { exact: true }).fill('pat@example.com');
      await page.getByLabel('Phone', { exact: true }).fill('555-01');
      await Promise.all([
        page.waitForNavigation(),
        page.getByRole('button', { name: 'Get my home value' }).click(),
      ]);
      await shoot('page-invalid-phone');
      await page.getByLabel('Phone', { exact: true }).fill('(512) 555-0142');
      await Promise.all([
        page.waitForURL(/\/thanks$/),
        page.getByRole('button', { name: 'Get my home value' }).click(),
      ]);
      await shoot('page-thanks');
      await page.goto(`${site}/no-such-page`);
      await shoot('page-not-found');
      await page.goto(`${origin}/p/${dark.account.slug}/contact`);
      await shoot('page-dark-theme');
      if (size.name === 'desktop') {
        // The new lead's emails (sent here as the leads.notify job would), then its one-click
        // unsubscribe page before and after the click.
        const [lead] = (
          await db.query<{ id: string }>(
            'SELECT id FROM leads WHERE account_id = $1 ORDER BY created_at DESC LIMIT 1',
            [account.id],
          )
        ).rows;
        // The agent takes alerts by text on a verified phone: the outbox shows the text too.
        await db.query(
          `UPDATE accounts SET phone_e164 = '+15125550100', sms_opt_in = true, phone_verified_at = now() WHERE id = $1`,
          [account.id],
        );
        const mail = {
          email: devEmailProvider(db),
          sms: devSmsProvider(db),
          baseUrl: origin,
          publicUrl: origin,
          emailFrom: siteConfig.emailFrom,
          smsFallbackFrom: DEV_SMS_FROM,
        };
        const rows = await planLeadNotifications(db, mail, {
          accountId: account.id,
          leadId: lead!.id,
          event: 'created',
          jobId: crypto.randomUUID(),
        });
        await deliverAll(db, mail, account.id, rows, { lastAttempt: false, pepper });
        await page.goto(`${origin}/dev/outbox`);
        await shoot('new-lead-messages');
        const reply = rows.find((m) => m.kind === 'autoresponder')!;
        await page.goto(unsubscribeUrl(origin, pepper, account.id, reply.id));
        await shoot('unsubscribe');
        await Promise.all([
          page.waitForNavigation(),
          page.getByRole('button', { name: 'Unsubscribe' }).click(),
        ]);
        await shoot('unsubscribed');
      }
      await context.close();
    }
  } finally {
    await app.close();
    await db.close();
  }
}
