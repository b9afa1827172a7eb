import { describe, expect, it } from 'vitest';
import { makeLead as makeLeadNow, makePage, makeUser } from '../../../test/factories.ts';
import { asSession, type SignedUp, signUp, useTestApp } from '../../../test/http.ts';
import { leads } from '../../db/schema/index.ts';
import { searchCondition, searchPattern } from './leads.query.ts';

const t = useTestApp();

/** A lead a few milliseconds after the last, so "newest first" has one answer. */
async function makeLead(...args: Parameters<typeof makeLeadNow>) {
  await new Promise((r) => setTimeout(r, 3));
  return makeLeadNow(...args);
}

const call = (p: SignedUp) => asSession(t.app, p.cookie);
const ids = (res: { json(): { data: { id: string }[] } }) => res.json().data.map((l) => l.id);

async function list(p: SignedUp, query = '') {
  const res = await call(p)('GET', `/api/v1/leads${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    data: { id: string; [k: string]: unknown }[];
    nextCursor: string | null;
    counts?: unknown;
  };
}

/** Every page of a listing, following nextCursor. */
async function allPages(p: SignedUp, query: string, from: string | null = null) {
  const seen: string[] = [];
  let cursor: string | null = from;
  for (let page = 0; page < 100; page++) {
    const sep = query ? '&' : '?';
    const body = await list(p, `${query}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`);
    seen.push(...body.data.map((l) => l.id));
    cursor = body.nextCursor;
    if (!cursor) return seen;
  }
  throw new Error('too many pages');
}

describe('GET /api/v1/leads', () => {
  it('lists newest first with the lead fields, excluding spam unless asked', async () => {
    const owner = await signUp(t.app, 'list');
    const first = await makeLead(t.db, { accountId: owner.accountId, fullName: 'Ann First' });
    const spam = await makeLead(t.db, { accountId: owner.accountId, status: 'spam' });
    const last = await makeLead(t.db, {
      accountId: owner.accountId,
      fullName: 'Zed Last',
      priceMinCents: 25_000_00,
    });
    const body = await list(owner);
    expect(body.data.map((l) => l.id)).toEqual([last.id, first.id]);
    expect(body.nextCursor).toBeNull();
    expect(body.counts).toBeUndefined();
    expect(body.data[0]).toMatchObject({
      id: last.id,
      status: 'new',
      source: 'api',
      fullName: 'Zed Last',
      phone: '+15555550123',
      priceMin: 25_000,
      priceMax: null,
      isHeld: false,
      masked: false,
      submissionCount: 1,
      details: {},
      contactedAt: null,
    });
    expect(new Date(body.data[0]!.createdAt as string).toISOString()).toBe(body.data[0]!.createdAt);
    expect(ids(await call(owner)('GET', '/api/v1/leads?status=spam'))).toEqual([spam.id]);
    expect(ids(await call(owner)('GET', '/api/v1/leads?spam=true'))).toEqual([last.id, spam.id, first.id]);
    expect(ids(await call(owner)('GET', '/api/v1/leads?spam=false'))).toEqual([last.id, first.id]);
  });

  it('filters by status, source, page, assignee and held', async () => {
    const owner = await signUp(t.app, 'filter');
    const accountId = owner.accountId;
    const page = await makePage(t.db, { accountId });
    const member = await makeUser(t.db, { accountId });
    const onPage = await makeLead(t.db, { accountId, pageId: page.id, source: 'home_valuation' });
    const assigned = await makeLead(t.db, { accountId, assignedUserId: member.id, status: 'contacted' });
    const held = await makeLead(t.db, { accountId });
    await t.db.query('UPDATE leads SET is_held = true WHERE id = $1', [held.id]);
    const q = (s: string) => call(owner)('GET', `/api/v1/leads${s}`).then(ids);
    expect(await q('?status=contacted')).toEqual([assigned.id]);
    expect(await q('?source=home_valuation')).toEqual([onPage.id]);
    expect(await q(`?pageId=${page.id}`)).toEqual([onPage.id]);
    expect(await q(`?assignedTo=${member.id}`)).toEqual([assigned.id]);
    expect(await q('?assignedTo=none')).toEqual([held.id, onPage.id]);
    expect(await q('?held=true')).toEqual([held.id]);
    expect(await q('?held=false')).toEqual([assigned.id, onPage.id]);
    expect(await q('?status=contacted&assignedTo=none')).toEqual([]);
  });

  it('answers 422 naming the query field for bad filters, limits and cursors', async () => {
    const owner = await signUp(t.app, 'badq');
    for (const [query, path] of [
      ['?status=open', 'querystring.status'],
      ['?source=fax', 'querystring.source'],
      ['?pageId=nope', 'querystring.pageId'],
      ['?assignedTo=someone', 'querystring.assignedTo'],
      ['?held=yes', 'querystring.held'],
      ['?limit=0', 'querystring.limit'],
      ['?limit=201', 'querystring.limit'],
      ['?q=a', 'querystring.q'],
      ['?q=%20a%20', 'querystring.q'],
      ['?cursor=garbage', 'querystring.cursor'],
      [`?cursor=${Buffer.from('["2024-01-01T00:00:00Z","x"]').toString('base64url')}`, 'querystring.cursor'],
    ] as const) {
      const res = await call(owner)('GET', `/api/v1/leads${query}`);
      expect(res.statusCode, query).toBe(422);
      expect(
        res.json().errors.map((e: { path: string }) => e.path),
        query,
      ).toContain(path);
    }
  });

  it('pages by cursor without repeats or gaps when many leads share created_at, to the microsecond', async () => {
    const owner = await signUp(t.app, 'pages');
    const accountId = owner.accountId;
    const made: string[] = [];
    for (let i = 0; i < 13; i++) made.push((await makeLead(t.db, { accountId })).id);
    // Five share one instant; the rest sit microseconds apart inside one millisecond.
    await t.db.query(
      `UPDATE leads SET created_at = CASE WHEN id = ANY($2::uuid[])
         THEN timestamptz '2025-03-01 10:00:00.123456+00'
         ELSE timestamptz '2025-03-01 10:00:00.123000+00' + (random() * 999)::int * interval '1 microsecond' END
       WHERE account_id = $1`,
      [accountId, made.slice(0, 5)],
    );
    const expected = (
      await t.db.query<{ id: string }>(
        `SELECT id FROM leads WHERE account_id = $1 ORDER BY created_at DESC, id DESC`,
        [accountId],
      )
    ).rows.map((r) => r.id);
    for (const limit of [1, 2, 3, 5, 13, 50]) {
      expect(await allPages(owner, `?limit=${limit}`), `limit ${limit}`).toEqual(expected);
    }
    // A lead added while paging lands before the cursor and does not shift later pages.
    const firstPage = await list(owner, '?limit=4');
    await makeLead(t.db, { accountId });
    const rest = await allPages(owner, '?limit=4', firstPage.nextCursor);
    expect([...firstPage.data.map((l) => l.id), ...rest]).toEqual(expected);
  });

  it('defaults to 50 a page and allows up to 200', async () => {
    const owner = await signUp(t.app, 'limit');
    await t.db.query('UPDATE accounts SET plan_code = $2 WHERE id = $1', [owner.accountId, 'team']);
    await Promise.all(Array.from({ length: 55 }, () => makeLead(t.db, { accountId: owner.accountId })));
    const first = await list(owner);
    expect(first.data).toHaveLength(50);
    expect(first.nextCursor).not.toBeNull();
    const second = await list(owner, `?cursor=${first.nextCursor}`);
    expect(second.data).toHaveLength(5);
    expect(second.nextCursor).toBeNull();
    expect((await list(owner, '?limit=200')).data).toHaveLength(55);
  });

  it('searches name, email, phone and address; escapes wildcards; reads phone formatting', async () => {
    const owner = await signUp(t.app, 'search');
    const accountId = owner.accountId;
    const maria = await makeLead(t.db, {
      accountId,
      fullName: 'Maria Lopez',
      email: 'maria.lopez@example.com',
      phoneE164: '+15125550142',
      addressLine: '500 Congress Ave',
    });
    const james = await makeLead(t.db, {
      accountId,
      fullName: 'James 100% Carter',
      email: 'j_carter@example.com',
      phoneE164: '+15125550178',
    });
    const q = (text: string) => call(owner)('GET', `/api/v1/leads?q=${encodeURIComponent(text)}`).then(ids);
    expect(await q('lopez')).toEqual([maria.id]);
    expect(await q('MARIA.LOPEZ@')).toEqual([maria.id]);
    expect(await q('congress')).toEqual([maria.id]);
    expect(await q('+1512555')).toEqual([james.id, maria.id]);
    expect(await q('(512) 555-0142')).toEqual([maria.id]);
    expect(await q('555-0178')).toEqual([james.id]);
    expect(await q('100%')).toEqual([james.id]);
    expect(await q('0%')).toEqual([james.id]);
    expect(await q('j_c')).toEqual([james.id]);
    expect(await q('a_c')).toEqual([]); // _ is no wildcard
    expect(await q('zzz')).toEqual([]);
    // A held lead's hidden details cannot be confirmed by searching for them.
    await t.db.query('UPDATE leads SET is_held = true WHERE id = $1', [maria.id]);
    expect(await q('lopez')).toEqual([]);
  });

  it('makes the search pattern from the text', () => {
    expect(searchPattern(' 50%_off\\ ')).toBe('50\\%\\_off\\\\');
    expect(searchPattern('(512) 555-01')).toBe('51255501');
    expect(searchPattern('+1 (512) 555')).toBe('+1512555');
    expect(searchPattern('12 Main St')).toBe('12 Main St');
  });

  it('writes the search exactly as the expression of leads_search_trgm_idx, which serves it as the search role', async () => {
    // Which plan wins depends on the table's size; what the code controls is that the index
    // can serve the ILIKE at all. As porchlight_search (what porchlight_search_lead_ids runs as),
    // with sequential scans off, the ILIKE must be an index condition; as the app role, under
    // forced RLS, it cannot be (ILIKE is not leakproof), which is why the function exists.
    const owner = await signUp(t.app, 'plan');
    const plan = (role: string) =>
      t.db.transaction(
        `SET LOCAL ROLE ${role}; SET LOCAL app.account_id = '${owner.accountId}'; SET LOCAL enable_seqscan = off;`,
        async (tx, client) => {
          const query = tx
            .select({ id: leads.id })
            .from(leads)
            .where(searchCondition(searchPattern('lopez')))
            .toSQL();
          const { rows } = await client.query<Record<string, string>>(`EXPLAIN ${query.sql}`, query.params);
          return rows.map((r) => Object.values(r)[0]).join('\n');
        },
      );
    const asSearch = await plan('porchlight_search');
    expect(asSearch).toContain('leads_search_trgm_idx');
    expect(asSearch).toMatch(/Index Cond: .*~~\* '%lopez%'/);
    expect(await plan('porchlight_app')).not.toMatch(/Index Cond: .*~~\*/);
  });

  it('pages a search by cursor with the filters, never past the tenant', async () => {
    const owner = await signUp(t.app, 'searchpages');
    const other = await signUp(t.app, 'searchother');
    const accountId = owner.accountId;
    const page = await makePage(t.db, { accountId });
    const made: { id: string; status?: string }[] = [];
    for (let i = 0; i < 7; i++) {
      const status = i === 2 ? 'contacted' : i === 5 ? 'spam' : 'new';
      const lead = await makeLead(t.db, {
        accountId,
        fullName: `Quinn Okafor ${i}`,
        status: status as 'new',
        ...(i % 2 === 0 ? { pageId: page.id } : {}),
      });
      made.push({ id: lead.id, status });
    }
    await makeLead(t.db, { accountId: other.accountId, fullName: 'Quinn Okafor elsewhere' });
    const newestFirst = made.map((m) => m.id).reverse();
    const notSpam = made
      .filter((m) => m.status !== 'spam')
      .map((m) => m.id)
      .reverse();
    expect(await allPages(owner, '?q=okafor&limit=2')).toEqual(notSpam);
    expect(await allPages(owner, '?q=okafor&limit=2&spam=true')).toEqual(newestFirst);
    expect(await allPages(owner, '?q=okafor&status=contacted')).toEqual([made[2]!.id]);
    expect(await allPages(owner, `?q=okafor&limit=1&pageId=${page.id}`)).toEqual(
      [made[0]!.id, made[2]!.id, made[4]!.id, made[6]!.id].reverse(),
    );
    expect(await allPages(other, '?q=okafor')).toHaveLength(1);
    // The function pins the tenant itself: with none set it finds nothing.
    const { rows } = await t.db.query<{ id: string }>(
      `SELECT porchlight_search_lead_ids('okafor', '{}'::jsonb, 50) AS id`,
    );
    expect(rows).toEqual([]);
  });

  it('adds counts on request, and GET /api/v1/leads/counts names every status', async () => {
    const owner = await signUp(t.app, 'counts');
    const accountId = owner.accountId;
    await makeLead(t.db, { accountId });
    await makeLead(t.db, { accountId, status: 'won' });
    const held = await makeLead(t.db, { accountId, status: 'spam' });
    await t.db.query('UPDATE leads SET is_held = true WHERE id = $1', [held.id]);
    const expected = {
      byStatus: { new: 1, contacted: 0, qualified: 0, quoted: 0, booked: 0, won: 1, lost: 0, spam: 1 },
      held: 1,
    };
    const res = await call(owner)('GET', '/api/v1/leads/counts');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(expected);
    expect((await list(owner, '?counts=true')).counts).toEqual(expected);
  });
});
