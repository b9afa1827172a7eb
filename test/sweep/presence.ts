import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { withTenant } from '../../src/db/tenant.ts';
import { as, type Case, type Ctx, expectNotFound, type Tenant } from './kit.ts';

/**
 * Sweep cases for the presence routes (pages, branding, testimonials, domains): tenant B's
 * credentials on tenant A's objects answer 404 and leave them as they were; B's lists show none
 * of A's rows; what B creates lands in B's account.
 */

let seq = 0;
const unique = () => `${Date.now().toString(36)}${seq++}`;

async function pageOf(t: Tenant, app: FastifyInstance) {
  const res = await as(t, app)('POST', '/api/v1/pages', {
    kind: 'contact',
    slug: `sweep-${unique()}`,
    title: 'A page',
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; slug: string; title: string };
}

async function testimonialOf(t: Tenant, app: FastifyInstance) {
  const res = await as(t, app)('POST', '/api/v1/testimonials', { authorName: 'A client', quote: 'A quote' });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string };
}

/**
 * Custom domains need a plan with the feature, set in the database: the sweep passes its
 * database as `db` on the context. Without it, A can have no domain, and the domain cases check
 * B against an id A could have had (404 either way) and A's empty list.
 */
function dbOf(ctx: Ctx): Database | undefined {
  return (ctx as Ctx & { db?: Database }).db;
}

async function onPro(db: Database, t: Tenant): Promise<void> {
  await withTenant(db, t.accountId, (_tx, client) =>
    client.query("UPDATE accounts SET plan_code = 'pro' WHERE id = $1", [t.accountId]),
  );
}

async function domainOf(ctx: Ctx): Promise<{ id: string; hostname: string } | undefined> {
  const db = dbOf(ctx);
  if (!db) return undefined;
  const { a, app } = ctx;
  await onPro(db, a);
  const res = await as(a, app)('POST', '/api/v1/domains', { hostname: `sweep-${unique()}.example.com` });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const aDomains = (ctx: Ctx) => as(ctx.a, ctx.app)('GET', '/api/v1/domains').then((r) => r.body);

/** B on one of A's domains (or, without a database, on an id A could have had). */
function domainCase(method: 'DELETE' | 'POST', suffix: string): Case {
  return async (ctx) => {
    const domain = await domainOf(ctx);
    const before = await aDomains(ctx);
    const id = domain?.id ?? crypto.randomUUID();
    expectNotFound(await as(ctx.b, ctx.app)(method, `/api/v1/domains/${id}${suffix}`));
    expect(await aDomains(ctx)).toBe(before);
  };
}

export const presenceCases: Record<string, Case> = {
  'GET /api/v1/pages': async ({ app, a, b }) => {
    const page = await pageOf(a, app);
    const res = await as(b, app)('GET', '/api/v1/pages?includeArchived=true');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(page.id);
    expect(res.body).not.toContain(page.slug);
  },
  // Slugs are per account: B may use A's, and gets its own page; A's pages are unchanged.
  'POST /api/v1/pages': async ({ app, a, b }) => {
    const page = await pageOf(a, app);
    const before = (await as(a, app)('GET', '/api/v1/pages')).body;
    const res = await as(b, app)('POST', '/api/v1/pages', {
      kind: 'contact',
      slug: page.slug,
      title: 'B page',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().id).not.toBe(page.id);
    expect((await as(a, app)('GET', '/api/v1/pages')).body).toBe(before);
  },
  'GET /api/v1/pages/:id': async ({ app, a, b }) => {
    const page = await pageOf(a, app);
    expectNotFound(await as(b, app)('GET', `/api/v1/pages/${page.id}`));
  },
  'PATCH /api/v1/pages/:id': async ({ app, a, b }) => {
    const page = await pageOf(a, app);
    const before = (await as(a, app)('GET', `/api/v1/pages/${page.id}`)).body;
    expectNotFound(
      await as(b, app)('PATCH', `/api/v1/pages/${page.id}`, { title: 'Taken by B', isActive: false }),
    );
    expect((await as(a, app)('GET', `/api/v1/pages/${page.id}`)).body).toBe(before);
  },
  'DELETE /api/v1/pages/:id': async ({ app, a, b }) => {
    const page = await pageOf(a, app);
    const before = (await as(a, app)('GET', `/api/v1/pages/${page.id}`)).body;
    expectNotFound(await as(b, app)('DELETE', `/api/v1/pages/${page.id}`));
    expect((await as(a, app)('GET', `/api/v1/pages/${page.id}`)).body).toBe(before);
  },
  // B's preview shows B's brand and B's testimonials, never A's.
  'POST /api/v1/pages/preview': async ({ app, a, b }) => {
    const marker = `A brand ${unique()}`;
    expect((await as(a, app)('PUT', '/api/v1/branding', { displayName: marker })).statusCode).toBe(200);
    const quote = `A quote ${unique()}`;
    await as(a, app)('POST', '/api/v1/testimonials', { authorName: 'A client', quote });
    const res = await as(b, app)('POST', '/api/v1/pages/preview', { page: { kind: 'contact', title: 'B' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).not.toContain(marker);
    expect(res.body).not.toContain(quote);
  },
  'GET /api/v1/pages/:id/stats': async ({ app, a, b }) => {
    const page = await pageOf(a, app);
    expectNotFound(await as(b, app)('GET', `/api/v1/pages/${page.id}/stats`));
  },

  'GET /api/v1/branding': async ({ app, a, b }) => {
    const marker = `A brand ${unique()}`;
    expect((await as(a, app)('PUT', '/api/v1/branding', { displayName: marker })).statusCode).toBe(200);
    const res = await as(b, app)('GET', '/api/v1/branding');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(marker);
  },
  // Writes B's own branding only.
  'PUT /api/v1/branding': async ({ app, a, b }) => {
    await as(a, app)('PUT', '/api/v1/branding', { displayName: `A brand ${unique()}` });
    const before = (await as(a, app)('GET', '/api/v1/branding')).body;
    const res = await as(b, app)('PUT', '/api/v1/branding', { displayName: 'B brand', theme: 'dark' });
    expect(res.statusCode).toBe(200);
    expect((await as(a, app)('GET', '/api/v1/branding')).body).toBe(before);
  },

  'GET /api/v1/testimonials': async ({ app, a, b }) => {
    const quote = await testimonialOf(a, app);
    const res = await as(b, app)('GET', '/api/v1/testimonials');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(quote.id);
  },
  'POST /api/v1/testimonials': async ({ app, a, b }) => {
    await testimonialOf(a, app);
    const before = (await as(a, app)('GET', '/api/v1/testimonials')).body;
    const res = await as(b, app)('POST', '/api/v1/testimonials', {
      authorName: 'B client',
      quote: 'B quote',
    });
    expect(res.statusCode).toBe(201);
    expect((await as(a, app)('GET', '/api/v1/testimonials')).body).toBe(before);
  },
  'PATCH /api/v1/testimonials/:id': async ({ app, a, b }) => {
    const quote = await testimonialOf(a, app);
    const before = (await as(a, app)('GET', '/api/v1/testimonials')).body;
    expectNotFound(await as(b, app)('PATCH', `/api/v1/testimonials/${quote.id}`, { quote: 'Taken by B' }));
    expect((await as(a, app)('GET', '/api/v1/testimonials')).body).toBe(before);
  },
  'DELETE /api/v1/testimonials/:id': async ({ app, a, b }) => {
    const quote = await testimonialOf(a, app);
    const before = (await as(a, app)('GET', '/api/v1/testimonials')).body;
    expectNotFound(await as(b, app)('DELETE', `/api/v1/testimonials/${quote.id}`));
    expect((await as(a, app)('GET', '/api/v1/testimonials')).body).toBe(before);
  },

  'GET /api/v1/domains': async (ctx) => {
    const domain = await domainOf(ctx);
    const res = await as(ctx.b, ctx.app)('GET', '/api/v1/domains');
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual([]);
    if (domain) expect(res.body).not.toContain(domain.hostname);
  },
  // A hostname is claimed once across all accounts: B, on a plan with custom domains too,
  // cannot take A's (409; on the trial, 403) and A's domain stays A's.
  'POST /api/v1/domains': async (ctx) => {
    const domain = await domainOf(ctx);
    const db = dbOf(ctx);
    if (db) await onPro(db, ctx.b);
    const before = await aDomains(ctx);
    const hostname = domain?.hostname ?? `sweep-${unique()}.example.com`;
    const res = await as(ctx.b, ctx.app)('POST', '/api/v1/domains', { hostname });
    expect(res.statusCode, res.body).toBe(domain ? 409 : 403);
    expect(await aDomains(ctx)).toBe(before);
    expect((await as(ctx.b, ctx.app)('GET', '/api/v1/domains')).json().data).toEqual([]);
  },
  'DELETE /api/v1/domains/:id': domainCase('DELETE', ''),
  'POST /api/v1/domains/:id/verify': domainCase('POST', '/verify'),
  'POST /api/v1/domains/:id/primary': domainCase('POST', '/primary'),
};
