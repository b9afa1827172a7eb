import { describe, expect, it } from 'vitest';
import { makeAccount, makePage } from '../../test/factories.ts';
import { useTestApp } from '../../test/http.ts';
import { testConfig } from '../config.ts';
import { addDomain, formOf, updatePage } from './testing.ts';

const t = useTestApp({
  config: testConfig({ BASE_URL: 'http://localhost:3000', BASE_DOMAIN: 'porchlight.test' }),
});

const get = (url: string, host?: string) =>
  t.app.inject({ method: 'GET', url, ...(host ? { headers: { host } } : {}) });

function expectNotFoundPage(res: Awaited<ReturnType<typeof get>>) {
  expect(res.statusCode).toBe(404);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.body).toContain('We can’t find that page');
}

describe('where pages live', () => {
  it('serves a page on the account’s subdomain, with links on that host', async () => {
    const { account } = await makeAccount(t.db);
    const page = await makePage(t.db, { accountId: account.id });
    const res = await get(`/${page.slug}?utm_source=mail`, `${account.slug}.porchlight.test`);
    expect(res.statusCode).toBe(200);
    expect(formOf(res.body).action).toBe(`/${page.slug}`);
    expect(res.body).toContain(
      `<link rel="canonical" href="http://${account.slug}.porchlight.test/${page.slug}">`,
    );
    expect(res.body).toContain('name="utmSource" value="mail"');
    // A port the visitor used stays in the page's own URLs.
    const withPort = await get(`/${page.slug}`, `${account.slug}.porchlight.test:8443`);
    expect(withPort.body).toContain(`href="http://${account.slug}.porchlight.test:8443/${page.slug}"`);
  });

  it('serves a page on an active custom hostname, and not on a pending one', async () => {
    const { account } = await makeAccount(t.db);
    const page = await makePage(t.db, { accountId: account.id });
    const active = `homes-${account.slug}.example.com`;
    const pending = `soon-${account.slug}.example.com`;
    await addDomain(t.db, account.id, active, 'active');
    await addDomain(t.db, account.id, pending, 'pending');
    const res = await get(`/${page.slug}`, active);
    expect(res.statusCode).toBe(200);
    expect(formOf(res.body).action).toBe(`/${page.slug}`);
    expect(res.body).toContain(`<link rel="canonical" href="http://${active}/${page.slug}">`);
    expect((await get(`/${page.slug}/thanks`, active)).statusCode).toBe(200);
    expectNotFoundPage(await get(`/${page.slug}`, pending));
    expectNotFoundPage(await get(`/${page.slug}`, `unknown-${account.slug}.example.com`));
  });

  it('shows a site home listing the live pages at / on a site host and at /p/{account}', async () => {
    const { account } = await makeAccount(t.db);
    const a = await makePage(t.db, { accountId: account.id, title: 'Free home valuation' });
    const b = await makePage(t.db, { accountId: account.id, kind: 'buyer_interest', title: 'Buyer search' });
    const hidden = await makePage(t.db, { accountId: account.id, title: 'Hidden page' });
    await updatePage(t.db, account.id, hidden.id, { is_active: false });
    const home = await get('/', `${account.slug}.porchlight.test`);
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain(`href="/${a.slug}">Free home valuation</a>`);
    expect(home.body).toContain(`href="/${b.slug}">Buyer search</a>`);
    expect(home.body).not.toContain('Hidden page');
    const byPath = await get(`/p/${account.slug}`);
    expect(byPath.body).toContain(`href="/p/${account.slug}/${a.slug}"`);
  });

  it('keeps the application’s own hosts and paths as they are', async () => {
    const { account } = await makeAccount(t.db);
    const page = await makePage(t.db, { accountId: account.id });
    expect((await get(`/p/${account.slug}/${page.slug}`, 'www.porchlight.test')).statusCode).toBe(200);
    expect((await get(`/p/${account.slug}/${page.slug}`, '127.0.0.1:3000')).statusCode).toBe(200);
    const health = await get('/healthz', `${account.slug}.porchlight.test`);
    expect(health.statusCode).toBe(200);
    expect(health.headers['content-type']).toContain('application/json');
    const api = await get('/api/v1/me', `${account.slug}.porchlight.test`);
    expect(api.statusCode).toBe(401);
  });

  it('answers a friendly 404 page for whatever is not a live page', async () => {
    const { account } = await makeAccount(t.db);
    const page = await makePage(t.db, { accountId: account.id });
    const inactive = await makePage(t.db, { accountId: account.id });
    await updatePage(t.db, account.id, inactive.id, { is_active: false });
    const archived = await makePage(t.db, { accountId: account.id });
    await updatePage(t.db, account.id, archived.id, { archived_at: new Date().toISOString() });
    expectNotFoundPage(await get(`/p/no-such-account/${page.slug}`));
    expectNotFoundPage(await get(`/p/${account.slug}/no-such-page`));
    expectNotFoundPage(await get(`/p/${account.slug}/${inactive.slug}`));
    expectNotFoundPage(await get(`/p/${account.slug}/${archived.slug}`));
    expectNotFoundPage(await get(`/p/${account.slug}/${archived.slug}/thanks`));
    expectNotFoundPage(await get(`/p/${account.slug}/${page.slug}/more/segments`));
    expectNotFoundPage(await get('/p/Bad_Slug!/x'));
    expectNotFoundPage(await get(`/${page.slug}`, 'no-such-account.porchlight.test'));
    expectNotFoundPage(await get('/whatever/deep/path', `${account.slug}.porchlight.test`));
    expectNotFoundPage(await get(`/${inactive.slug}`, `${account.slug}.porchlight.test`));
    // The rewritten paths are not an address of their own on the application's host.
    expectNotFoundPage(await get(`/_site/sub/${account.slug}/${page.slug}`));
    const posted = await t.app.inject({
      method: 'POST',
      url: `/p/${account.slug}/${inactive.slug}`,
      payload: 'email=a%40example.com',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectNotFoundPage(posted);
  });

  it('answers the 404 page for a suspended account', async () => {
    const { account } = await makeAccount(t.db);
    const page = await makePage(t.db, { accountId: account.id });
    await t.db.query(`UPDATE accounts SET status = 'suspended' WHERE id = $1`, [account.id]);
    expectNotFoundPage(await get(`/p/${account.slug}/${page.slug}`));
  });
});
