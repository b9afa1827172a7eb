import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { asSession, type SignedUp, signUp, useTestApp } from '../../../test/http.ts';
import { deliverStripeEvent, stripeEvent, useFakeStripe } from '../../../test/stripe.ts';
import { testConfig } from '../../config.ts';
import { withTenant } from '../../db/tenant.ts';

/**
 * Auto-recharge end to end: paid emails past the plan's limit spend credits (job
 * `messages.send`); the debit that takes the wallet under its threshold queues `credits.recharge`
 * in its transaction; the job charges the saved card once through the SDK (a local Stripe fake),
 * credits the bundle and clears the mark. A decline is recorded and not retried until the setting
 * is saved again or a purchase lands.
 */

const SECRET_KEY = 'sk_test_porchlight_recharge_0123456789';
const WEBHOOK_SECRET = `whsec_${crypto.randomBytes(24).toString('hex')}`;
const stripe = useFakeStripe(SECRET_KEY);

const t = useTestApp({
  withJobs: true,
  makeConfig: () =>
    testConfig({
      STRIPE_SECRET_KEY: SECRET_KEY,
      STRIPE_API_URL: stripe.url,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    }),
});

const sql = <T extends Record<string, unknown>>(p: SignedUp, text: string, values: unknown[] = []) =>
  withTenant(t.db, p.accountId, async (_tx, client) => (await client.query<T>(text, values)).rows);

/** An owner on Booster with this month's emails used up, a customer with a saved card, `credits` in the wallet. */
async function paidAccount(label: string, credits: number) {
  const owner = await signUp(t.app, label);
  const as = asSession(t.app, owner.cookie);
  // A Checkout makes the account's Stripe customer; the card it would save is the fake's.
  expect((await as('POST', '/api/v1/billing/checkout', { bundle: 'credits_500' })).statusCode).toBe(201);
  const [{ stripe_customer_id: customer }] = (await sql<{ stripe_customer_id: string }>(
    owner,
    'SELECT stripe_customer_id FROM accounts WHERE id = $1',
    [owner.accountId],
  )) as [{ stripe_customer_id: string }];
  stripe.cards.set(customer, `pm_card_${label}`);
  await sql(owner, `UPDATE accounts SET plan_code = 'booster' WHERE id = $1`, [owner.accountId]);
  await sql(
    owner,
    `INSERT INTO usage_counters (account_id, id, period_month, emails_sent)
     VALUES ($1, $2, date_trunc('month', now())::date, 2500)
     ON CONFLICT (account_id, period_month) DO UPDATE SET emails_sent = 2500`,
    [owner.accountId, crypto.randomUUID()],
  );
  await sql(owner, `INSERT INTO credit_wallets (account_id, id, balance) VALUES ($1, $2, $3)`, [
    owner.accountId,
    crypto.randomUUID(),
    credits,
  ]);
  await sql(
    owner,
    `INSERT INTO credit_ledger (account_id, id, kind, credits, balance_after) VALUES ($1, $2, 'grant', $3, $3)`,
    [owner.accountId, crypto.randomUUID(), credits],
  );
  const settings = await as('PATCH', '/api/v1/credits/settings', {
    autoRecharge: { below: 10, bundle: 'credits_500' },
  });
  expect(settings.statusCode, settings.body).toBe(200);
  const lead = await as('POST', '/api/v1/leads', { email: `${label}-lead@example.com`, fullName: 'Pat Doe' });
  expect(lead.statusCode, lead.body).toBe(201);
  return { owner, as, customer, leadId: lead.json().id as string };
}

async function emailLead(as: ReturnType<typeof asSession>, leadId: string, n: number) {
  for (let i = 0; i < n; i++) {
    const res = await as('POST', `/api/v1/leads/${leadId}/messages`, {
      channel: 'email',
      subject: `Follow-up ${i}`,
      body: 'Checking in about your home.',
    });
    expect(res.statusCode, res.body).toBe(201);
  }
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const wallet = async (as: ReturnType<typeof asSession>) => (await as('GET', '/api/v1/credits')).json();
const sentCount = async (p: SignedUp) =>
  Number(
    (
      await sql<{ n: string }>(
        p,
        `SELECT count(*) AS n FROM messages WHERE account_id = $1 AND kind = 'manual' AND status = 'sent'`,
        [p.accountId],
      )
    )[0]!.n,
  );
const intentsFor = (customer: string) => stripe.intents.filter((i) => i.customer === customer);

describe('credits auto-recharge (job credits.recharge)', () => {
  it('the debit that crosses the threshold charges the saved card once and credits the bundle', async () => {
    const { owner, as, customer, leadId } = await paidAccount('recharge-ok', 12);
    await emailLead(as, leadId, 3); // 12 → 9: the third crosses 10
    const after = await until(
      () => wallet(as),
      (w) => w.balance >= 500,
    );
    expect(after).toMatchObject({ balance: 509, rechargePending: false });
    expect(intentsFor(customer)).toEqual([
      expect.objectContaining({
        amount: 500,
        metadata: { accountId: owner.accountId, bundle: 'credits_500', recharge: 'true' },
      }),
    ]);
    const intent = intentsFor(customer)[0]!;
    const request = stripe.requests.find(
      (r) => r.path === '/v1/payment_intents' && r.body.customer === customer,
    );
    expect(request?.idempotencyKey).toMatch(new RegExp(`^porchlight-recharge-${owner.accountId}-`));
    const ledger = (await as('GET', '/api/v1/credits/ledger')).json().data;
    expect(ledger[0]).toMatchObject({ kind: 'purchase', credits: 500, balanceAfter: 509 });

    // Stripe's own report of the same charge credits nothing more.
    await deliverStripeEvent(
      t.app,
      WEBHOOK_SECRET,
      stripeEvent('payment_intent.succeeded', { ...intent, object: 'payment_intent' }),
    );
    expect((await wallet(as)).balance).toBe(509);

    // More debits above the threshold charge nothing.
    await emailLead(as, leadId, 2);
    await until(
      () => sentCount(owner),
      (n) => n >= 5,
    );
    expect((await wallet(as)).balance).toBe(507);
    expect(intentsFor(customer)).toHaveLength(1);
  }, 60_000);

  it('a declined card is recorded once; further debits under the threshold do not try again', async () => {
    const { owner, as, customer, leadId } = await paidAccount('recharge-declined', 11);
    stripe.declines.add(customer);
    await emailLead(as, leadId, 2); // 11 → 9: crosses
    const failed = await until(
      () =>
        sql<{ type: string; payload: { reason: string } }>(
          owner,
          `SELECT type, payload FROM billing_events WHERE account_id = $1 AND type LIKE 'recharge.%'`,
          [owner.accountId],
        ),
      (rows) => rows.length > 0,
    );
    expect(failed).toEqual([
      { type: 'recharge.failed', payload: expect.objectContaining({ reason: 'declined' }) },
    ]);
    await emailLead(as, leadId, 3); // 9 → 6, still pending: no new charge
    await until(
      () => sentCount(owner),
      (n) => n >= 5,
    );
    expect(await wallet(as)).toMatchObject({ balance: 6, rechargePending: true });
    const attempts = () =>
      stripe.requests.filter((r) => r.path === '/v1/payment_intents' && r.body.customer === customer);
    expect(attempts()).toHaveLength(1);

    // Saving the setting again re-arms it: the next debit under the threshold charges.
    await as('PATCH', '/api/v1/credits/settings', { autoRecharge: { below: 10, bundle: 'credits_500' } });
    await emailLead(as, leadId, 1);
    const after = await until(
      () => wallet(as),
      (w) => w.balance >= 500,
    );
    expect(after).toMatchObject({ balance: 505, rechargePending: false });
    expect(attempts()).toHaveLength(2);
  }, 60_000);
});
