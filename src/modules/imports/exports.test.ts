import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  asSession,
  SESSION_COOKIE,
  type SignedUp,
  signUp,
  TEST_ORIGIN,
  useTestApp,
} from '../../../test/http.ts';
import { withTenant } from '../../db/tenant.ts';

const t = useTestApp({ withJobs: true });
const call = (p: SignedUp) => asSession(t.app, p.cookie);

function upload(p: SignedUp, kind: 'leads' | 'contacts', body: string) {
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/${kind}/import`,
    cookies: { [SESSION_COOKIE]: p.cookie },
    headers: { origin: TEST_ORIGIN, 'content-type': 'text/csv' },
    payload: body,
  });
}

/** The export's rows without their ids, in a stable order. */
function rowsOf(csv: string): Record<string, string>[] {
  const rows = parse(csv, { columns: true }) as Record<string, string>[];
  return rows
    .map(({ id: _id, ...rest }) => rest)
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

describe('export → import → export', () => {
  it('gives the same leads back in a fresh account, nothing lost', async () => {
    const a = await signUp(t.app, 'rt-lead-a');
    const bodies = [
      {
        fullName: 'Zoë Ångström-Smith',
        email: 'zoe@example.com',
        phone: '(512) 555-0150',
        addressLine: '12 Oak St, Apt "B"',
        city: 'Austin',
        state: 'TX',
        postalCode: '78701',
        message: '- call me after 5\nSecond line, with a comma',
        timeline: 'asap',
        priceMin: 300000,
        priceMax: 450000,
        details: { beds: 3, formula: '=1+1', nested: { a: [1, 2] } },
        utmSource: 'google',
        utmMedium: 'cpc',
        utmCampaign: 'spring',
        utmTerm: 'homes austin',
        utmContent: 'ad-2',
        referrer: 'https://example.org/?q=1',
        source: 'referral',
        status: 'lost',
        lostReason: 'went with another agent',
      },
      { phone: '+1 737 555 0191', status: 'contacted', source: 'website' },
      { fullName: '@handle', email: 'handle@example.com', message: '+1 for this house' },
    ];
    for (const body of bodies) {
      const res = await call(a)('POST', '/api/v1/leads', body);
      expect(res.statusCode, res.body).toBe(201);
    }
    await withTenant(t.db, a.accountId, (_tx, c) =>
      c.query(
        `UPDATE leads SET ai_score = 87, ai_summary = 'Motivated seller' WHERE account_id = $1 AND email = 'zoe@example.com'`,
        [a.accountId],
      ),
    );
    const first = await call(a)('GET', '/api/v1/leads/export');
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain(`'+15125550150`);

    const b = await signUp(t.app, 'rt-lead-b');
    const imported = await upload(b, 'leads', first.body);
    expect(imported.statusCode, imported.body).toBe(201);
    expect(imported.json()).toMatchObject({ preset: 'porchlight', imported: 3, merged: 0, rejectedCount: 0 });
    const second = await call(b)('GET', '/api/v1/leads/export');
    expect(rowsOf(second.body)).toEqual(rowsOf(first.body));
    const zoe = rowsOf(second.body).find((r) => r.email === 'zoe@example.com')!;
    expect(zoe).toMatchObject({ status: 'lost', source: 'referral', aiScore: '87', priceMin: '300000' });
    expect(JSON.parse(zoe.details!)).toEqual({ beds: 3, formula: '=1+1', nested: { a: [1, 2] } });
    expect(second.body).not.toContain(a.accountId);
  });

  it('gives the same contacts back in a fresh account', async () => {
    const a = await signUp(t.app, 'rt-con-a');
    const csv = [
      'Name,Email,Phone,Company,Type,Notes',
      'Lena Park,lena@example.com,(512) 555-0171,"Park & Sons, LLC",lender,"=SUM(A1)\nsecond line"',
      'Raj Iyer,,(512) 555-0172,,vendor,',
      'Mo Ali,mo@example.com,,,,-',
    ].join('\n');
    expect((await upload(a, 'contacts', csv)).json()).toMatchObject({ imported: 3 });
    const first = await call(a)('GET', '/api/v1/contacts/export');
    expect(first.body).toContain(`"'=SUM(A1)\nsecond line"`);
    const b = await signUp(t.app, 'rt-con-b');
    const imported = await upload(b, 'contacts', first.body);
    expect(imported.statusCode, imported.body).toBe(201);
    expect(imported.json()).toMatchObject({ preset: 'porchlight', imported: 3, rejectedCount: 0 });
    const second = await call(b)('GET', '/api/v1/contacts/export');
    expect(rowsOf(second.body)).toEqual(rowsOf(first.body));
    expect(rowsOf(second.body)).toHaveLength(3);
  });
});

describe('who may import and export', () => {
  it('refuses an API key without the scope, and lets one with it', async () => {
    const p = await signUp(t.app, 'rt-scope');
    const { key } = (
      await call(p)('POST', '/api/v1/api-keys', { name: 'read only', scopes: ['leads:read'] })
    ).json();
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'text/csv' };
    const refused = await t.app.inject({
      method: 'POST',
      url: '/api/v1/leads/import',
      headers,
      payload: 'Email\nk@example.com\n',
    });
    expect(refused.statusCode).toBe(403);
    const contacts = await t.app.inject({ method: 'GET', url: '/api/v1/contacts/export', headers });
    expect(contacts.statusCode).toBe(403);
    const leads = await t.app.inject({ method: 'GET', url: '/api/v1/leads/export', headers });
    expect(leads.statusCode).toBe(200);
  });
});
