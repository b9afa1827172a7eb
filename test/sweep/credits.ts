import { expect } from 'vitest';
import { withTenant } from '../../src/db/tenant.ts';
import { creditWallet } from '../../src/modules/credits/credits.service.ts';
import { as, type Case, type Ctx } from './kit.ts';

/**
 * Sweep cases for the credit wallet (in the active account): B's wallet, ledger and settings are
 * B's own; A's balance, entries and settings never show, and stay as they were.
 */

/** A is granted credits through the service; answers A's entry id and A's wallet and ledger as A sees them. */
async function aGranted(ctx: Ctx): Promise<{ entryId: string; wallet: string; ledger: string }> {
  const granted = await withTenant(ctx.db, ctx.a.accountId, (_tx, client) =>
    creditWallet(client, ctx.a.accountId, { kind: 'grant', credits: 4242, reference: { sweep: 'a' } }),
  );
  if (!granted.ok || granted.duplicate) throw new Error('the grant to A was refused');
  return { entryId: granted.entryId, ...(await aNow(ctx)) };
}

const aNow = async (ctx: Ctx) => ({
  wallet: (await as(ctx.a, ctx.app)('GET', '/api/v1/credits')).body,
  ledger: (await as(ctx.a, ctx.app)('GET', '/api/v1/credits/ledger')).body,
});

export const creditsCases: Record<string, Case> = {
  'GET /api/v1/credits/ledger': async (ctx) => {
    const { entryId, ledger } = await aGranted(ctx);
    expect(ledger).toContain(entryId);
    const res = await as(ctx.b, ctx.app)('GET', '/api/v1/credits/ledger');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ balance: 0, data: [], nextCursor: null });
  },
  'GET /api/v1/credits': async (ctx) => {
    const { wallet } = await aGranted(ctx);
    expect(JSON.parse(wallet).balance).toBeGreaterThanOrEqual(4242);
    const res = await as(ctx.b, ctx.app)('GET', '/api/v1/credits');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ balance: 0, spentToday: 0 });
    expect(res.body).not.toContain(ctx.a.accountId);
  },
  // B's change lands on B's wallet; A's settings and ledger are untouched.
  'PATCH /api/v1/credits/settings': async (ctx) => {
    const before = await aGranted(ctx);
    const res = await as(ctx.b, ctx.app)('PATCH', '/api/v1/credits/settings', {
      dailyLimit: 7,
      autoRecharge: { below: 3, bundle: 'credits_500' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      balance: 0,
      dailyLimit: 7,
      autoRecharge: { below: 3, bundle: 'credits_500' },
    });
    expect(await aNow(ctx)).toEqual({ wallet: before.wallet, ledger: before.ledger });
  },
};

/** The bundles on sale are the same list for every account: nothing of A's in it. */
export const creditBundlesCases: Record<string, Case> = {
  'GET /api/v1/credits/bundles': async (ctx) => {
    const res = await as(ctx.b, ctx.app)('GET', '/api/v1/credits/bundles');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data.map((b: { code: string }) => b.code)).toEqual([
      'credits_500',
      'credits_2000',
      'credits_10000',
    ]);
    expect(res.body).not.toContain(ctx.a.accountId);
  },
};
