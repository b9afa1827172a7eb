import { expect } from 'vitest';
import { as, type Case, type Ctx } from './kit.ts';

/**
 * Sweep cases for the notification preferences (the caller's own, in the active account): the
 * routes take no id, so B can only ever read and change B's; A's choice and address never show.
 */

const aPreferences = async (ctx: Ctx) => {
  const res = await as(ctx.a, ctx.app)('GET', '/api/v1/account/notifications');
  expect(res.statusCode, res.body).toBe(200);
  return res.body;
};

export const notificationsCases: Record<string, Case> = {
  // B reads B's own choice and address, nothing of A's.
  'GET /api/v1/account/notifications': async (ctx) => {
    const { a, b, app } = ctx;
    expect(
      (await as(a, app)('PUT', '/api/v1/account/notifications', { newLeadAlerts: 'assigned' })).statusCode,
    ).toBe(200);
    const res = await as(b, app)('GET', '/api/v1/account/notifications');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      newLeadAlerts: expect.stringMatching(/^(all|assigned|none)$/),
      email: b.email,
    });
    for (const of of [a.email, a.accountId, a.userId]) expect(res.body).not.toContain(of);
  },
  // B changes B's own choice only; naming A's account or user is refused (422), A's is unchanged.
  'PUT /api/v1/account/notifications': async (ctx) => {
    const { a, b, app } = ctx;
    const before = await aPreferences(ctx);
    const own = await as(b, app)('PUT', '/api/v1/account/notifications', { newLeadAlerts: 'none' });
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json()).toEqual({ newLeadAlerts: 'none', email: b.email });
    for (const reach of [{ accountId: a.accountId }, { userId: a.userId }]) {
      const res = await as(b, app)('PUT', '/api/v1/account/notifications', {
        newLeadAlerts: 'all',
        ...reach,
      });
      expect(res.statusCode, res.body).toBe(422);
    }
    expect(await aPreferences(ctx)).toBe(before);
    const bNow = await as(b, app)('GET', '/api/v1/account/notifications');
    expect(bNow.json().newLeadAlerts).toBe('none');
    // Left as sign-up made it, for any case after this one.
    await as(b, app)('PUT', '/api/v1/account/notifications', { newLeadAlerts: 'all' });
  },
};
