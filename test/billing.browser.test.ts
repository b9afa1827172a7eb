import crypto from 'node:crypto';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../src/config.ts';
import { withTenant } from '../src/db/tenant.ts';
import { creditWallet, debitCredits } from '../src/modules/credits/credits.service.ts';
import { fakeStripe } from '../src/providers/billing/stripe.fake.ts';
import {
  axeProblems,
  CHROMIUM,
  freePort,
  hasChromium,
  launchChromium,
  SIZES,
  signedInContext,
} from './browser.ts';
import { type SignedUp, signUp, useTestApp } from './http.ts';
import { deliverStripeEvent, stripeEvent } from './stripe.ts';

/**
 * Billing as an agent sees it, in Debian's Chromium against a real server with Stripe (a local
 * fake of its API, and events signed by the SDK): a paid plan with its renewal, credits and their
 * movements, the billing history; then a failed payment puts the past-due banner on every screen
 * (capture keeps working) until an invoice is paid.
 */

if (!hasChromium) console.warn(`test/billing.browser.test.ts skipped: no Chromium at ${CHROMIUM}`);

const SHOTS = process.env.SCREENSHOTS === '1' ? path.resolve('docs/screenshots') : null;
const SECRET_KEY = 'sk_test_porchlight_browser_0123456789';
const WEBHOOK_SECRET = `whsec_${crypto.randomBytes(24).toString('hex')}`;
const port = await freePort();
const origin = `http://127.0.0.1:${port}`;

describe.skipIf(!hasChromium)('billing in a browser', () => {
  const stripe = fakeStripe({ secretKey: SECRET_KEY });
  // Started before the app is built: its configuration names the fake's address.
  beforeAll(() => stripe.start());
  const t = useTestApp({
    makeConfig: () =>
      testConfig({
        BASE_URL: origin,
        STRIPE_SECRET_KEY: SECRET_KEY,
        STRIPE_API_URL: stripe.url,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      }),
  });
  let browser: Browser;

  beforeAll(async () => {
    await t.app.listen({ port, host: '127.0.0.1' });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stripe.stop();
  });

  const nowS = () => Math.floor(Date.now() / 1000);
  const deliver = (type: string, object: object, created = nowS()) =>
    deliverStripeEvent(t.app, WEBHOOK_SECRET, stripeEvent(type, object, created));

  function proSubscription(owner: SignedUp, id: string) {
    const start = nowS() - 86_400;
    return {
      id,
      object: 'subscription',
      customer: `cus_b${owner.accountId.slice(0, 8)}`,
      status: 'active',
      cancel_at_period_end: false,
      created: start,
      metadata: { accountId: owner.accountId },
      items: {
        data: [
          {
            quantity: 1,
            current_period_start: start,
            current_period_end: start + 30 * 86_400,
            price: {
              id: 'price_inline',
              currency: 'usd',
              unit_amount: 7900,
              recurring: { interval: 'month' },
            },
          },
        ],
      },
    };
  }

  it('shows the paid plan, credits and history; a failed payment shows the banner on every screen until paid', async () => {
    const owner = await signUp(t.app, 'billing-ui');
    const subId = `sub_${crypto.randomBytes(6).toString('hex')}`;
    const sub = {
      ...proSubscription(owner, subId),
      metadata: { accountId: owner.accountId, planCode: 'pro' },
    };
    stripe.customers.set(sub.customer, { id: sub.customer, metadata: { accountId: owner.accountId } });
    await deliver('customer.subscription.created', sub, nowS() - 30);
    await withTenant(t.db, owner.accountId, async (_tx, client) => {
      await creditWallet(client, owner.accountId, {
        kind: 'purchase',
        credits: 2000,
        stripeObjectId: 'cs_test_ui',
      });
      for (let i = 0; i < 3; i++)
        await debitCredits(client, owner.accountId, { action: 'sms_send', reference: {} });
    });

    for (const size of SIZES) {
      const context = await signedInContext(browser, origin, owner.cookie, size);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${origin}/app/usage`);
      await page.getByRole('heading', { name: 'Plan and billing' }).waitFor();
      await page.getByText(/Renews on/).waitFor();
      await page.getByText('1,970').first().waitFor();
      await page.getByRole('button', { name: 'Manage billing' }).first().waitFor();
      expect(await axeProblems(page), `usage (${size.name})`).toEqual([]);
      const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      expect(Number(overflow), `usage (${size.name}) scrolls sideways`).toBeLessThanOrEqual(0);
      if (SHOTS)
        await page.screenshot({
          path: path.join(SHOTS, `dashboard-billing-${size.name}.png`),
          fullPage: true,
        });
      expect(errors).toEqual([]);
      await context.close();
    }

    // The card is declined: past due, a banner on every screen; leads still arrive.
    const invoice = {
      id: `in_${crypto.randomBytes(6).toString('hex')}`,
      object: 'invoice',
      customer: sub.customer,
      amount_due: 7900,
      amount_paid: 0,
      currency: 'usd',
      attempt_count: 1,
      parent: { subscription_details: { subscription: subId, metadata: { accountId: owner.accountId } } },
    };
    await deliver('invoice.payment_failed', invoice, nowS() - 10);
    const context = await signedInContext(browser, origin, owner.cookie);
    const page = await context.newPage();
    await page.goto(`${origin}/app/leads`);
    const banner = page.getByText("Your last payment didn't go through.");
    await banner.waitFor();
    await page.getByRole('button', { name: 'Update payment' }).waitFor();
    expect(await axeProblems(page), 'inbox with the past-due banner').toEqual([]);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'dashboard-past-due-desktop.png') });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Board' }).click();
    await banner.waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Usage' }).click();
    await page.getByText('Payment failed: $79.00 due').waitFor();

    // Update payment opens Stripe's billing portal for the account's customer.
    const from = stripe.requests.length;
    await page.route('https://billing.stripe.com/**', (route) =>
      route.fulfill({ status: 200, body: 'portal' }),
    );
    await page.getByRole('button', { name: 'Update payment' }).click();
    await page.waitForURL(/^https:\/\/billing\.stripe\.com\/p\/session\//);
    expect(stripe.requests.slice(from)).toEqual([
      expect.objectContaining({
        path: '/v1/billing_portal/sessions',
        body: expect.objectContaining({ customer: sub.customer }),
      }),
    ]);

    // Paid: the banner goes.
    await deliver('invoice.paid', { ...invoice, amount_paid: 7900, attempt_count: 2 });
    await page.goto(`${origin}/app/leads`);
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await page.waitForTimeout(300);
    expect(await banner.count()).toBe(0);
    await context.close();
  }, 120_000);
});
