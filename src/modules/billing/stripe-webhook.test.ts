import crypto from 'node:crypto';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { makePage } from '../../../test/factories.ts';
import { asSession, type SignedUp, signUp, useTestApp } from '../../../test/http.ts';
import { testConfig } from '../../config.ts';
import { withSystem, withTenant } from '../../db/tenant.ts';

/**
 * `POST /webhooks/stripe` with events signed by the real `stripe` SDK
 * (`generateTestHeaderString`): what verifies is applied once, in any order; what does not is
 * refused with nothing written. The plan it sets takes effect in the same request.
 */

const SECRET = `whsec_${crypto.randomBytes(24).toString('hex')}`;
const NEXT_SECRET = `whsec_${crypto.randomBytes(24).toString('hex')}`;
const PRO_PRICE = 'price_pro_month';
const TEAM_PRICE = 'price_team_month';
const BOOSTER_PRICE = 'price_booster_month';

const t = useTestApp({
  config: testConfig({
    STRIPE_WEBHOOK_SECRET: `${SECRET},${NEXT_SECRET}`,
    STRIPE_PRICE_IDS: `pro=${PRO_PRICE},team=${TEAM_PRICE},booster=${BOOSTER_PRICE}`,
  }),
});

const stripe = Stripe.webhooks;
const nowS = () => Math.floor(Date.now() / 1000);
const eventId = () => `evt_${crypto.randomBytes(12).toString('hex')}`;

type SubOptions = {
  id: string;
  account: SignedUp;
  status?: string;
  price?: string;
  cancelAtPeriodEnd?: boolean;
  periodEnd?: number;
};

function subscription(o: SubOptions) {
  const start = nowS() - 86_400;
  return {
    id: o.id,
    object: 'subscription',
    customer: `cus_${o.account.accountId.slice(0, 8)}`,
    status: o.status ?? 'active',
    cancel_at_period_end: o.cancelAtPeriodEnd ?? false,
    canceled_at: o.status === 'canceled' ? nowS() : null,
    ended_at: o.status === 'canceled' ? nowS() : null,
    created: start,
    metadata: { accountId: o.account.accountId },
    items: {
      object: 'list',
      data: [
        {
          id: `si_${o.id}`,
          object: 'subscription_item',
          quantity: 1,
          current_period_start: start,
          current_period_end: o.periodEnd ?? start + 30 * 86_400,
          price: {
            id: o.price ?? PRO_PRICE,
            object: 'price',
            currency: 'usd',
            unit_amount: 7900,
            recurring: { interval: 'month' },
          },
        },
      ],
    },
  };
}

function event(type: string, object: object, created = nowS(), id = eventId()) {
  return {
    id,
    object: 'event',
    api_version: Stripe.API_VERSION,
    created,
    livemode: false,
    type,
    data: { object },
  };
}

function signed(body: string, options: { secret?: string; timestamp?: number } = {}) {
  return stripe.generateTestHeaderString({
    payload: body,
    secret: options.secret ?? SECRET,
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  });
}

function post(body: string, header: string | undefined) {
  return t.app.inject({
    method: 'POST',
    url: '/webhooks/stripe',
    headers: {
      'content-type': 'application/json',
      ...(header === undefined ? {} : { 'stripe-signature': header }),
    },
    payload: body,
  });
}

async function deliver(e: object) {
  const body = JSON.stringify(e);
  const res = await post(body, signed(body));
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { received: true; outcome: string };
}

const accountOf = (p: SignedUp) =>
  withTenant(t.db, p.accountId, async (_tx, client) => {
    const { rows } = await client.query<{
      plan_code: string;
      status: string;
      stripe_customer_id: string | null;
    }>('SELECT plan_code, status, stripe_customer_id FROM accounts WHERE id = $1', [p.accountId]);
    return rows[0]!;
  });

const subsOf = (p: SignedUp) =>
  withTenant(t.db, p.accountId, async (_tx, client) => {
    const { rows } = await client.query<{
      stripe_subscription_id: string;
      status: string;
      plan_code: string | null;
      cancel_at_period_end: boolean;
      last_event_id: string;
    }>('SELECT * FROM subscriptions WHERE account_id = $1 ORDER BY created_at', [p.accountId]);
    return rows;
  });

const billingEventsOf = (p: SignedUp) =>
  withTenant(t.db, p.accountId, async (_tx, client) => {
    const { rows } = await client.query<{ type: string; stripe_event_id: string | null }>(
      'SELECT type, stripe_event_id FROM billing_events WHERE account_id = $1 ORDER BY created_at, id',
      [p.accountId],
    );
    return rows;
  });

const stripeEventCount = () =>
  withSystem(t.db, 'test: count stripe events', async (_tx, client) => {
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM stripe_events');
    return Number(rows[0]!.n);
  });

const subId = () => `sub_${crypto.randomBytes(8).toString('hex')}`;

describe('POST /webhooks/stripe', () => {
  it('a signed subscription event flips the plan; custom domains open in the same request', async () => {
    const owner = await signUp(t.app, 'stripe-flip');
    const as = asSession(t.app, owner.cookie);
    const refused = await as('POST', '/api/v1/domains', { hostname: 'homes.flip-example.com' });
    expect(refused.statusCode, refused.body).toBe(403);
    const before = (await as('GET', '/api/v1/billing')).json();
    expect(before).toMatchObject({
      plan: { code: 'trial' },
      features: { customDomain: false, voiceCallback: false },
    });

    const id = subId();
    expect(
      await deliver(event('customer.subscription.updated', subscription({ id, account: owner }))),
    ).toEqual({
      received: true,
      outcome: 'applied',
    });

    expect(await accountOf(owner)).toMatchObject({ plan_code: 'pro', status: 'active' });
    const billing = await as('GET', '/api/v1/billing');
    expect(billing.statusCode, billing.body).toBe(200);
    expect(billing.json()).toMatchObject({
      plan: { code: 'pro', name: 'Pro' },
      status: 'active',
      subscription: { status: 'active', interval: 'month', cancelAtPeriodEnd: false },
      currentPeriodEnd: expect.any(String),
      features: { customDomain: true, voiceCallback: true },
      limits: { leads: 5000 },
      allowances: {
        leads: { allowed: true, limit: 5000, used: 0, left: 5000, paidWithCredits: null },
        aiCalls: { allowed: true, limit: 5000 },
      },
      creditBalance: 0,
      hasBillingAccount: true,
    });
    const added = await as('POST', '/api/v1/domains', { hostname: 'homes.flip-example.com' });
    expect(added.statusCode, added.body).toBe(201);
    expect((await billingEventsOf(owner)).map((e) => e.type)).toEqual([
      'subscription.updated',
      'plan.changed',
    ]);
    const history = await as('GET', '/api/v1/billing/events');
    expect(history.json().data.map((e: { type: string }) => e.type)).toEqual([
      'plan.changed',
      'subscription.updated',
    ]);
  });

  it('refuses a tampered body, a wrong secret, a stale timestamp (301 s) and a missing header, writing nothing', async () => {
    const owner = await signUp(t.app, 'stripe-refuse');
    const body = JSON.stringify(
      event('customer.subscription.updated', subscription({ id: subId(), account: owner })),
    );
    const before = await stripeEventCount();
    const attempts = [
      post(body.replace(PRO_PRICE, TEAM_PRICE), signed(body)),
      post(body, signed(body, { secret: `whsec_${crypto.randomBytes(24).toString('hex')}` })),
      post(body, signed(body, { timestamp: nowS() - 301 })),
      post(body, undefined),
      post(body, 't=1,v1=deadbeef'),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.statusCode, res.body).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect(await stripeEventCount()).toBe(before);
    expect(await subsOf(owner)).toEqual([]);
    expect(await accountOf(owner)).toMatchObject({ plan_code: 'trial' });
    // 299 s old is inside the tolerance.
    const fresh = await post(body, signed(body, { timestamp: nowS() - 299 }));
    expect(fresh.statusCode, fresh.body).toBe(200);
  });

  it('takes either secret while one is rolled, and a header carrying several v1 signatures', async () => {
    const owner = await signUp(t.app, 'stripe-roll');
    const first = JSON.stringify(
      event('customer.subscription.updated', subscription({ id: subId(), account: owner })),
    );
    expect((await post(first, signed(first, { secret: NEXT_SECRET }))).statusCode).toBe(200);
    const second = JSON.stringify(
      event('customer.subscription.updated', subscription({ id: subId(), account: owner }), nowS() + 1),
    );
    const ts = nowS();
    const good = signed(second, { timestamp: ts }).split(',v1=')[1]!;
    const header = `t=${ts},v1=${'0'.repeat(64)},v1=${good}`;
    expect((await post(second, header)).statusCode).toBe(200);
    expect(await subsOf(owner)).toHaveLength(2);
  });

  it('the same event five times at once: five 200s, one effect', async () => {
    const owner = await signUp(t.app, 'stripe-dup');
    const e = event('customer.subscription.created', subscription({ id: subId(), account: owner }));
    const body = JSON.stringify(e);
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(body, signed(body))));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.map((a) => a.json().outcome).sort()).toEqual([
      'applied',
      'duplicate',
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
    expect(await subsOf(owner)).toHaveLength(1);
    expect((await billingEventsOf(owner)).filter((b) => b.stripe_event_id === e.id)).toHaveLength(2); // the event, plan.changed
  });

  it('every ordering of create, update, cancel-at-period-end and delete ends in the latest event’s state', async () => {
    const t0 = nowS() - 100;
    const steps = (owner: SignedUp, id: string) => [
      event('customer.subscription.created', subscription({ id, account: owner, status: 'incomplete' }), t0),
      event(
        'customer.subscription.updated',
        subscription({ id, account: owner, price: TEAM_PRICE }),
        t0 + 10,
      ),
      event(
        'customer.subscription.updated',
        subscription({ id, account: owner, price: TEAM_PRICE, cancelAtPeriodEnd: true }),
        t0 + 20,
      ),
      event(
        'customer.subscription.deleted',
        subscription({ id, account: owner, status: 'canceled' }),
        t0 + 30,
      ),
    ];
    const orders = permutations([0, 1, 2, 3]);
    expect(orders).toHaveLength(24);
    for (const order of orders) {
      // Without the delete (the first three in this order), then with it.
      const owner = await signUp(t.app, 'stripe-order');
      const id = subId();
      const all = steps(owner, id);
      for (const i of order.filter((i) => i !== 3)) await deliver(all[i]!);
      expect(await subsOf(owner), `order ${order}`).toEqual([
        expect.objectContaining({ status: 'active', plan_code: 'team', cancel_at_period_end: true }),
      ]);
      expect(await accountOf(owner), `order ${order}`).toMatchObject({ plan_code: 'team', status: 'active' });
      await deliver(all[3]!);
      for (const i of order) await deliver({ ...all[i]!, id: eventId() }); // redelivered under new ids: still stale
      expect(await subsOf(owner), `order ${order}`).toEqual([
        expect.objectContaining({ status: 'canceled' }),
      ]);
      expect(await accountOf(owner), `order ${order}`).toMatchObject({
        plan_code: 'trial',
        status: 'canceled',
      });
    }
  }, 120_000);

  it('past due keeps capture working; a paid invoice makes the account active again', async () => {
    const owner = await signUp(t.app, 'stripe-pastdue');
    const id = subId();
    await deliver(event('customer.subscription.created', subscription({ id, account: owner }), nowS() - 10));
    const invoice = {
      id: `in_${crypto.randomBytes(6).toString('hex')}`,
      object: 'invoice',
      customer: `cus_${owner.accountId.slice(0, 8)}`,
      amount_due: 7900,
      amount_paid: 0,
      currency: 'usd',
      attempt_count: 1,
      parent: {
        type: 'subscription_details',
        subscription_details: { subscription: id, metadata: { accountId: owner.accountId } },
      },
    };
    await deliver(event('invoice.payment_failed', invoice, nowS() - 5));
    expect(await accountOf(owner)).toMatchObject({ plan_code: 'pro', status: 'past_due' });
    const billing = (await asSession(t.app, owner.cookie)('GET', '/api/v1/billing')).json();
    expect(billing).toMatchObject({ status: 'past_due', plan: { code: 'pro' } });

    const page = await makePage(t.db, { accountId: owner.accountId, kind: 'home_valuation' });
    const lead = await t.app.inject({
      method: 'POST',
      url: `/api/v1/public/pages/${page.id}/leads`,
      payload: { fullName: 'Pat Doe', email: 'pat.doe@example.com', phone: '+1 512 555 0199' },
      remoteAddress: '198.51.100.77',
    });
    expect(lead.statusCode, lead.body).toBe(201);

    await deliver(event('invoice.paid', { ...invoice, amount_paid: 7900, attempt_count: 2 }, nowS()));
    expect(await accountOf(owner)).toMatchObject({ plan_code: 'pro', status: 'active' });
    expect((await billingEventsOf(owner)).map((e) => e.type)).toEqual([
      'subscription.created',
      'plan.changed',
      'invoice.payment_failed',
      'plan.changed',
      'invoice.paid',
      'plan.changed',
    ]);
  });

  it('a downgrade keeps the data and applies the smaller plan; cancel at period end keeps the plan until it ends', async () => {
    const owner = await signUp(t.app, 'stripe-down');
    const id = subId();
    await deliver(event('customer.subscription.created', subscription({ id, account: owner }), nowS() - 20));
    await deliver(
      event(
        'customer.subscription.updated',
        subscription({ id, account: owner, price: BOOSTER_PRICE }),
        nowS() - 10,
      ),
    );
    const as = asSession(t.app, owner.cookie);
    expect((await as('GET', '/api/v1/billing')).json()).toMatchObject({
      plan: { code: 'booster' },
      limits: { leads: 500 },
      features: { voiceCallback: false },
    });
    await deliver(
      event(
        'customer.subscription.updated',
        subscription({ id, account: owner, price: BOOSTER_PRICE, cancelAtPeriodEnd: true }),
        nowS(),
      ),
    );
    expect((await as('GET', '/api/v1/billing')).json()).toMatchObject({
      plan: { code: 'booster' },
      status: 'active',
      subscription: { cancelAtPeriodEnd: true },
    });
  });

  it('a paid credit bundle is credited once, however often its session is reported', async () => {
    const owner = await signUp(t.app, 'stripe-bundle');
    const session = {
      id: `cs_test_${crypto.randomBytes(8).toString('hex')}`,
      object: 'checkout.session',
      mode: 'payment',
      payment_status: 'paid',
      customer: `cus_b${owner.accountId.slice(0, 8)}`,
      client_reference_id: owner.accountId,
      amount_total: 1800,
      metadata: { accountId: owner.accountId, bundle: 'credits_2000' },
    };
    const e = event('checkout.session.completed', session);
    await deliver(e);
    await deliver(e);
    await deliver({ ...e, id: eventId() });
    const billing = (await asSession(t.app, owner.cookie)('GET', '/api/v1/billing')).json();
    expect(billing).toMatchObject({ creditBalance: 2000, hasBillingAccount: true });
    const ledger = (await asSession(t.app, owner.cookie)('GET', '/api/v1/credits/ledger')).json();
    expect(ledger.data).toEqual([
      expect.objectContaining({ kind: 'purchase', credits: 2000, balanceAfter: 2000 }),
    ]);
  });

  it('an event for no account of ours, or of a type not handled, is taken and ignored', async () => {
    const stranger = event('customer.subscription.updated', {
      ...subscription({ id: subId(), account: { accountId: crypto.randomUUID() } as SignedUp }),
      customer: 'cus_nobody',
    });
    expect(await deliver(stranger)).toEqual({ received: true, outcome: 'ignored' });
    expect(await deliver(stranger)).toEqual({ received: true, outcome: 'duplicate' });
    expect(await deliver(event('charge.refunded', { id: 'ch_1', object: 'charge' }))).toMatchObject({
      outcome: 'ignored',
    });
  });

  it('bad JSON with a good signature is refused, not a 500', async () => {
    const body = '{"id": "evt_1", ';
    const res = await post(body, signed(body));
    expect(res.statusCode).toBe(401);
  });
});

describe('platform billing (platform admins)', () => {
  it('MRR and subscriptions by plan; every wallet reconciles with its ledger; corrections are audited', async () => {
    const admin = await signUp(t.app, 'platform-admin');
    await withSystem(t.db, 'test: make a platform admin', (_tx, client) =>
      client.query('UPDATE users SET is_platform_admin = true WHERE id = $1', [admin.userId]),
    );
    const asAdmin = asSession(t.app, admin.cookie);
    const before = await asAdmin('GET', '/api/v1/platform/billing');
    expect(before.statusCode, before.body).toBe(200);

    const owner = await signUp(t.app, 'platform-mrr');
    await deliver(
      event(
        'customer.subscription.created',
        subscription({ id: subId(), account: owner, price: TEAM_PRICE }),
      ),
    );
    const after = (await asAdmin('GET', '/api/v1/platform/billing')).json();
    expect(after.mrrCents - before.json().mrrCents).toBe(7900);
    expect(after.activeSubscriptions - before.json().activeSubscriptions).toBe(1);
    expect(after.byPlan).toEqual(expect.arrayContaining([expect.objectContaining({ plan: 'team' })]));
    expect(after.credits).toMatchObject({ difference: 0, mismatched: [] });

    const adjust = (accountId: string, body: object) =>
      asAdmin('POST', `/api/v1/platform/accounts/${accountId}/credits`, body);
    const added = await adjust(owner.accountId, { credits: 50, reason: 'Goodwill for the outage' });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toMatchObject({ balance: 50 });
    const tooMuch = await adjust(owner.accountId, { credits: -51, reason: 'Oops' });
    expect(tooMuch.statusCode, tooMuch.body).toBe(422);
    expect(tooMuch.json().errors).toEqual([expect.objectContaining({ path: 'body.credits' })]);
    expect((await adjust(owner.accountId, { credits: 5 })).statusCode).toBe(422);
    expect((await adjust(crypto.randomUUID(), { credits: 5, reason: 'No one' })).statusCode).toBe(404);
    const audit = await withTenant(t.db, owner.accountId, async (_tx, client) => {
      const { rows } = await client.query<{ action: string; actor_user_id: string }>(
        `SELECT action, actor_user_id FROM audit_log WHERE account_id = $1 AND action = 'credits.adjusted'`,
        [owner.accountId],
      );
      return rows;
    });
    expect(audit).toEqual([{ action: 'credits.adjusted', actor_user_id: admin.userId }]);
    expect((await asAdmin('GET', '/api/v1/platform/billing')).json().credits).toMatchObject({
      difference: 0,
    });

    // Editing a plan: every account on it has the new limits and features at once.
    const asOwner = asSession(t.app, owner.cookie);
    const edited = await asAdmin('PATCH', '/api/v1/platform/plans/team', {
      limits: { leads: 123_456 },
      features: { aiVoice: true },
      stripePriceIdMonth: 'price_team_new',
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json()).toMatchObject({
      code: 'team',
      limits: { leads: 123_456, emails: 100_000 },
      features: { aiVoice: true, customDomain: true },
      stripePriceIdMonth: 'price_team_new',
    });
    expect((await asOwner('GET', '/api/v1/billing')).json()).toMatchObject({
      plan: { code: 'team' },
      limits: { leads: 123_456 },
      features: { aiVoice: true },
    });
    const listed = (await asAdmin('GET', '/api/v1/platform/plans')).json().data;
    expect(listed.map((p: { code: string }) => p.code)).toEqual(['trial', 'booster', 'pro', 'team']);
    const bad = await asAdmin('PATCH', '/api/v1/platform/plans/team', { limits: { leads: -1 } });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('limits.leads');
    expect((await asAdmin('PATCH', '/api/v1/platform/plans/gold', { name: 'Gold' })).statusCode).toBe(404);
    await asAdmin('PATCH', '/api/v1/platform/plans/team', {
      limits: { leads: null },
      features: { aiVoice: false },
      stripePriceIdMonth: null,
    });
    expect((await asOwner('PATCH', '/api/v1/platform/plans/team', { name: 'Mine' })).statusCode).toBe(403);

    // Not for account owners.
    expect((await asOwner('GET', '/api/v1/platform/billing')).statusCode).toBe(403);
    expect(
      (
        await asOwner('POST', `/api/v1/platform/accounts/${owner.accountId}/credits`, {
          credits: 9,
          reason: 'Mine',
        })
      ).statusCode,
    ).toBe(403);
  });
});

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}
