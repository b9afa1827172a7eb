import { describe, expect, it } from 'vitest';
import { asSession, signUp, useTestApp } from '../../../test/http.ts';
import { withTenant } from '../../db/tenant.ts';
import { createLogger } from '../../platform/logger.ts';
import { creditWallet, debitCredits, reconcile } from '../credits/credits.service.ts';
import { grantIncludedCredits, grantIncludedCreditsForAll } from './included-credits.service.ts';

/** The plans' monthly included credits: once a month, no roll-over, bought credits untouched. */
const t = useTestApp();

describe('monthly included credits', () => {
  it('grants the plan’s credits once a month; the unused rest expires, bought credits stay', async () => {
    const owner = await signUp(t.app, 'included');
    const id = owner.accountId;
    const nov = new Date('2026-11-03T00:17:00Z');
    const dec = new Date('2026-12-01T00:17:00Z');
    expect(await grantIncludedCredits(t.db, id, nov)).toBe('none'); // trial: none included
    await withTenant(t.db, id, (_tx, c) =>
      c.query(`UPDATE accounts SET plan_code = 'booster' WHERE id = $1`, [id]),
    );
    expect(await grantIncludedCredits(t.db, id, nov)).toBe('granted'); // booster: 100
    expect(await grantIncludedCredits(t.db, id, nov)).toBe('already');
    await withTenant(t.db, id, async (_tx, client) => {
      await creditWallet(client, id, { kind: 'purchase', credits: 500, stripeObjectId: 'cs_test_included' });
      await debitCredits(client, id, { action: 'sms_send', quantity: 3 }); // 30 credits
    });
    expect(await grantIncludedCredits(t.db, id, dec)).toBe('granted');
    const ledger = (await asSession(t.app, owner.cookie)('GET', '/api/v1/credits/ledger')).json();
    // 100 + 500 - 30 = 570; 70 of November's included left → expire; December's 100 → 600.
    expect(ledger.data.slice(0, 2)).toEqual([
      expect.objectContaining({
        kind: 'grant',
        credits: 100,
        balanceAfter: 600,
        reference: { includedFor: '2026-12' },
      }),
      expect.objectContaining({ kind: 'expire', credits: -70, balanceAfter: 500 }),
    ]);
    expect(await reconcile(t.db, id)).toMatchObject({ difference: 0, balance: 600 });
    // The daily job over every account: this one is done for December.
    const totals = await grantIncludedCreditsForAll(t.db, createLogger('silent'), dec);
    expect(totals.failed).toBe(0);
    expect(await reconcile(t.db, id)).toMatchObject({ balance: 600 });
  });
});
