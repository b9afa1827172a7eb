import { expect } from 'vitest';
import { as, type Case, type Ctx, expectNotFound, type Tenant } from './kit.ts';

/** Sweep cases for the leads routes: tenant B's credentials on tenant A's objects. */

let seq = 0;

/** A lead of tenant A's, made through the API. */
async function leadOf(t: Tenant, ctx: Ctx) {
  const n = seq++;
  const res = await as(t, ctx.app)('POST', '/api/v1/leads', {
    fullName: `Sweep Lead ${n}`,
    email: `sweep-lead-${n}-${Date.now()}@example.test`,
    phone: '+15125550142',
    addressLine: '12 Sweep Street',
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; email: string; fullName: string };
}

const templateOfA = {
  channel: 'email',
  kind: 'autoresponder',
  pageKind: 'contact',
  subject: 'Hello {{lead.firstName}}',
  body: 'Thanks, from tenant A',
};

const detailOf = async (t: Tenant, ctx: Ctx, id: string) =>
  (await as(t, ctx.app)('GET', `/api/v1/leads/${id}`)).body;

export const leadsCases: Record<string, Case> = {
  // B's list and search show none of A's leads.
  'GET /api/v1/leads': async (ctx) => {
    const lead = await leadOf(ctx.a, ctx);
    for (const url of [
      '/api/v1/leads',
      `/api/v1/leads?q=${encodeURIComponent(lead.email)}`,
      '/api/v1/leads?spam=true&limit=200',
      `/api/v1/leads?assignedTo=${ctx.a.userId}`,
    ]) {
      const res = await as(ctx.b, ctx.app)('GET', url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body).not.toContain(lead.id);
      expect(res.body).not.toContain(lead.email);
    }
  },
  // B's counts do not move when A gets a lead.
  'GET /api/v1/leads/counts': async (ctx) => {
    const before = (await as(ctx.b, ctx.app)('GET', '/api/v1/leads/counts')).json();
    await leadOf(ctx.a, ctx);
    const after = (await as(ctx.b, ctx.app)('GET', '/api/v1/leads/counts')).json();
    expect(after).toEqual(before);
  },
  // B's stream of new leads (the JSON form) shows none of A's.
  'GET /api/v1/leads/stream': async (ctx) => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const lead = await leadOf(ctx.a, ctx);
    const res = await as(ctx.b, ctx.app)('GET', `/api/v1/leads/stream?since=${encodeURIComponent(since)}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(lead.id);
    const own = await as(ctx.a, ctx.app)('GET', `/api/v1/leads/stream?since=${encodeURIComponent(since)}`);
    expect(own.body).toContain(lead.id);
  },
  'GET /api/v1/leads/:id': async (ctx) => {
    const lead = await leadOf(ctx.a, ctx);
    expectNotFound(await as(ctx.b, ctx.app)('GET', `/api/v1/leads/${lead.id}`));
  },
  // Creates in B's own account only; A's list is unchanged; B cannot assign A's people.
  'POST /api/v1/leads': async (ctx) => {
    const before = (await as(ctx.a, ctx.app)('GET', '/api/v1/leads?limit=200')).body;
    const created = await leadOf(ctx.b, ctx);
    expect((await as(ctx.a, ctx.app)('GET', '/api/v1/leads?limit=200')).body).toBe(before);
    expect((await as(ctx.b, ctx.app)('GET', `/api/v1/leads/${created.id}`)).statusCode).toBe(200);
    const foreign = await as(ctx.b, ctx.app)('POST', '/api/v1/leads', {
      email: 'assign-a@example.test',
      assignedUserId: ctx.a.userId,
    });
    expect(foreign.statusCode).toBe(422);
    expect(foreign.json().errors.map((e: { path: string }) => e.path)).toContain('body.assignedUserId');
    expect((await as(ctx.a, ctx.app)('GET', '/api/v1/leads?limit=200')).body).toBe(before);
  },
  'PATCH /api/v1/leads/:id': async (ctx) => {
    const lead = await leadOf(ctx.a, ctx);
    const before = await detailOf(ctx.a, ctx, lead.id);
    expectNotFound(
      await as(ctx.b, ctx.app)('PATCH', `/api/v1/leads/${lead.id}`, { status: 'won', fullName: 'Taken' }),
    );
    expectNotFound(await as(ctx.b, ctx.app)('PATCH', `/api/v1/leads/${lead.id}`, { assignedUserId: null }));
    expect(await detailOf(ctx.a, ctx, lead.id)).toBe(before);
    // Nor can B make A's owner the assignee of B's own lead.
    const own = await leadOf(ctx.b, ctx);
    const res = await as(ctx.b, ctx.app)('PATCH', `/api/v1/leads/${own.id}`, {
      assignedUserId: ctx.a.userId,
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain('body.assignedUserId');
  },
  'POST /api/v1/leads/:id/notes': async (ctx) => {
    const lead = await leadOf(ctx.a, ctx);
    const before = await detailOf(ctx.a, ctx, lead.id);
    expectNotFound(await as(ctx.b, ctx.app)('POST', `/api/v1/leads/${lead.id}/notes`, { body: 'from B' }));
    expect(await detailOf(ctx.a, ctx, lead.id)).toBe(before);
  },
  // B cannot re-score A's lead: no score, no `scored` event on it; B's own lead scores.
  'POST /api/v1/leads/:id/score': async (ctx) => {
    const lead = await leadOf(ctx.a, ctx);
    const before = await detailOf(ctx.a, ctx, lead.id);
    expectNotFound(await as(ctx.b, ctx.app)('POST', `/api/v1/leads/${lead.id}/score`));
    expect(await detailOf(ctx.a, ctx, lead.id)).toBe(before);
    const own = await leadOf(ctx.b, ctx);
    const res = await as(ctx.b, ctx.app)('POST', `/api/v1/leads/${own.id}/score`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().aiScore).toEqual(expect.any(Number));
  },
  // B cannot write to A's lead; nothing is recorded on it.
  'POST /api/v1/leads/:id/messages': async (ctx) => {
    const lead = await leadOf(ctx.a, ctx);
    const before = await detailOf(ctx.a, ctx, lead.id);
    expectNotFound(
      await as(ctx.b, ctx.app)('POST', `/api/v1/leads/${lead.id}/messages`, {
        channel: 'email',
        body: 'from B',
      }),
    );
    expect(await detailOf(ctx.a, ctx, lead.id)).toBe(before);
  },
  // Nor retry A's message, under A's lead or under one of B's own.
  'POST /api/v1/leads/:id/messages/:messageId/retry': async (ctx) => {
    const lead = await leadOf(ctx.a, ctx);
    const sent = await as(ctx.a, ctx.app)('POST', `/api/v1/leads/${lead.id}/messages`, {
      channel: 'email',
      body: 'from A',
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const messageId = sent.json().id as string;
    await ctx.db.query(`UPDATE messages SET status = 'failed' WHERE id = $1`, [messageId]);
    const before = await detailOf(ctx.a, ctx, lead.id);
    expectNotFound(await as(ctx.b, ctx.app)('POST', `/api/v1/leads/${lead.id}/messages/${messageId}/retry`));
    const own = await leadOf(ctx.b, ctx);
    expectNotFound(await as(ctx.b, ctx.app)('POST', `/api/v1/leads/${own.id}/messages/${messageId}/retry`));
    expect(await detailOf(ctx.a, ctx, lead.id)).toBe(before);
  },
  // B's speed to lead does not move when A's leads are alerted.
  'GET /api/v1/leads/speed': async (ctx) => {
    const before = (await as(ctx.b, ctx.app)('GET', '/api/v1/leads/speed')).json();
    await leadOf(ctx.a, ctx);
    const after = (await as(ctx.b, ctx.app)('GET', '/api/v1/leads/speed')).json();
    expect(after).toEqual(before);
  },
  // B sees, replaces and retires only its own templates.
  'GET /api/v1/templates': async (ctx) => {
    await as(ctx.a, ctx.app)('PUT', '/api/v1/templates', templateOfA);
    const res = await as(ctx.b, ctx.app)('GET', '/api/v1/templates');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('from tenant A');
  },
  'PUT /api/v1/templates': async (ctx) => {
    const mine = (await as(ctx.a, ctx.app)('PUT', '/api/v1/templates', templateOfA)).json();
    const theirs = await as(ctx.b, ctx.app)('PUT', '/api/v1/templates', {
      ...templateOfA,
      body: 'from tenant B',
    });
    expect(theirs.statusCode).toBe(200);
    expect(theirs.json().id).not.toBe(mine.id);
    const list = (await as(ctx.a, ctx.app)('GET', '/api/v1/templates')).json();
    expect(list.data.find((x: { id: string }) => x.id === mine.id).body).toBe(templateOfA.body);
  },
  'DELETE /api/v1/templates/:id': async (ctx) => {
    const mine = (await as(ctx.a, ctx.app)('PUT', '/api/v1/templates', templateOfA)).json();
    expectNotFound(await as(ctx.b, ctx.app)('DELETE', `/api/v1/templates/${mine.id}`));
    const list = (await as(ctx.a, ctx.app)('GET', '/api/v1/templates')).json();
    expect(list.data.map((x: { id: string }) => x.id)).toContain(mine.id);
  },
  // B's usage counts B's leads only.
  'GET /api/v1/usage': async (ctx) => {
    const before = (await as(ctx.b, ctx.app)('GET', '/api/v1/usage')).json();
    await leadOf(ctx.a, ctx);
    const after = (await as(ctx.b, ctx.app)('GET', '/api/v1/usage')).json();
    expect(after.counters).toEqual(before.counters);
    expect(after.heldLeads).toBe(before.heldLeads);
  },
};

/**
 * The blocked-IPs routes' cases. Spread into CASES in test/sweep.test.ts once app.ts registers
 * registerBlockedIpRoutes (until then the sweep would call them stale); blocked-ips.test.ts runs them.
 */
export const blockedIpsCases: Record<string, Case> = {
  'GET /api/v1/blocked-ips': async ({ app, a, b }) => {
    const created = (await as(a, app)('POST', '/api/v1/blocked-ips', { network: '198.51.100.0/24' })).json();
    const res = await as(b, app)('GET', '/api/v1/blocked-ips');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(created.id);
    expect(res.body).not.toContain('198.51.100.0/24');
  },
  'POST /api/v1/blocked-ips': async ({ app, a, b }) => {
    await as(a, app)('POST', '/api/v1/blocked-ips', { network: '192.0.2.77' });
    const before = (await as(a, app)('GET', '/api/v1/blocked-ips')).body;
    // The same network in another account is no duplicate.
    const res = await as(b, app)('POST', '/api/v1/blocked-ips', { network: '192.0.2.77' });
    expect(res.statusCode, res.body).toBe(201);
    expect((await as(a, app)('GET', '/api/v1/blocked-ips')).body).toBe(before);
  },
  'DELETE /api/v1/blocked-ips/:id': async ({ app, a, b }) => {
    const created = (await as(a, app)('POST', '/api/v1/blocked-ips', { network: '2001:db8:5::/48' })).json();
    expectNotFound(await as(b, app)('DELETE', `/api/v1/blocked-ips/${created.id}`));
    const list = (await as(a, app)('GET', '/api/v1/blocked-ips')).json();
    expect(list.data.map((x: { id: string }) => x.id)).toContain(created.id);
  },
};
