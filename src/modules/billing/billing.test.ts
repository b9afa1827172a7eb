import { describe, expect, it } from 'vitest';
import { asSession, signUp, useTestApp } from '../../../test/http.ts';
import { useFakeStripe } from '../../../test/stripe.ts';
import { testConfig } from '../../config.ts';
import { withTenant } from '../../db/tenant.ts';
import { priceIdOfPlan } from './plan-of-price.ts';

/**
 * Checkout and billing portal sessions through the official SDK, against a local fake of Stripe's
 * API that checks each request as Stripe would (key, version, form fields, idempotency key).
 */

const SECRET_KEY = 'sk_test_porchlight_fake_0123456789';
const stripe = useFakeStripe(SECRET_KEY);

const t = useTestApp({
  makeConfig: () =>
    testConfig({
      STRIPE_SECRET_KEY: SECRET_KEY,
      STRIPE_API_URL: stripe.url,
      BASE_URL: 'http://localhost:3000',
    }),
});

const customerOf = (accountId: string) =>
  withTenant(t.db, accountId, async (_tx, client) => {
    const { rows } = await client.query<{ stripe_customer_id: string | null }>(
      'SELECT stripe_customer_id FROM accounts WHERE id = $1',
      [accountId],
    );
    return rows[0]!.stripe_customer_id;
  });

describe('billing: Checkout and the portal', () => {
  it('a plan’s Checkout: one customer for the account, a subscription priced inline, the account named throughout', async () => {
    const owner = await signUp(t.app, 'checkout-plan');
    const as = asSession(t.app, owner.cookie);
    const from = stripe.requests.length;
    const res = await as('POST', '/api/v1/billing/checkout', { plan: 'pro', interval: 'month' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().url).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);
    const [customer, session] = stripe.requests.slice(from);
    expect(customer).toMatchObject({
      method: 'POST',
      path: '/v1/customers',
      body: { metadata: { accountId: owner.accountId } },
    });
    expect(customer!.idempotencyKey).toBe(`porchlight-customer-${owner.accountId}`);
    const customerId = await customerOf(owner.accountId);
    expect(customerId).toMatch(/^cus_fake/);
    expect(session).toMatchObject({
      method: 'POST',
      path: '/v1/checkout/sessions',
      body: {
        mode: 'subscription',
        customer: customerId,
        client_reference_id: owner.accountId,
        success_url: 'http://localhost:3000/app/usage?checkout=done',
        cancel_url: 'http://localhost:3000/app/usage?checkout=canceled',
        metadata: { accountId: owner.accountId, planCode: 'pro' },
        subscription_data: { metadata: { accountId: owner.accountId, planCode: 'pro' } },
        line_items: [
          {
            quantity: '1',
            price_data: { currency: 'usd', unit_amount: '7900', recurring: { interval: 'month' } },
          },
        ],
      },
    });
    expect(session!.idempotencyKey).toBeTruthy();

    // A second Checkout reuses the customer.
    const again = await as('POST', '/api/v1/billing/checkout', { plan: 'team', interval: 'year' });
    expect(again.statusCode, again.body).toBe(201);
    const last = stripe.requests.at(-1)!;
    expect(stripe.requests.slice(from + 2).map((r) => r.path)).toEqual(['/v1/checkout/sessions']);
    expect(last.body).toMatchObject({
      customer: customerId,
      line_items: [{ price_data: { unit_amount: '199000', recurring: { interval: 'year' } } }],
    });
  });

  it('a credit bundle’s Checkout is a one-off payment whose card is kept for auto-recharge', async () => {
    const owner = await signUp(t.app, 'checkout-bundle');
    const res = await asSession(t.app, owner.cookie)('POST', '/api/v1/billing/checkout', {
      bundle: 'credits_2000',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(stripe.requests.at(-1)).toMatchObject({
      path: '/v1/checkout/sessions',
      body: {
        mode: 'payment',
        client_reference_id: owner.accountId,
        metadata: { accountId: owner.accountId, bundle: 'credits_2000' },
        payment_intent_data: {
          setup_future_usage: 'off_session',
          metadata: { accountId: owner.accountId, bundle: 'credits_2000' },
        },
        line_items: [{ quantity: '1', price_data: { currency: 'usd', unit_amount: '1800' } }],
      },
    });
  });

  it('refuses what is not for sale, naming the field, before calling Stripe', async () => {
    const owner = await signUp(t.app, 'checkout-bad');
    const as = asSession(t.app, owner.cookie);
    const from = stripe.requests.length;
    for (const [body, path] of [
      [{ plan: 'gold' }, 'body.plan'],
      [{ plan: 'trial' }, 'body.plan'],
      [{ bundle: 'credits_7' }, 'body.bundle'],
    ] as const) {
      const res = await as('POST', '/api/v1/billing/checkout', body);
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().errors).toEqual([expect.objectContaining({ path })]);
    }
    const mixed = await as('POST', '/api/v1/billing/checkout', { plan: 'pro', bundle: 'credits_500' });
    expect(mixed.statusCode).toBe(422);
    expect(stripe.requests.length).toBe(from);
  });

  it('the portal opens for an account that has a customer, and returns to the usage screen', async () => {
    const owner = await signUp(t.app, 'portal');
    const as = asSession(t.app, owner.cookie);
    const none = await as('POST', '/api/v1/billing/portal');
    expect(none.statusCode, none.body).toBe(409);
    expect(none.json()).toMatchObject({ code: 'BILLING_NO_CUSTOMER' });
    await as('POST', '/api/v1/billing/checkout', { bundle: 'credits_500' });
    const res = await as('POST', '/api/v1/billing/portal');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().url).toMatch(/^https:\/\/billing\.stripe\.com\/p\/session\//);
    expect(stripe.requests.at(-1)).toMatchObject({
      path: '/v1/billing_portal/sessions',
      body: { customer: await customerOf(owner.accountId), return_url: 'http://localhost:3000/app/usage' },
    });
  });

  it('Stripe’s 5xx is retried by the SDK; when it persists the answer is a 503 problem', async () => {
    const owner = await signUp(t.app, 'checkout-down');
    const as = asSession(t.app, owner.cookie);
    stripe.failNext(1);
    expect((await as('POST', '/api/v1/billing/checkout', { bundle: 'credits_500' })).statusCode).toBe(201);
    stripe.failNext(3);
    const res = await as('POST', '/api/v1/billing/portal');
    expect(res.statusCode, res.body).toBe(503);
    expect(res.json()).toMatchObject({ code: 'BILLING_PROVIDER_UNAVAILABLE' });
    expect(res.body).not.toContain(SECRET_KEY);
  });

  it('a plan’s price: STRIPE_PRICE_IDS first, then the plan’s own, else inline', () => {
    const config = testConfig({ STRIPE_PRICE_IDS: 'pro=price_env_m,pro_year=price_env_y' });
    const pro = { code: 'pro', stripePriceIdMonth: 'price_db_m', stripePriceIdYear: null };
    expect(priceIdOfPlan(config, pro, 'month')).toBe('price_env_m');
    expect(priceIdOfPlan(config, pro, 'year')).toBe('price_env_y');
    const team = { code: 'team', stripePriceIdMonth: 'price_db_team', stripePriceIdYear: null };
    expect(priceIdOfPlan(config, team, 'month')).toBe('price_db_team');
    expect(priceIdOfPlan(config, team, 'year')).toBeNull();
  });
});
