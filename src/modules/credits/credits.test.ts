import { describe, expect, it } from 'vitest';
import { asSession, cookieOf, type SignedUp, signUp, useTestApp } from '../../../test/http.ts';
import type { SqlClient } from '../../db/client.ts';
import { pgError } from '../../db/errors.ts';
import { withTenant } from '../../db/tenant.ts';
import { declaredRoutes } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import { insertMembership } from '../accounts/accounts.repo.ts';
import { registerCreditRoutes } from './credits.routes.ts';
import {
  adjustCredits,
  type CreditInput,
  clearRechargePending,
  creditWallet,
  debitCredits,
  getWallet,
  listLedger,
  reconcile,
  updateWalletSettings,
} from './credits.service.ts';

/**
 * The credit wallet on a real database (both engines): concurrent debits never overspend, the
 * balance always equals the ledger, the daily limit and the auto-recharge crossing hold, a Stripe
 * purchase is credited once, and the routes show the wallet to members and the ledger to admins.
 */

// The app registers the credit routes once app.ts does; until then this file adds them.
const t = useTestApp({
  configure: (app, { db }) => {
    if (!declaredRoutes(app).some((r) => r.url === '/api/v1/credits')) registerCreditRoutes(app, { db });
  },
});
const as = (p: SignedUp) => asSession(t.app, p.cookie);

const inTenant = <T>(accountId: string, fn: (client: SqlClient) => Promise<T>) =>
  withTenant(t.db, accountId, (_tx, client) => fn(client));
const credit = (accountId: string, input: CreditInput) =>
  inTenant(accountId, (c) => creditWallet(c, accountId, input));
const grant = (accountId: string, credits: number) => credit(accountId, { kind: 'grant', credits });
const debit = (accountId: string, credits: number) =>
  inTenant(accountId, (c) => debitCredits(c, accountId, { action: 'email_send', credits }));

async function errorCode(work: Promise<unknown>): Promise<string | undefined> {
  try {
    await work;
  } catch (error) {
    return pgError(error)?.code ?? String(error);
  }
  return undefined;
}

async function ledgerKinds(accountId: string) {
  const { rows } = await inTenant(accountId, (c) =>
    c.query<{ kind: string; n: string | number }>(
      `SELECT kind, count(*) AS n FROM credit_ledger WHERE account_id = $1 GROUP BY kind ORDER BY kind`,
      [accountId],
    ),
  );
  return Object.fromEntries(rows.map((r) => [r.kind, Number(r.n)]));
}

describe('credit wallet', () => {
  it('answers an empty wallet for an account that has none', async () => {
    const owner = await signUp(t.app, 'credits-empty');
    expect(await getWallet(t.db, owner.accountId)).toEqual({
      balance: 0,
      dailyLimit: null,
      spentToday: 0,
      autoRecharge: null,
      rechargePending: false,
    });
    expect(await reconcile(t.db, owner.accountId)).toEqual({ balance: 0, ledgerSum: 0, difference: 0 });
    expect(await debit(owner.accountId, 1)).toEqual({ ok: false, reason: 'insufficient' });
  });

  it('takes 100 credits from 200 concurrent debits of 1, each in its own transaction, and never more', async () => {
    const owner = await signUp(t.app, 'credits-race');
    expect(await grant(owner.accountId, 100)).toMatchObject({ ok: true, balance: 100 });
    const outcomes = await Promise.all(Array.from({ length: 200 }, () => debit(owner.accountId, 1)));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(100);
    expect(outcomes.filter((o) => !o.ok && o.reason === 'insufficient')).toHaveLength(100);
    // Each debit saw the one before it: every balance from 99 down to 0, once.
    const after = outcomes.flatMap((o) => (o.ok ? [o.balance] : [])).sort((x, y) => x - y);
    expect(after).toEqual(Array.from({ length: 100 }, (_, i) => i));

    expect((await getWallet(t.db, owner.accountId)).balance).toBe(0);
    expect(await reconcile(t.db, owner.accountId)).toEqual({ balance: 0, ledgerSum: 0, difference: 0 });
    expect(await ledgerKinds(owner.accountId)).toEqual({ consume: 100, grant: 1 });
  });

  it('keeps the balance at zero or above and the ledger unchanged even when code tries otherwise', async () => {
    const owner = await signUp(t.app, 'credits-guard');
    await grant(owner.accountId, 5);
    const id = owner.accountId;
    expect(
      await errorCode(
        inTenant(id, (c) => c.query(`UPDATE credit_wallets SET balance = -1 WHERE account_id = $1`, [id])),
      ),
    ).toBe('23514');
    expect(
      await errorCode(
        inTenant(id, (c) => c.query(`UPDATE credit_ledger SET credits = 500 WHERE account_id = $1`, [id])),
      ),
    ).toBe('42501');
    expect(
      await errorCode(inTenant(id, (c) => c.query(`DELETE FROM credit_ledger WHERE account_id = $1`, [id]))),
    ).toBe('42501');
    expect(await debit(id, 6)).toEqual({ ok: false, reason: 'insufficient' });
    expect(await reconcile(t.db, id)).toEqual({ balance: 5, ledgerSum: 5, difference: 0 });
  });

  it('refuses a debit past the daily limit, writing nothing, and starts a new day at zero', async () => {
    const owner = await signUp(t.app, 'credits-daily');
    const id = owner.accountId;
    await grant(id, 20);
    await updateWalletSettings(t.db, id, { dailyLimit: 5 });
    expect(await debit(id, 2)).toMatchObject({ ok: true, balance: 18 });
    expect(await debit(id, 2)).toMatchObject({ ok: true, balance: 16 });
    expect(await debit(id, 2)).toEqual({ ok: false, reason: 'daily_limit' });
    expect(await getWallet(t.db, id)).toMatchObject({ balance: 16, spentToday: 4, dailyLimit: 5 });
    expect(await ledgerKinds(id)).toEqual({ consume: 2, grant: 1 });
    // Up to the limit exactly is allowed.
    expect(await debit(id, 1)).toMatchObject({ ok: true, balance: 15 });

    // Yesterday's spend does not count today.
    await inTenant(id, (c) =>
      c.query(`UPDATE credit_wallets SET spent_day = spent_day - 1 WHERE account_id = $1`, [id]),
    );
    expect((await getWallet(t.db, id)).spentToday).toBe(0);
    expect(await debit(id, 5)).toMatchObject({ ok: true, balance: 10 });
    expect(await getWallet(t.db, id)).toMatchObject({ balance: 10, spentToday: 5 });
    // A low balance under the limit is `insufficient`, not `daily_limit`.
    await updateWalletSettings(t.db, id, { dailyLimit: null });
    expect(await debit(id, 11)).toEqual({ ok: false, reason: 'insufficient' });
    expect(await reconcile(t.db, id)).toMatchObject({ balance: 10, difference: 0 });
  });

  it('prices a debit from the price list × quantity and names the action on the entry', async () => {
    const owner = await signUp(t.app, 'credits-price');
    const id = owner.accountId;
    await grant(id, 100);
    const sms = await inTenant(id, (c) =>
      debitCredits(c, id, { action: 'sms_send', quantity: 3, reference: { messageId: 'm-1' } }),
    );
    expect(sms).toMatchObject({ ok: true, balance: 70, rechargeDue: false });
    const { data } = await listLedger(t.db, id, { limit: 1 });
    expect(data[0]).toMatchObject({
      kind: 'consume',
      credits: -30,
      balanceAfter: 70,
      action: 'sms_send',
      quantity: 3,
      reference: { messageId: 'm-1' },
    });
    await expect(inTenant(id, (c) => debitCredits(c, id, { action: 'no_such_action' }))).rejects.toThrow(
      /no credit price/,
    );
  });

  it('marks the auto-recharge crossing once, and again after it is cleared', async () => {
    const owner = await signUp(t.app, 'credits-recharge');
    const id = owner.accountId;
    await grant(id, 30);
    await updateWalletSettings(t.db, id, { autoRecharge: { below: 10, bundle: 'credits_500' } });
    const due = async (credits: number) => {
      const o = await debit(id, credits);
      if (!o.ok) throw new Error(`debit refused: ${o.reason}`);
      return [o.balance, o.rechargeDue];
    };
    expect(await due(10)).toEqual([20, false]);
    expect(await due(10)).toEqual([10, false]);
    expect(await due(1)).toEqual([9, true]);
    expect(await due(1)).toEqual([8, false]);
    expect((await getWallet(t.db, id)).rechargePending).toBe(true);

    await inTenant(id, (c) => clearRechargePending(c, id));
    expect((await getWallet(t.db, id)).rechargePending).toBe(false);
    await grant(id, 20);
    expect(await due(5)).toEqual([23, false]);
    expect(await due(14)).toEqual([9, true]);
    expect(await due(1)).toEqual([8, false]);

    // Among concurrent debits, exactly one makes the crossing.
    await inTenant(id, (c) => clearRechargePending(c, id));
    await grant(id, 72);
    const outcomes = await Promise.all(Array.from({ length: 40 }, () => debit(id, 2)));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(40);
    expect(outcomes.filter((o) => o.ok && o.rechargeDue)).toHaveLength(1);
    expect(await getWallet(t.db, id)).toMatchObject({ balance: 0, rechargePending: true });
    expect(await reconcile(t.db, id)).toMatchObject({ difference: 0 });
  });

  it('credits a Stripe purchase once, however often and however concurrently it is delivered', async () => {
    const owner = await signUp(t.app, 'credits-purchase');
    const id = owner.accountId;
    const purchase = (stripeObjectId: string) =>
      credit(id, { kind: 'purchase', credits: 500, stripeObjectId, reference: { bundle: 'credits_500' } });
    expect(await purchase('cs_test_1')).toMatchObject({ ok: true, duplicate: false, balance: 500 });
    expect(await purchase('cs_test_1')).toEqual({ ok: true, duplicate: true, balance: 500 });
    const both = await Promise.all([purchase('cs_test_2'), purchase('cs_test_2')]);
    expect(both.filter((o) => o.ok && o.duplicate)).toHaveLength(1);
    expect(await reconcile(t.db, id)).toEqual({ balance: 1000, ledgerSum: 1000, difference: 0 });
    expect(await ledgerKinds(id)).toEqual({ purchase: 2 });
  });

  it('adjusts with a reason, audited in the same transaction, and refuses taking more than the balance', async () => {
    const owner = await signUp(t.app, 'credits-adjust');
    const id = owner.accountId;
    await grant(id, 10);
    const audited = () =>
      inTenant(id, (c) =>
        c.query<{ action: string; actor_user_id: string | null; target_id: string; details: unknown }>(
          `SELECT action, actor_user_id, target_id, details FROM audit_log
            WHERE account_id = $1 AND action = 'credits.adjusted'`,
          [id],
        ),
      ).then((r) => r.rows);

    expect(
      await adjustCredits(t.db, id, { credits: -11, reason: 'typo', actorUserId: owner.userId }),
    ).toEqual({
      ok: false,
      reason: 'insufficient',
    });
    expect(await audited()).toEqual([]);
    expect(await ledgerKinds(id)).toEqual({ grant: 1 });

    const added = await adjustCredits(t.db, id, {
      credits: 25,
      reason: 'Goodwill for the outage',
      actorUserId: owner.userId,
    });
    expect(added).toMatchObject({ ok: true, balance: 35 });
    expect(await audited()).toEqual([
      {
        action: 'credits.adjusted',
        actor_user_id: owner.userId,
        target_id: added.ok ? added.entryId : '',
        details: { credits: 25, balance: 35 },
      },
    ]);
    const { data } = await listLedger(t.db, id, { limit: 1 });
    expect(data[0]).toMatchObject({ kind: 'adjust', credits: 25, reason: 'Goodwill for the outage' });
    expect(await adjustCredits(t.db, id, { credits: -35, reason: 'Reset', actorUserId: null })).toMatchObject(
      {
        ok: true,
        balance: 0,
      },
    );

    const noReason = await adjustCredits(t.db, id, { credits: 5, reason: ' ', actorUserId: null }).catch(
      (e) => e,
    );
    expect(noReason).toBeInstanceOf(AppError);
    expect(noReason).toMatchObject({ status: 422, code: 'CREDITS_INVALID' });
    expect(await reconcile(t.db, id)).toEqual({ balance: 0, ledgerSum: 0, difference: 0 });
  });
});

describe('credit routes', () => {
  async function memberOf(owner: SignedUp): Promise<SignedUp> {
    const other = await signUp(t.app, 'credits-member');
    await withTenant(t.db, owner.accountId, (tx) =>
      insertMembership(tx, { accountId: owner.accountId, userId: other.userId, role: 'member' }),
    );
    const switched = await as(other)('PUT', '/api/v1/session', { accountId: owner.accountId });
    expect(switched.statusCode, switched.body).toBe(200);
    return { ...other, cookie: cookieOf(switched)!, accountId: owner.accountId };
  }

  it('shows admins the ledger, newest first, a page at a time, with the balance', async () => {
    const owner = await signUp(t.app, 'credits-ledger');
    const id = owner.accountId;
    await grant(id, 50);
    for (let i = 0; i < 4; i++) await debit(id, 3);
    const first = await as(owner)('GET', '/api/v1/credits/ledger');
    expect(first.statusCode, first.body).toBe(200);
    const body = first.json();
    expect(body.balance).toBe(38);
    expect(body.nextCursor).toBeNull();
    expect(body.data.map((e: { kind: string }) => e.kind)).toEqual([
      'consume',
      'consume',
      'consume',
      'consume',
      'grant',
    ]);
    expect(body.data[0]).toMatchObject({ credits: -3, balanceAfter: 38, action: 'email_send', quantity: 1 });
    expect(Object.keys(body.data[0]).sort()).toEqual(
      [
        'action',
        'balanceAfter',
        'createdAt',
        'credits',
        'id',
        'kind',
        'quantity',
        'reason',
        'reference',
      ].sort(),
    );

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/credits/ledger?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = (await as(owner)('GET', url)).json();
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((e: { id: string }) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(body.data.map((e: { id: string }) => e.id));

    const bad = await as(owner)('GET', '/api/v1/credits/ledger?cursor=nonsense');
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors).toEqual([{ path: 'querystring.cursor', message: 'is not a valid cursor' }]);
    expect((await as(owner)('GET', '/api/v1/credits/ledger?limit=101')).statusCode).toBe(422);
  });

  it('shows members the wallet but not the ledger, and lets only admins change the settings', async () => {
    const owner = await signUp(t.app, 'credits-roles');
    await grant(owner.accountId, 12);
    const member = await memberOf(owner);
    const wallet = await as(member)('GET', '/api/v1/credits');
    expect(wallet.statusCode, wallet.body).toBe(200);
    expect(wallet.json()).toEqual({
      balance: 12,
      dailyLimit: null,
      spentToday: 0,
      autoRecharge: null,
      rechargePending: false,
    });
    expect((await as(member)('GET', '/api/v1/credits/ledger')).statusCode).toBe(403);
    expect((await as(member)('PATCH', '/api/v1/credits/settings', { dailyLimit: 1 })).statusCode).toBe(403);
    expect((await getWallet(t.db, owner.accountId)).dailyLimit).toBeNull();
  });

  it('changes the daily limit and auto-recharge, and names an unknown bundle', async () => {
    const owner = await signUp(t.app, 'credits-settings');
    const patch = (body: object) => as(owner)('PATCH', '/api/v1/credits/settings', body);
    const set = await patch({ dailyLimit: 50, autoRecharge: { below: 100, bundle: 'credits_2000' } });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toEqual({
      balance: 0,
      dailyLimit: 50,
      spentToday: 0,
      autoRecharge: { below: 100, bundle: 'credits_2000' },
      rechargePending: false,
    });
    // Omitted fields stay as they are; null clears.
    expect((await patch({ dailyLimit: null })).json()).toMatchObject({
      dailyLimit: null,
      autoRecharge: { below: 100, bundle: 'credits_2000' },
    });

    const unknown = await patch({ autoRecharge: { below: 5, bundle: 'credits_1' } });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(unknown.json()).toMatchObject({
      code: 'CREDIT_SETTINGS_INVALID',
      errors: [{ path: 'autoRecharge.bundle', message: 'is not a credit bundle on sale' }],
    });
    expect((await patch({ dailyLimit: 0 })).statusCode).toBe(422);
    expect((await patch({ autoRecharge: { below: -1, bundle: 'credits_500' } })).statusCode).toBe(422);
    expect((await patch({ balance: 1_000_000 })).statusCode).toBe(422);

    expect((await patch({ autoRecharge: null })).json()).toMatchObject({ autoRecharge: null, balance: 0 });
    expect((await as(owner)('GET', '/api/v1/credits')).json()).toMatchObject({
      dailyLimit: null,
      autoRecharge: null,
    });
  });
});
