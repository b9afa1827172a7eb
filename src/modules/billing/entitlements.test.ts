import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signUp, useTestApp } from '../../../test/http.ts';
import { withTenant } from '../../db/tenant.ts';
import { creditWallet } from '../credits/credits.service.ts';
import { allowanceOf, mayUse, planStateOf } from './entitlements.ts';

/** The one answer to "may this account do X now, and how much is left". */
const t = useTestApp();

const inTenant = <T>(accountId: string, fn: Parameters<typeof withTenant<T>>[2]) =>
  withTenant(t.db, accountId, fn);

describe('entitlements', () => {
  it('features follow the plan; a metered action counts down to the limit, then credits pay on plans with overage', async () => {
    const owner = await signUp(t.app, 'entitle');
    const id = owner.accountId;
    await inTenant(id, async (_tx, client) => {
      expect(await planStateOf(client, id)).toMatchObject({ plan: { code: 'trial' }, allowOverage: false });
      expect(await mayUse(client, id, 'customDomain')).toBe(false);
      expect(await allowanceOf(client, id, 'emails')).toEqual({
        allowed: true,
        limit: 250,
        used: 0,
        left: 250,
        paidWithCredits: null,
      });
      await client.query(
        `INSERT INTO usage_counters (account_id, id, period_month, emails_sent)
         VALUES ($1, $2, date_trunc('month', now() AT TIME ZONE 'UTC')::date, 250)`,
        [id, crypto.randomUUID()],
      );
      expect(await allowanceOf(client, id, 'emails')).toMatchObject({
        allowed: false,
        left: 0,
        paidWithCredits: null,
      });
      await client.query(`UPDATE accounts SET plan_code = 'booster' WHERE id = $1`, [id]);
      expect(await mayUse(client, id, 'customDomain')).toBe(true);
      expect(await mayUse(client, id, 'voiceCallback')).toBe(false);
      expect(await allowanceOf(client, id, 'emails')).toMatchObject({
        allowed: true,
        left: 2250,
        limit: 2500,
      });
      await client.query(
        `UPDATE usage_counters SET emails_sent = 2500, sms_sent = 250 WHERE account_id = $1`,
        [id],
      );
      expect(await allowanceOf(client, id, 'emails')).toMatchObject({
        allowed: false,
        left: 0,
        paidWithCredits: 0,
      });
      await creditWallet(client, id, { kind: 'grant', credits: 25, reference: {} });
      // email_send costs 1 credit, sms_send 10.
      expect(await allowanceOf(client, id, 'emails')).toMatchObject({ allowed: true, paidWithCredits: 25 });
      expect(await allowanceOf(client, id, 'sms')).toMatchObject({ allowed: true, paidWithCredits: 2 });
      // AI calls are not paid with credits past the limit.
      expect(await allowanceOf(client, id, 'aiCalls')).toMatchObject({ allowed: true, left: 500 });
    });
  });
});
