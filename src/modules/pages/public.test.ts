import { describe, expect, it } from 'vitest';
import { makeAccount, makePage } from '../../../test/factories.ts';
import { useTestApp } from '../../../test/http.ts';
import { withTenant } from '../../db/tenant.ts';
import { addDomain, updatePage } from '../../pages/testing.ts';
import { getPublicPage, getPublicSiteIndex, recordPageView, visitorHash } from './public.service.ts';

const t = useTestApp();
const PEPPER = 'test-pepper-test-pepper-test-pepper-0000';

function statsOf(accountId: string, pageId: string) {
  return withTenant(t.db, accountId, async (_tx, client) => {
    const stats = await client.query<{ day: string; views: number; unique_visitors: number }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, views, unique_visitors FROM page_stats_daily
       WHERE account_id = $1 AND page_id = $2`,
      [accountId, pageId],
    );
    const visitors = await client.query<{ visitor_hash: string }>(
      'SELECT visitor_hash FROM page_visitors WHERE account_id = $1 AND page_id = $2',
      [accountId, pageId],
    );
    return { stats: stats.rows, hashes: visitors.rows.map((r) => r.visitor_hash) };
  });
}

const view = (url: string, headers: Record<string, string>, ip = '203.0.113.7') =>
  t.app.inject({ method: 'GET', url, headers, remoteAddress: ip });

describe('page views', () => {
  it('counts every view and each visitor once a day, keeping no address', async () => {
    const { account } = await makeAccount(t.db, { timezone: 'Pacific/Auckland' });
    const page = await makePage(t.db, { accountId: account.id });
    const url = `/p/${account.slug}/${page.slug}`;
    const ua = { 'user-agent': 'Mozilla/5.0 (Phone)' };
    expect((await view(url, ua)).statusCode).toBe(200);
    expect((await view(url, ua)).statusCode).toBe(200);
    let { stats, hashes } = await statsOf(account.id, page.id);
    expect(stats).toMatchObject([{ views: 2, unique_visitors: 1 }]);
    // The day is the account's own (Auckland), not the server's.
    const auckland = new Intl.DateTimeFormat('en-CA', { timeZone: 'Pacific/Auckland' }).format(new Date());
    expect(stats[0]!.day).toBe(auckland);
    expect(hashes).toEqual([visitorHash(PEPPER, auckland, '203.0.113.7', 'Mozilla/5.0 (Phone)')]);
    expect(hashes[0]).toMatch(/^[0-9a-f]{64}$/);

    // Another browser on the same address is another visitor; a prefetch and a bot are not views.
    await view(url, { 'user-agent': 'Mozilla/5.0 (Desktop)' });
    await view(url, { ...ua, 'sec-purpose': 'prefetch' });
    await view(url, { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1)' });
    await t.app.inject({ method: 'HEAD', url, headers: ua });
    ({ stats, hashes } = await statsOf(account.id, page.id));
    expect(stats).toMatchObject([{ views: 3, unique_visitors: 2 }]);
    expect(JSON.stringify(hashes)).not.toContain('203.0.113.7');
  });

  it('counts nothing for the thank-you page or an unknown page', async () => {
    const { account } = await makeAccount(t.db);
    const page = await makePage(t.db, { accountId: account.id });
    await view(`/p/${account.slug}/${page.slug}/thanks`, {});
    await view(`/p/${account.slug}/nope`, {});
    expect((await statsOf(account.id, page.id)).stats).toEqual([]);
  });

  it('records through the service: a new visitor, then the same one', async () => {
    const { account } = await makeAccount(t.db);
    const page = await makePage(t.db, { accountId: account.id });
    const v = { accountId: account.id, pageId: page.id, ip: '192.0.2.1', userAgent: null };
    expect(await recordPageView(t.db, PEPPER, v)).toEqual({ isNewVisitor: true });
    expect(await recordPageView(t.db, PEPPER, v)).toEqual({ isNewVisitor: false });
    expect(await recordPageView(t.db, PEPPER, { ...v, ip: '192.0.2.2' })).toEqual({ isNewVisitor: true });
    expect((await statsOf(account.id, page.id)).stats).toMatchObject([{ views: 3, unique_visitors: 2 }]);
  });

  it('never lets a failure to record break the page', async () => {
    const { account } = await makeAccount(t.db);
    const page = await makePage(t.db, { accountId: account.id });
    // A time zone PostgreSQL does not know makes the day query fail.
    await t.db.query(`UPDATE accounts SET timezone = 'Nowhere/Atlantis' WHERE id = $1`, [account.id]);
    const res = await view(`/p/${account.slug}/${page.slug}`, {});
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<form id="lead-form"');
  });

  it('salts visitor hashes by day', () => {
    const a = visitorHash(PEPPER, '2024-05-01', '192.0.2.1', 'ua');
    expect(visitorHash(PEPPER, '2024-05-01', '192.0.2.1', 'ua')).toBe(a);
    expect(visitorHash(PEPPER, '2024-05-02', '192.0.2.1', 'ua')).not.toBe(a);
    expect(visitorHash(`${PEPPER}x`, '2024-05-01', '192.0.2.1', 'ua')).not.toBe(a);
  });
});

describe('finding a public page', () => {
  it('finds a live page by account slug or active hostname, and nothing else', async () => {
    const { account } = await makeAccount(t.db);
    const page = await makePage(t.db, { accountId: account.id, kind: 'buyer_interest' });
    await addDomain(t.db, account.id, `x-${account.slug}.example.com`, 'active');
    await addDomain(t.db, account.id, `y-${account.slug}.example.com`, 'failed');
    const bySlug = await getPublicPage(t.db, { accountSlug: account.slug.toUpperCase() }, page.slug);
    expect(bySlug?.page).toMatchObject({ id: page.id, kind: 'buyer_interest' });
    expect(bySlug?.site.branding.displayName).toBe(account.name);
    expect(
      await getPublicPage(t.db, { hostname: `X-${account.slug}.example.com` }, page.slug),
    ).not.toBeNull();
    expect(await getPublicPage(t.db, { hostname: `y-${account.slug}.example.com` }, page.slug)).toBeNull();
    expect(await getPublicPage(t.db, { accountSlug: account.slug }, 'Bad Slug')).toBeNull();
    await updatePage(t.db, account.id, page.id, { is_active: false });
    expect(await getPublicPage(t.db, { accountSlug: account.slug }, page.slug)).toBeNull();
    expect((await getPublicSiteIndex(t.db, { accountSlug: account.slug }))?.pages).toEqual([]);
  });

  it('does not find another account’s page through an account’s slug or host', async () => {
    const a = await makeAccount(t.db);
    const b = await makeAccount(t.db);
    const pageOfB = await makePage(t.db, { accountId: b.account.id });
    await addDomain(t.db, a.account.id, `a-${a.account.slug}.example.com`, 'active');
    expect(await getPublicPage(t.db, { accountSlug: a.account.slug }, pageOfB.slug)).toBeNull();
    expect(
      await getPublicPage(t.db, { hostname: `a-${a.account.slug}.example.com` }, pageOfB.slug),
    ).toBeNull();
  });
});
