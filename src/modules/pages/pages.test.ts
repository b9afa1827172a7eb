import { describe, expect, it } from 'vitest';
import { makeLead } from '../../../test/factories.ts';
import { asSession, type SignedUp, signUp, useTestApp } from '../../../test/http.ts';
import { withTenant } from '../../db/tenant.ts';

const t = useTestApp();

let seq = 0;
const slug = (label = 'page') => `${label}-${Date.now().toString(36)}${seq++}`;
const as = (p: SignedUp) => asSession(t.app, p.cookie);
const paths = (res: { json(): { errors?: { path: string }[] } }) =>
  res.json().errors?.map((e) => e.path) ?? [];

async function newPage(p: SignedUp, body: Record<string, unknown> = {}) {
  const res = await as(p)('POST', '/api/v1/pages', {
    kind: 'home_valuation',
    slug: slug(),
    title: 'Home value',
    ...body,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function routeOf(accountId: string, pageId: string) {
  const { rows } = await withTenant(t.db, accountId, (_tx, client) =>
    client.query<{ account_id: string }>('SELECT account_id FROM page_routes WHERE page_id = $1', [pageId]),
  );
  return rows[0]?.account_id;
}

async function accountSlugOf(accountId: string) {
  const { rows } = await withTenant(t.db, accountId, (_tx, client) =>
    client.query<{ slug: string }>('SELECT slug FROM accounts WHERE id = $1', [accountId]),
  );
  return rows[0]!.slug;
}

describe('capture pages', () => {
  it('creates a page with its public addresses and registers its route in the same transaction', async () => {
    const owner = await signUp(t.app, 'pages');
    const s = slug('value');
    const res = await as(owner)('POST', '/api/v1/pages', {
      kind: 'home_valuation',
      slug: s,
      title: '  What is my home worth?  ',
      headline: 'Free valuation',
      subheadline: '',
      settings: { showMap: true, fields: ['address'] },
    });
    expect(res.statusCode, res.body).toBe(201);
    const page = res.json();
    const accountSlug = await accountSlugOf(owner.accountId);
    expect(page).toMatchObject({
      kind: 'home_valuation',
      slug: s,
      title: 'What is my home worth?',
      headline: 'Free valuation',
      subheadline: null,
      isActive: true,
      settings: { showMap: true, fields: ['address'] },
      url: `http://localhost:3000/p/${accountSlug}/${s}`,
      subdomainUrl: `http://${accountSlug}.localhost:3000/${s}`,
      archivedAt: null,
    });
    expect(await routeOf(owner.accountId, page.id)).toBe(owner.accountId);
    expect((await as(owner)('GET', `/api/v1/pages/${page.id}`)).json()).toEqual(page);
  });

  it('answers 422 naming the field for bad input, reserved slugs included', async () => {
    const owner = await signUp(t.app, 'pages');
    const post = (body: object) => as(owner)('POST', '/api/v1/pages', body);
    expect(paths(await post({ slug: slug(), title: 'x' }))).toEqual(['body.kind']);
    expect(paths(await post({ kind: 'mansion', slug: slug(), title: 'x' }))).toEqual(['body.kind']);
    expect(paths(await post({ kind: 'contact', slug: '-bad slug', title: 'x' }))).toEqual(['body.slug']);
    expect(paths(await post({ kind: 'contact', slug: 'a'.repeat(64), title: 'x' }))).toEqual(['body.slug']);
    expect(paths(await post({ kind: 'contact', slug: slug(), title: '   ' }))).toEqual(['body.title']);
    expect(
      paths(await post({ kind: 'contact', slug: slug(), title: 'x', settings: { big: 'y'.repeat(3000) } })),
    ).toEqual(['body.settings.big']);
    for (const reserved of ['api', 'p', 'thanks', 'healthz', 'app']) {
      const res = await post({ kind: 'contact', slug: reserved, title: 'x' });
      expect(res.statusCode, reserved).toBe(422);
      expect(paths(res)).toEqual(['body.slug']);
    }
    const upper = await post({ kind: 'contact', slug: 'My-Page', title: 'x' });
    expect(upper.statusCode).toBe(201);
    expect(upper.json().slug).toBe('my-page');
  });

  it('keeps slugs unique per account (409 naming slug), not across accounts', async () => {
    const a = await signUp(t.app, 'pages');
    const b = await signUp(t.app, 'pages');
    const page = await newPage(a);
    const again = await as(a)('POST', '/api/v1/pages', { kind: 'contact', slug: page.slug, title: 'Again' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'PAGE_SLUG_TAKEN' });
    expect(paths(again)).toEqual(['body.slug']);
    expect(
      (await as(b)('POST', '/api/v1/pages', { kind: 'contact', slug: page.slug, title: 'Mine' })).statusCode,
    ).toBe(201);
    const other = await newPage(a);
    const rename = await as(a)('PATCH', `/api/v1/pages/${other.id}`, { slug: page.slug });
    expect(rename.statusCode).toBe(409);
    expect(paths(rename)).toEqual(['body.slug']);
  });

  it('lists newest first in pages of `limit` with a cursor; archived pages only when asked', async () => {
    const owner = await signUp(t.app, 'pages');
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await newPage(owner));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/pages?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await as(owner)('GET', url);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.data.length).toBeLessThanOrEqual(2);
      seen.push(...body.data.map((p: { id: string }) => p.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(created.map((p) => p.id).reverse());

    expect(paths(await as(owner)('GET', '/api/v1/pages?cursor=bm9wZQ'))).toEqual(['querystring.cursor']);
    expect(paths(await as(owner)('GET', '/api/v1/pages?limit=500'))).toEqual(['querystring.limit']);

    const withLead = created[0];
    await makeLead(t.db, { accountId: owner.accountId, pageId: withLead.id });
    expect((await as(owner)('DELETE', `/api/v1/pages/${withLead.id}`)).statusCode).toBe(204);
    const live = (await as(owner)('GET', '/api/v1/pages')).json().data.map((p: { id: string }) => p.id);
    expect(live).not.toContain(withLead.id);
    const all = (await as(owner)('GET', '/api/v1/pages?includeArchived=true')).json().data;
    expect(all.find((p: { id: string }) => p.id === withLead.id)?.archivedAt).toEqual(expect.any(String));
  });

  it('changes fields but never the kind; null or empty clears optional text', async () => {
    const owner = await signUp(t.app, 'pages');
    const page = await newPage(owner, { headline: 'Old headline', callToAction: 'Go' });
    const patch = (body: object) => as(owner)('PATCH', `/api/v1/pages/${page.id}`, body);
    const res = await patch({ title: 'New title', headline: null, callToAction: '', isActive: false });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      title: 'New title',
      headline: null,
      callToAction: null,
      isActive: false,
    });
    expect(res.json().kind).toBe('home_valuation');
    const kind = await patch({ kind: 'contact' });
    expect(kind.statusCode).toBe(422);
    expect(paths(kind)).toEqual(['body.kind']);
    expect(paths(await patch({ slug: 'api' }))).toEqual(['body.slug']);
    expect(paths(await patch({ title: '' }))).toEqual(['body.title']);
    expect((await patch({ bogus: 1 })).statusCode).toBe(422);
    expect((await patch({})).json().title).toBe('New title');
  });

  it('answers 404 for another account’s page, an unknown id and a malformed id', async () => {
    const a = await signUp(t.app, 'pages');
    const b = await signUp(t.app, 'pages');
    const page = await newPage(a);
    for (const id of [page.id, crypto.randomUUID(), 'not-a-uuid']) {
      expect((await as(b)('GET', `/api/v1/pages/${id}`)).statusCode).toBe(404);
      expect((await as(b)('PATCH', `/api/v1/pages/${id}`, { title: 'Taken' })).statusCode).toBe(404);
      expect((await as(b)('DELETE', `/api/v1/pages/${id}`)).statusCode).toBe(404);
      expect((await as(b)('GET', `/api/v1/pages/${id}/stats`)).statusCode).toBe(404);
    }
    expect((await as(a)('GET', `/api/v1/pages/${page.id}`)).json().title).toBe(page.title);
  });

  it('hard-deletes a page without leads (and its route), archives one with leads (keeping its route)', async () => {
    const owner = await signUp(t.app, 'pages');
    const empty = await newPage(owner);
    expect((await as(owner)('DELETE', `/api/v1/pages/${empty.id}`)).statusCode).toBe(204);
    expect((await as(owner)('GET', `/api/v1/pages/${empty.id}`)).statusCode).toBe(404);
    expect(await routeOf(owner.accountId, empty.id)).toBeUndefined();
    // The slug is free again.
    expect(
      (await as(owner)('POST', '/api/v1/pages', { kind: 'contact', slug: empty.slug, title: 'x' }))
        .statusCode,
    ).toBe(201);

    const used = await newPage(owner);
    await makeLead(t.db, { accountId: owner.accountId, pageId: used.id });
    expect((await as(owner)('DELETE', `/api/v1/pages/${used.id}`)).statusCode).toBe(204);
    const archived = (await as(owner)('GET', `/api/v1/pages/${used.id}`)).json();
    expect(archived.isActive).toBe(false);
    expect(Date.parse(archived.archivedAt)).toBeGreaterThan(0);
    expect(await routeOf(owner.accountId, used.id)).toBe(owner.accountId);
    const edit = await as(owner)('PATCH', `/api/v1/pages/${used.id}`, { isActive: true });
    expect(edit.statusCode).toBe(409);
    expect(edit.json().code).toBe('PAGE_ARCHIVED');
    expect((await as(owner)('DELETE', `/api/v1/pages/${used.id}`)).statusCode).toBe(204);
    expect((await as(owner)('GET', `/api/v1/pages/${used.id}`)).json().archivedAt).toBe(archived.archivedAt);
  });

  it('lets API keys read with pages:read and write only with pages:write', async () => {
    const owner = await signUp(t.app, 'pages');
    const page = await newPage(owner);
    const key = async (scopes: string[]) =>
      (await as(owner)('POST', '/api/v1/api-keys', { name: 'k', scopes })).json().key as string;
    const reader = await key(['pages:read']);
    const leadsOnly = await key(['leads:read']);
    const call = (k: string, method: 'GET' | 'POST', url: string, payload?: object) =>
      t.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${k}` },
        ...(payload ? { payload } : {}),
      });
    expect((await call(reader, 'GET', `/api/v1/pages/${page.id}`)).statusCode).toBe(200);
    const scoped = await call(leadsOnly, 'GET', '/api/v1/pages');
    expect(scoped.statusCode).toBe(403);
    expect(scoped.json().code).toBe('API_KEY_SCOPE');
    const write = await call(reader, 'POST', '/api/v1/pages', { kind: 'contact', slug: slug(), title: 'x' });
    // Keys act with the member role: admin routes are closed to them whatever their scopes.
    expect(write.statusCode).toBe(403);
  });
});

describe('page stats', () => {
  async function seedStats(accountId: string, pageId: string, rows: [string, number, number, number][]) {
    await withTenant(t.db, accountId, async (_tx, client) => {
      for (const [day, views, uniques, submissions] of rows) {
        await client.query(
          `INSERT INTO page_stats_daily (account_id, id, page_id, day, views, unique_visitors, submissions)
           VALUES ($1, gen_random_uuid(), $2, $3, $4, $5, $6)`,
          [accountId, pageId, day, views, uniques, submissions],
        );
      }
    });
  }

  it('fills every day of the range, zeros where nothing was counted, with rounded conversion rates', async () => {
    const owner = await signUp(t.app, 'stats');
    const page = await newPage(owner);
    const other = await newPage(owner);
    await seedStats(owner.accountId, page.id, [
      ['2025-03-01', 10, 3, 1],
      ['2025-03-03', 5, 0, 0],
      ['2025-03-04', 9, 6, 2],
      ['2025-02-28', 100, 100, 100],
    ]);
    await seedStats(owner.accountId, other.id, [['2025-03-02', 50, 50, 50]]);
    const res = await as(owner)('GET', `/api/v1/pages/${page.id}/stats?from=2025-03-01&to=2025-03-05`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      pageId: page.id,
      from: '2025-03-01',
      to: '2025-03-05',
      days: [
        { day: '2025-03-01', views: 10, uniqueVisitors: 3, submissions: 1, conversionRate: 0.3333 },
        { day: '2025-03-02', views: 0, uniqueVisitors: 0, submissions: 0, conversionRate: 0 },
        { day: '2025-03-03', views: 5, uniqueVisitors: 0, submissions: 0, conversionRate: 0 },
        { day: '2025-03-04', views: 9, uniqueVisitors: 6, submissions: 2, conversionRate: 0.3333 },
        { day: '2025-03-05', views: 0, uniqueVisitors: 0, submissions: 0, conversionRate: 0 },
      ],
      totals: { views: 24, uniqueVisitors: 9, submissions: 3, conversionRate: 0.3333 },
    });
  });

  it('defaults to the last 30 days and checks the range', async () => {
    const owner = await signUp(t.app, 'stats');
    const page = await newPage(owner);
    const stats = (q: string) => as(owner)('GET', `/api/v1/pages/${page.id}/stats${q}`);
    const res = (await stats('')).json();
    expect(res.days).toHaveLength(30);
    expect(res.days[29].day).toBe(res.to);
    expect(Math.abs(Date.parse(res.to) - Date.now())).toBeLessThan(2 * 86_400_000);
    expect(res.totals).toEqual({ views: 0, uniqueVisitors: 0, submissions: 0, conversionRate: 0 });
    expect((await stats('?from=2024-01-01&to=2024-12-31')).json().days).toHaveLength(366);
    expect(paths(await stats('?from=2024-01-01&to=2025-01-01'))).toEqual(['querystring.from']);
    expect(paths(await stats('?from=2025-03-05&to=2025-03-01'))).toEqual(['querystring.from']);
    expect(paths(await stats('?from=2025-02-30'))).toEqual(['querystring.from']);
    expect(paths(await stats('?to=yesterday'))).toEqual(['querystring.to']);
    expect(paths(await stats('?to=2025-13-01'))).toEqual(['querystring.to']);
  });
});

describe('page preview', () => {
  const preview = (p: SignedUp, body: object) => as(p)('POST', '/api/v1/pages/preview', body);
  const countPages = async (accountId: string) =>
    (
      await withTenant(t.db, accountId, (_tx, client) =>
        client.query<{ n: number }>('SELECT count(*)::int AS n FROM capture_pages'),
      )
    ).rows[0]!.n;

  it("renders the draft with the public site's templates, the saved brand and published testimonials, writing nothing", async () => {
    const owner = await signUp(t.app, 'preview');
    await as(owner)('PUT', '/api/v1/branding', { displayName: 'Dana Realty', primaryColor: '#0a7d4f' });
    await as(owner)('POST', '/api/v1/testimonials', { authorName: 'Sam', quote: 'Sold in a week' });
    await as(owner)('POST', '/api/v1/testimonials', {
      authorName: 'Hidden',
      quote: 'Not yet',
      isPublished: false,
    });
    const res = await preview(owner, {
      page: {
        kind: 'home_valuation',
        title: 'Your home value',
        headline: 'What is <b>your</b> home worth?',
        callToAction: 'Value it',
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const { html } = res.json();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('What is &lt;b&gt;your&lt;/b&gt; home worth?');
    expect(html).toContain('Value it');
    expect(html).toContain('Dana Realty');
    expect(html).toContain('#0a7d4f');
    expect(html).toContain('Sold in a week');
    expect(html).not.toContain('Not yet');
    // The form is inert: no render token a visitor could post with.
    expect(html).toContain('name="_t" value=""');
    expect(await countPages(owner.accountId)).toBe(0);

    const thanks = await preview(owner, {
      page: { kind: 'contact', title: 'Contact', thankYouHeadline: 'Talk soon' },
      view: 'thanks',
    });
    expect(thanks.json().html).toContain('Talk soon');
  });

  it('shows unsaved branding in place of the saved one, and takes an empty title while it is typed', async () => {
    const owner = await signUp(t.app, 'preview');
    await as(owner)('PUT', '/api/v1/branding', { displayName: 'Saved Name' });
    const res = await preview(owner, {
      page: { kind: 'buyer_interest', title: '' },
      branding: { displayName: 'Draft Name', accentColor: '#123456', phone: '(415) 555-0134' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().html).toContain('Draft Name');
    expect(res.json().html).not.toContain('Saved Name');
    expect(res.json().html).toContain('Untitled page');
    expect(res.json().html).toContain('+14155550134');
    expect((await as(owner)('GET', '/api/v1/branding')).json().displayName).toBe('Saved Name');
  });

  it('answers 422 naming the field for a bad draft', async () => {
    const owner = await signUp(t.app, 'preview');
    expect(paths(await preview(owner, { page: { kind: 'castle', title: 'x' } }))).toEqual(['body.page.kind']);
    expect(paths(await preview(owner, { page: { kind: 'contact', slug: '-bad' } }))).toEqual([
      'body.page.slug',
    ]);
    expect(
      paths(await preview(owner, { page: { kind: 'contact' }, branding: { primaryColor: 'red' } })),
    ).toEqual(['body.branding.primaryColor']);
    expect(paths(await preview(owner, { page: { kind: 'contact' }, branding: { phone: '12' } }))).toEqual([
      'body.phone',
    ]);
    expect(paths(await preview(owner, { page: { kind: 'contact' }, view: 'popup' }))).toEqual(['body.view']);
    expect((await preview(owner, {})).statusCode).toBe(422);
  });
});
