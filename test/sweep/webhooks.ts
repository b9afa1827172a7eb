import crypto from 'node:crypto';
import { expect } from 'vitest';
import { withTenant } from '../../src/db/tenant.ts';
import { as, type Case, type Ctx, expectNotFound, type Tenant } from './kit.ts';

/**
 * Sweep cases for outbound webhooks: tenant B's session on tenant A's endpoints and deliveries
 * answers 404 and leaves them as they were; B's lists show only B's own. The endpoints are
 * disabled once made, so no other case's lead or call queues a delivery (this app has no queue).
 */

/** A public literal address: no DNS, passes the SSRF check with private addresses off. */
const URL_OF_A = 'https://93.184.215.14/sweep-a';

async function endpointOf(t: Tenant, ctx: Ctx, url = URL_OF_A): Promise<{ id: string; secret: string }> {
  const res = await as(t, ctx.app)('POST', '/api/v1/webhooks', { url, events: ['lead.created'] });
  expect(res.statusCode, res.body).toBe(201);
  const hook = res.json() as { id: string; secret: string };
  const off = await as(t, ctx.app)('PATCH', `/api/v1/webhooks/${hook.id}`, { status: 'disabled' });
  expect(off.statusCode, off.body).toBe(200);
  return hook;
}

/** A's endpoint with one delivery (inserted directly: the sweep's app runs no job queue). */
async function aWithDelivery(ctx: Ctx) {
  const hook = await endpointOf(ctx.a, ctx);
  const deliveryId = crypto.randomUUID();
  await withTenant(ctx.db, ctx.a.accountId, (_tx, client) =>
    client.query(
      `INSERT INTO webhook_deliveries (account_id, id, webhook_id, message_id, event, payload, status, attempts)
       VALUES ($1, $2, $3, $4, 'webhook.test', '{}'::jsonb, 'failed', 1)`,
      [ctx.a.accountId, deliveryId, hook.id, `msg_sweep${deliveryId.slice(0, 8)}`],
    ),
  );
  return { ...hook, deliveryId };
}

/** What A sees of its endpoint and deliveries, to compare before and after B's try. */
const aNow = async (ctx: Ctx, id: string) => [
  (await as(ctx.a, ctx.app)('GET', `/api/v1/webhooks/${id}`)).body,
  (await as(ctx.a, ctx.app)('GET', `/api/v1/webhooks/${id}/deliveries`)).body,
];

/** B on A's endpoint: 404, and A's endpoint and deliveries unchanged. */
function foreign(
  method: 'GET' | 'PATCH' | 'DELETE' | 'POST',
  path: (id: string, deliveryId: string) => string,
  body?: object,
): Case {
  return async (ctx) => {
    const hook = await aWithDelivery(ctx);
    const before = await aNow(ctx, hook.id);
    expectNotFound(await as(ctx.b, ctx.app)(method, path(hook.id, hook.deliveryId), body));
    expect(await aNow(ctx, hook.id)).toEqual(before);
  };
}

export const webhooksCases: Record<string, Case> = {
  'GET /api/v1/webhooks': async (ctx) => {
    const hook = await endpointOf(ctx.a, ctx);
    const res = await as(ctx.b, ctx.app)('GET', '/api/v1/webhooks');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).not.toContain(hook.id);
    expect(res.body).not.toContain('sweep-a');
  },
  // B's endpoint lands in B's account; A's list is unchanged.
  'POST /api/v1/webhooks': async (ctx) => {
    await endpointOf(ctx.a, ctx);
    const before = (await as(ctx.a, ctx.app)('GET', '/api/v1/webhooks')).body;
    const mine = await endpointOf(ctx.b, ctx, 'https://93.184.215.14/sweep-b');
    expect((await as(ctx.a, ctx.app)('GET', '/api/v1/webhooks')).body).toBe(before);
    expect((await as(ctx.b, ctx.app)('GET', '/api/v1/webhooks')).body).toContain(mine.id);
  },
  'GET /api/v1/webhooks/:id': foreign('GET', (id) => `/api/v1/webhooks/${id}`),
  'PATCH /api/v1/webhooks/:id': foreign('PATCH', (id) => `/api/v1/webhooks/${id}`, {
    url: 'https://93.184.215.14/taken',
    status: 'active',
  }),
  'DELETE /api/v1/webhooks/:id': foreign('DELETE', (id) => `/api/v1/webhooks/${id}`),
  'POST /api/v1/webhooks/:id/rotate-secret': foreign('POST', (id) => `/api/v1/webhooks/${id}/rotate-secret`),
  'POST /api/v1/webhooks/:id/test': foreign('POST', (id) => `/api/v1/webhooks/${id}/test`),
  'GET /api/v1/webhooks/:id/deliveries': foreign('GET', (id) => `/api/v1/webhooks/${id}/deliveries`),
  'POST /api/v1/webhooks/:id/deliveries/:deliveryId/retry': async (ctx) => {
    const hook = await aWithDelivery(ctx);
    const before = await aNow(ctx, hook.id);
    const mine = await endpointOf(ctx.b, ctx, 'https://93.184.215.14/sweep-b');
    // A's delivery under A's endpoint, and under B's own endpoint: both 404.
    for (const path of [
      `/api/v1/webhooks/${hook.id}/deliveries/${hook.deliveryId}/retry`,
      `/api/v1/webhooks/${mine.id}/deliveries/${hook.deliveryId}/retry`,
    ]) {
      expectNotFound(await as(ctx.b, ctx.app)('POST', path));
    }
    expect(await aNow(ctx, hook.id)).toEqual(before);
  },
};
