import crypto from 'node:crypto';
import { expect } from 'vitest';
import { withTenant } from '../../src/db/tenant.ts';
import { as, type Case, type Ctx } from './kit.ts';

/**
 * Sweep cases for billing (the active account's plan, history and payments): A is on Pro with a
 * Stripe customer and a billing event; B's answers are B's own (no customer, no history),
 * and B's payment calls never reach A's customer. The sweep's server has no Stripe key, so B's
 * Checkout is refused before Stripe whatever it names.
 */
async function aOnPro(ctx: Ctx) {
  const customer = `cus_sweep${crypto.randomBytes(6).toString('hex')}`;
  await withTenant(ctx.db, ctx.a.accountId, async (_tx, client) => {
    await client.query(`UPDATE accounts SET plan_code = 'pro', stripe_customer_id = $2 WHERE id = $1`, [
      ctx.a.accountId,
      customer,
    ]);
    await client.query(
      `INSERT INTO billing_events (account_id, id, type, payload) VALUES ($1, $2, 'plan.changed', $3)`,
      [ctx.a.accountId, crypto.randomUUID(), JSON.stringify({ toPlan: 'pro', customer })],
    );
  });
  return customer;
}

export const billingCases: Record<string, Case> = {
  'GET /api/v1/billing': async (ctx) => {
    await aOnPro(ctx);
    expect((await as(ctx.a, ctx.app)('GET', '/api/v1/billing')).json()).toMatchObject({
      hasBillingAccount: true,
    });
    const res = await as(ctx.b, ctx.app)('GET', '/api/v1/billing');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ hasBillingAccount: false, creditBalance: 0, subscription: null });
  },
  'GET /api/v1/billing/events': async (ctx) => {
    const customer = await aOnPro(ctx);
    expect((await as(ctx.a, ctx.app)('GET', '/api/v1/billing/events')).body).toContain(customer);
    const res = await as(ctx.b, ctx.app)('GET', '/api/v1/billing/events');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ data: [] });
  },
  'POST /api/v1/billing/checkout': async (ctx) => {
    const customer = await aOnPro(ctx);
    const res = await as(ctx.b, ctx.app)('POST', '/api/v1/billing/checkout', { plan: 'pro' });
    expect(res.statusCode, res.body).toBe(503);
    expect(res.body).not.toContain(customer);
  },
  'POST /api/v1/billing/portal': async (ctx) => {
    const customer = await aOnPro(ctx);
    const res = await as(ctx.b, ctx.app)('POST', '/api/v1/billing/portal');
    expect([409, 503]).toContain(res.statusCode);
    expect(res.body).not.toContain(customer);
  },
};

/** Platform admins' billing routes: an account's own admin gets 403 and changes nothing. */
export const platformBillingCases: Record<string, Case> = {
  'GET /api/v1/platform/billing': async (ctx) => {
    const res = await as(ctx.b, ctx.app)('GET', '/api/v1/platform/billing');
    expect(res.statusCode, res.body).toBe(403);
  },
  'POST /api/v1/platform/accounts/:accountId/credits': async (ctx) => {
    const before = (await as(ctx.a, ctx.app)('GET', '/api/v1/credits')).body;
    const res = await as(ctx.b, ctx.app)('POST', `/api/v1/platform/accounts/${ctx.a.accountId}/credits`, {
      credits: 1000,
      reason: 'sweep',
    });
    expect(res.statusCode, res.body).toBe(403);
    expect((await as(ctx.a, ctx.app)('GET', '/api/v1/credits')).body).toBe(before);
  },
};

/** Platform admins' plan catalogue: an account's admin neither reads the full list nor edits a plan. */
export const platformPlanCases: Record<string, Case> = {
  'GET /api/v1/platform/plans': async (ctx) => {
    expect((await as(ctx.b, ctx.app)('GET', '/api/v1/platform/plans')).statusCode).toBe(403);
  },
  'PATCH /api/v1/platform/plans/:code': async (ctx) => {
    const before = (await as(ctx.a, ctx.app)('GET', '/api/v1/plans')).body;
    const res = await as(ctx.b, ctx.app)('PATCH', '/api/v1/platform/plans/pro', { limits: { leads: 1 } });
    expect(res.statusCode, res.body).toBe(403);
    expect((await as(ctx.a, ctx.app)('GET', '/api/v1/plans')).body).toBe(before);
  },
};
