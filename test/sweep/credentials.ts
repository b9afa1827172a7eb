import crypto from 'node:crypto';
import { expect } from 'vitest';
import { reserveModelCall } from '../../src/modules/ai/ai-runs.service.ts';
import { as, type Case, type Ctx, expectNotFound } from './kit.ts';

/**
 * Sweep cases for the provider credentials (per provider, in the active account): B reads,
 * replaces, checks and deletes only B's; A's keys, names and last four never show, and stay as
 * they were.
 */

async function aSaves(ctx: Ctx): Promise<{ last4: string; before: string }> {
  const secret = `sk-sweep-a-${crypto.randomBytes(8).toString('hex')}`;
  const put = await as(ctx.a, ctx.app)('PUT', '/api/v1/credentials/openai', { keys: { api_key: secret } });
  expect(put.statusCode, put.body).toBe(200);
  return { last4: secret.slice(-4), before: (await as(ctx.a, ctx.app)('GET', '/api/v1/credentials')).body };
}

const aNow = (ctx: Ctx) => as(ctx.a, ctx.app)('GET', '/api/v1/credentials').then((r) => r.body);

export const credentialsCases: Record<string, Case> = {
  'GET /api/v1/credentials': async (ctx) => {
    const { last4 } = await aSaves(ctx);
    const res = await as(ctx.b, ctx.app)('GET', '/api/v1/credentials');
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual([]);
    expect(res.body).not.toContain(last4);
  },
  // B's save lands in B's account; A's keys are untouched.
  'PUT /api/v1/credentials/:provider': async (ctx) => {
    const { before } = await aSaves(ctx);
    const res = await as(ctx.b, ctx.app)('PUT', '/api/v1/credentials/openai', {
      keys: { api_key: 'sk-sweep-b-0000000000000000' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(await aNow(ctx)).toBe(before);
  },
  // B has no openai keys: 404 as for any missing object, and A's remain.
  'DELETE /api/v1/credentials/:provider': async (ctx) => {
    const { before } = await aSaves(ctx);
    await as(ctx.b, ctx.app)('DELETE', '/api/v1/credentials/openai');
    expectNotFound(await as(ctx.b, ctx.app)('DELETE', '/api/v1/credentials/openai'));
    expect(await aNow(ctx)).toBe(before);
  },
  // B has no openai keys: 404 as for any missing object, before any call to OpenAI; A's keys,
  // their verifiedAt included, are as they were.
  'POST /api/v1/credentials/:provider/verify': async (ctx) => {
    await aSaves(ctx);
    await ctx.db.query(
      `UPDATE provider_credentials SET verified_at = '2026-01-02T03:04:05Z'
        WHERE account_id = $1 AND provider = 'openai'`,
      [ctx.a.accountId],
    );
    const before = await aNow(ctx);
    expect(JSON.parse(before).data[0].verifiedAt).toBe('2026-01-02T03:04:05.000Z');
    await as(ctx.b, ctx.app)('DELETE', '/api/v1/credentials/openai');
    expectNotFound(await as(ctx.b, ctx.app)('POST', '/api/v1/credentials/openai/verify'));
    expect(await aNow(ctx)).toBe(before);
  },
};

/** The AI runs log: B's list and sums never include A's runs. */
export const aiRunsCases: Record<string, Case> = {
  'GET /api/v1/ai-runs': async (ctx) => {
    const reserved = await reserveModelCall(ctx.db, ctx.a.accountId, {
      agent: 'lead_scorer',
      action: 'score_lead',
      leadId: null,
      input: {},
      provider: 'openai',
      model: 'gpt-4o-mini',
      promptVersion: 'openai-1',
      keySource: 'platform',
    });
    const mine = await as(ctx.a, ctx.app)('GET', '/api/v1/ai-runs');
    expect(mine.json().data.map((r: { id: string }) => r.id)).toContain(reserved.runId);
    const res = await as(ctx.b, ctx.app)('GET', '/api/v1/ai-runs');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ data: [], month: { calls: 0, skipped: 0, tokens: 0, costMicros: 0 } });
  },
};
