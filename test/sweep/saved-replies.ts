import { expect } from 'vitest';
import { as, type Case, type Ctx, expectNotFound, type Tenant } from './kit.ts';

/** Sweep cases for the saved-reply routes: tenant B's credentials on tenant A's saved replies. */

let seq = 0;

async function replyOf(t: Tenant, ctx: Ctx) {
  const res = await as(t, ctx.app)('POST', '/api/v1/saved-replies', {
    name: `Sweep reply ${seq++}`,
    channel: 'email',
    subject: 'Hello {{lead.firstName}}',
    body: 'Saved by tenant A for {{lead.fullName}}',
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; name: string };
}

async function leadOf(t: Tenant, ctx: Ctx) {
  const res = await as(t, ctx.app)('POST', '/api/v1/leads', {
    fullName: `Saved Sweep ${seq++}`,
    email: `saved-sweep-${seq}-${Date.now()}@example.test`,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; fullName: string };
}

const listOf = async (t: Tenant, ctx: Ctx) => (await as(t, ctx.app)('GET', '/api/v1/saved-replies')).body;

export const savedRepliesCases: Record<string, Case> = {
  // B's list shows none of A's saved replies.
  'GET /api/v1/saved-replies': async (ctx) => {
    const mine = await replyOf(ctx.a, ctx);
    const res = await as(ctx.b, ctx.app)('GET', '/api/v1/saved-replies');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(mine.id);
    expect(res.body).not.toContain('tenant A');
  },
  // Names are per account: B may use A's name, in B's account only; A's list is unchanged.
  'POST /api/v1/saved-replies': async (ctx) => {
    const mine = await replyOf(ctx.a, ctx);
    const before = await listOf(ctx.a, ctx);
    const res = await as(ctx.b, ctx.app)('POST', '/api/v1/saved-replies', {
      name: mine.name,
      channel: 'email',
      body: 'from tenant B',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().id).not.toBe(mine.id);
    expect(await listOf(ctx.a, ctx)).toBe(before);
  },
  'PATCH /api/v1/saved-replies/:id': async (ctx) => {
    const mine = await replyOf(ctx.a, ctx);
    const before = await listOf(ctx.a, ctx);
    expectNotFound(
      await as(ctx.b, ctx.app)('PATCH', `/api/v1/saved-replies/${mine.id}`, { body: 'taken over by B' }),
    );
    expect(await listOf(ctx.a, ctx)).toBe(before);
  },
  'DELETE /api/v1/saved-replies/:id': async (ctx) => {
    const mine = await replyOf(ctx.a, ctx);
    expectNotFound(await as(ctx.b, ctx.app)('DELETE', `/api/v1/saved-replies/${mine.id}`));
    expect(await listOf(ctx.a, ctx)).toContain(mine.id);
  },
  // B renders A's reply for no lead (A's or B's), nor B's reply for A's lead; nor sends A's reply.
  'POST /api/v1/saved-replies/:id/preview': async (ctx) => {
    const mine = await replyOf(ctx.a, ctx);
    const aLead = await leadOf(ctx.a, ctx);
    const bLead = await leadOf(ctx.b, ctx);
    const asB = as(ctx.b, ctx.app);
    expectNotFound(await asB('POST', `/api/v1/saved-replies/${mine.id}/preview`, { leadId: aLead.id }));
    expectNotFound(await asB('POST', `/api/v1/saved-replies/${mine.id}/preview`, { leadId: bLead.id }));
    const theirs = await replyOf(ctx.b, ctx);
    const onA = await asB('POST', `/api/v1/saved-replies/${theirs.id}/preview`, { leadId: aLead.id });
    expect(onA.statusCode).toBe(422);
    expect(onA.json().errors).toEqual([{ path: 'body.leadId', message: 'is not a lead of this account' }]);
    expect(onA.body).not.toContain(aLead.fullName);
    const sent = await asB('POST', `/api/v1/leads/${bLead.id}/messages`, { savedReplyId: mine.id });
    expect(sent.statusCode).toBe(422);
    expect(sent.json().errors[0].path).toBe('body.savedReplyId');
    const detail = (await asB('GET', `/api/v1/leads/${bLead.id}`)).json();
    expect(detail.messages.filter((m: { kind: string }) => m.kind === 'manual')).toEqual([]);
  },
};
