import { expect } from 'vitest';
import { SESSION_COOKIE, TEST_ORIGIN } from '../http.ts';
import { as, type Case, type Ctx, expectNotFound, type Tenant } from './kit.ts';

/**
 * Sweep cases for CSV import and export: B's imports and exports are B's own; A's import ids
 * answer 404 to B and A's import and leads stay as they were; B's exports never hold A's people.
 * (The sweep's app has no job queue: an upload is worked in the request.)
 */

let seq = 0;

function upload(t: Tenant, ctx: Ctx, kind: 'leads' | 'contacts', csv: string) {
  return ctx.app.inject({
    method: 'POST',
    url: `/api/v1/${kind}/import`,
    cookies: { [SESSION_COOKIE]: t.cookie },
    headers: { origin: TEST_ORIGIN, 'content-type': 'text/csv' },
    payload: csv,
  });
}

/** An import of A's (one lead or contact), and A's view of it. */
async function importOfA(ctx: Ctx, kind: 'leads' | 'contacts' = 'leads') {
  const email = `sweep-import-${seq++}-${Date.now()}@example.test`;
  const res = await upload(ctx.a, ctx, kind, `Name,Email\nSweep Import A,${email}\n`);
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as string;
  const view = async () => (await as(ctx.a, ctx.app)('GET', `/api/v1/imports/${id}`)).body;
  return { id, email, view, before: await view() };
}

export const importsCases: Record<string, Case> = {
  // B's upload lands in B's account: A's imports and leads are untouched.
  'POST /api/v1/leads/import': async (ctx) => {
    const a = await importOfA(ctx);
    const aLeads = (await as(ctx.a, ctx.app)('GET', '/api/v1/leads?limit=200')).body;
    const res = await upload(ctx.b, ctx, 'leads', `Email\n${a.email}\n`);
    expect(res.statusCode, res.body).toBe(201);
    // Same email, other tenant: a new lead of B's, never a merge into A's.
    expect(res.json()).toMatchObject({ imported: 1, merged: 0 });
    expect(res.body).not.toContain(a.id);
    expect(await a.view()).toBe(a.before);
    expect((await as(ctx.a, ctx.app)('GET', '/api/v1/leads?limit=200')).body).toBe(aLeads);
  },
  'POST /api/v1/contacts/import': async (ctx) => {
    const a = await importOfA(ctx, 'contacts');
    const aContacts = (await as(ctx.a, ctx.app)('GET', '/api/v1/contacts/export')).body;
    const res = await upload(ctx.b, ctx, 'contacts', `Email\n${a.email}\n`);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ imported: 1, merged: 0 });
    expect(await a.view()).toBe(a.before);
    expect((await as(ctx.a, ctx.app)('GET', '/api/v1/contacts/export')).body).toBe(aContacts);
  },
  // B's list shows none of A's imports.
  'GET /api/v1/imports': async (ctx) => {
    const a = await importOfA(ctx);
    const res = await as(ctx.b, ctx.app)('GET', '/api/v1/imports?limit=200');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(a.id);
  },
  'GET /api/v1/imports/:id': async (ctx) => {
    const a = await importOfA(ctx);
    expectNotFound(await as(ctx.b, ctx.app)('GET', `/api/v1/imports/${a.id}`));
  },
  // B cannot undo A's import: 404, and A's import and lead remain.
  'POST /api/v1/imports/:id/undo': async (ctx) => {
    const a = await importOfA(ctx);
    expectNotFound(await as(ctx.b, ctx.app)('POST', `/api/v1/imports/${a.id}/undo`));
    expect(await a.view()).toBe(a.before);
    const leads = (await as(ctx.a, ctx.app)('GET', `/api/v1/leads?q=${encodeURIComponent(a.email)}`)).json();
    expect(leads.data).toHaveLength(1);
  },
  // B's exports never hold A's people.
  'GET /api/v1/leads/export': async (ctx) => {
    const a = await importOfA(ctx);
    const res = await as(ctx.b, ctx.app)('GET', '/api/v1/leads/export?spam=true');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(a.email);
    expect(res.body).not.toContain('Sweep Import A');
  },
  'GET /api/v1/contacts/export': async (ctx) => {
    const a = await importOfA(ctx, 'contacts');
    const res = await as(ctx.b, ctx.app)('GET', '/api/v1/contacts/export');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(a.email);
  },
};
