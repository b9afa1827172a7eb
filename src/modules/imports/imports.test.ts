import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  asSession,
  joinAccount,
  SESSION_COOKIE,
  type SignedUp,
  signUp,
  TEST_ORIGIN,
  useTestApp,
} from '../../../test/http.ts';
import { withTenant } from '../../db/tenant.ts';
import { createLogger } from '../../platform/logger.ts';
import { allJobs } from '../../runtime.ts';
import { deleteAbandonedUploads } from './import-run.service.ts';

const t = useTestApp({ withJobs: true });
const call = (p: SignedUp) => asSession(t.app, p.cookie);
const fixture = (name: string) =>
  fs.readFileSync(path.join(import.meta.dirname, '../../../test/fixtures', name));

function upload(
  p: SignedUp,
  kind: 'leads' | 'contacts',
  body: string | Buffer,
  query = '',
  contentType = 'text/csv',
) {
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/${kind}/import${query}`,
    cookies: { [SESSION_COOKIE]: p.cookie },
    headers: { origin: TEST_ORIGIN, 'content-type': contentType },
    payload: body,
  });
}

type Lead = Record<string, unknown> & {
  email: string | null;
  phone: string | null;
  details: Record<string, unknown>;
};

async function leadsOf(p: SignedUp): Promise<Lead[]> {
  return (await call(p)('GET', '/api/v1/leads?spam=true&limit=200')).json().data;
}

const byEmail = (leads: Lead[], email: string) => leads.find((l) => l.email === email)!;

describe('lead import presets', () => {
  it('reads a Follow Up Boss export: stages, several emails, unmapped columns kept', async () => {
    const p = await signUp(t.app, 'imp-fub');
    const res = await upload(p, 'leads', fixture('import-follow-up-boss.csv'), '?fileName=people.csv');
    expect(res.statusCode, res.body).toBe(201);
    const report = res.json();
    expect(report).toMatchObject({
      kind: 'leads',
      status: 'completed',
      preset: 'follow_up_boss',
      fileName: 'people.csv',
      totalRows: 6,
      processedRows: 6,
      imported: 6,
      merged: 0,
      rejected: [],
      rejectedCount: 0,
    });
    expect(res.headers.location).toBe(`/api/v1/imports/${report.id}`);
    const leads = await leadsOf(p);
    expect(leads).toHaveLength(6);
    const maria = byEmail(leads, 'maria.gonzalez@example.com');
    expect(maria).toMatchObject({
      fullName: 'Maria Gonzalez',
      phone: '+15125550142',
      status: 'new',
      source: 'import',
      addressLine: '1200 Barton Springs Rd',
      city: 'Austin',
      state: 'TX',
      postalCode: '78704',
      message: 'Relocating from Denver in the summer',
      isHeld: false,
    });
    expect(maria.details).toMatchObject({
      Stage: 'Lead',
      Source: 'Zillow',
      'Assigned To': 'Sam Carter',
      Tags: 'buyer, austin',
      'Last Activity': '2025-04-01 15:30:00',
    });
    expect(new Date(maria.createdAt as string).getUTCFullYear()).toBe(2025);
    const james = byEmail(leads, 'jwhitfield@example.net');
    expect(james.status).toBe('qualified');
    expect(james.details.Emails).toBe('jwhitfield@example.net, james.w@example.org');
    expect(byEmail(leads, 'priya.n@example.com')).toMatchObject({ status: 'qualified', source: 'website' });
    expect(byEmail(leads, 'tom.becker@example.com')).toMatchObject({ status: 'won', source: 'referral' });
    expect(byEmail(leads, 'kevin.oneil@example.com').status).toBe('contacted');
    expect(leads.find((l) => l.phone === '+15125550199')).toMatchObject({
      fullName: 'Aisha Bello',
      status: 'lost',
    });
  });

  it('reads a Zillow Premier Agent export', async () => {
    const p = await signUp(t.app, 'imp-zil');
    const res = await upload(p, 'leads', fixture('import-zillow.csv'));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ preset: 'zillow', imported: 5, rejectedCount: 0 });
    const leads = await leadsOf(p);
    const laura = byEmail(leads, 'laura.chen@example.com');
    expect(laura).toMatchObject({
      fullName: 'Laura Chen',
      phone: '+12065550134',
      status: 'new',
      addressLine: '4510 Fremont Ave N, Seattle, WA 98103',
      message: "I'd like to see this home this weekend.",
      createdAt: '2025-04-03T18:22:00.000Z',
    });
    expect(laura.details).toMatchObject({
      'Lead Type': 'Buyer',
      'Listing Price': '$849,000',
      Agent: 'Alex Kim',
    });
    expect(byEmail(leads, 'marcus.reid@example.net').status).toBe('contacted');
    expect(byEmail(leads, 'sofia.alvarez@example.org').status).toBe('booked');
    expect(leads.find((l) => l.phone === '+14255550163')?.status).toBe('won');
    expect(byEmail(leads, 'hannah.scott@example.com').status).toBe('lost');
  });

  it('reads a kvCORE export: cell phone first, prices, statuses and sources', async () => {
    const p = await signUp(t.app, 'imp-kv');
    const res = await upload(p, 'leads', fixture('import-kvcore.csv'));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ preset: 'kvcore', imported: 5, rejectedCount: 0 });
    const leads = await leadsOf(p);
    const olivia = byEmail(leads, 'olivia.martin@example.com');
    expect(olivia).toMatchObject({
      phone: '+13035550145',
      priceMin: 400000,
      priceMax: 550000,
      status: 'new',
    });
    expect(olivia.details).toMatchObject({
      'Home Phone': '(303) 555-0000',
      'Lead Type': 'Buyer',
      Source: 'Facebook Ads',
    });
    expect(byEmail(leads, 'ethan.brooks@example.net')).toMatchObject({
      status: 'contacted',
      source: 'website',
    });
    expect(byEmail(leads, 'grace.kim@example.org')).toMatchObject({
      phone: '+13035550172',
      status: 'qualified',
    });
    expect(byEmail(leads, 'noah.patel@example.com').status).toBe('won');
    expect(byEmail(leads, 'chloe.rivera@example.com')).toMatchObject({
      status: 'lost',
      source: 'google_ads',
    });
  });

  it('reads a generic sheet and merges a repeated person within the file', async () => {
    const p = await signUp(t.app, 'imp-gen');
    const res = await upload(p, 'leads', fixture('import-generic.csv'));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      preset: 'generic',
      totalRows: 5,
      imported: 4,
      merged: 1,
      rejectedCount: 0,
    });
    const leads = await leadsOf(p);
    expect(leads).toHaveLength(4);
    expect(byEmail(leads, 'frank.miller@example.com').phone).toBe('+16025550133');
    const rosa = byEmail(leads, 'rosa.delgado@example.com');
    expect(rosa).toMatchObject({ fullName: 'Rosa Delgado', message: 'Wants a pool', postalCode: '85003' });
    expect(rosa.details).toEqual({ 'Favorite Color': 'teal' });
  });

  it('rejects malformed rows with errors naming the column and imports the good ones', async () => {
    const p = await signUp(t.app, 'imp-bad');
    const res = await upload(p, 'leads', fixture('import-malformed.csv'));
    expect(res.statusCode, res.body).toBe(201);
    const report = res.json();
    expect(report).toMatchObject({
      totalRows: 7,
      processedRows: 7,
      imported: 2,
      merged: 0,
      rejectedCount: 5,
    });
    expect(report.rejected).toEqual([
      { row: 3, errors: [{ path: 'Email', message: 'is not an email address' }] },
      { row: 4, errors: [{ path: 'Phone', message: 'is not a valid phone number' }] },
      { row: 5, errors: [{ path: 'row', message: 'has 6 cells where the header has 4' }] },
      {
        row: 6,
        errors: [
          { path: 'email', message: 'needs an email address or a phone number to identify the person' },
        ],
      },
      { row: 8, errors: [{ path: 'row', message: 'has 2 cells where the header has 4' }] },
    ]);
    const leads = await leadsOf(p);
    expect(leads.map((l) => l.email).sort()).toEqual(['good.one@example.com', 'good.two@example.com']);
  });

  it('takes a mapping that overrides the preset, and text/plain', async () => {
    const p = await signUp(t.app, 'imp-map');
    const csv = 'Who,Reach,Skip me\nAnn Lee,ann.lee@example.com,secret\n';
    const mapping = encodeURIComponent(
      JSON.stringify({ Who: 'fullName', Reach: 'email', 'Skip me': 'ignore' }),
    );
    const res = await upload(p, 'leads', csv, `?mapping=${mapping}`, 'text/plain; charset=utf-8');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().mapping).toEqual({ Who: 'fullName', Reach: 'email', 'Skip me': 'ignore' });
    const [lead] = await leadsOf(p);
    expect(lead).toMatchObject({ fullName: 'Ann Lee', email: 'ann.lee@example.com', details: {} });
  });
});

describe('files that cannot be imported', () => {
  const cases: [string, string | Buffer, number, string][] = [
    ['an empty file', '', 422, 'IMPORT_EMPTY'],
    ['blank lines only', '\n\n  \n', 422, 'IMPORT_EMPTY'],
    ['a header only', 'Name,Email,Phone\n', 422, 'IMPORT_NO_ROWS'],
    [
      'no header row',
      'Jane Roe,jane@example.com,5125550142\nJon Roe,jon@example.com,5125550143\n',
      422,
      'IMPORT_HEADER_INVALID',
    ],
    [
      'binary data',
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
      415,
      'IMPORT_NOT_CSV',
    ],
    [
      'a spreadsheet that is not UTF-8',
      Buffer.from('Name,Email\nJos\xe9,jose@example.com\n', 'latin1'),
      415,
      'IMPORT_NOT_CSV',
    ],
    ['an unclosed quote', 'Name,Email\n"Jane,jane@example.com\n', 422, 'IMPORT_CSV_INVALID'],
  ];
  for (const [label, body, status, code] of cases) {
    it(`answers ${status} for ${label} and keeps nothing`, async () => {
      const p = await signUp(t.app, 'imp-rej');
      const res = await upload(p, 'leads', body);
      expect(res.statusCode, res.body).toBe(status);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.json().code).toBe(code);
      expect((await call(p)('GET', '/api/v1/imports')).json().data).toEqual([]);
      expect(await leadsOf(p)).toEqual([]);
    });
  }

  it('answers 415 for JSON and 422 for a bad mapping or preset', async () => {
    const p = await signUp(t.app, 'imp-415');
    expect((await call(p)('POST', '/api/v1/leads/import', { email: 'x@example.com' })).statusCode).toBe(415);
    const bad = await upload(p, 'leads', 'Name,Email\nA,a@example.com\n', '?mapping=%5B1%5D');
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors[0].path).toBe('querystring.mapping');
    const unknown = await upload(
      p,
      'leads',
      'Name,Email\nA,a@example.com\n',
      `?mapping=${encodeURIComponent('{"Name":"salary"}')}`,
    );
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().errors[0].path).toBe('mapping.Name');
    expect((await upload(p, 'leads', 'Name,Email\nA,a@example.com\n', '?preset=hubspot')).statusCode).toBe(
      422,
    );
    expect((await call(p)('GET', '/api/v1/imports')).json().data).toEqual([]);
  });
});

describe('merging into existing leads, and undo', () => {
  it('fills empty fields only, records the import on the lead, and undo puts everything back', async () => {
    const p = await signUp(t.app, 'imp-undo');
    const existing = await call(p)('POST', '/api/v1/leads', {
      fullName: 'Dana Existing',
      email: 'dana@example.com',
      city: null,
    });
    expect(existing.statusCode, existing.body).toBe(201);
    const leadId = existing.json().id;
    const csv = [
      'Name,Email,Phone,City,Status,Color',
      'Someone Else,DANA@example.com,(512) 555-0160,Austin,won,green',
      'New Person,new.person@example.com,,Dallas,,',
    ].join('\n');
    const res = await upload(p, 'leads', csv);
    expect(res.statusCode, res.body).toBe(201);
    const report = res.json();
    expect(report).toMatchObject({ imported: 1, merged: 1, rejectedCount: 0 });

    const merged = (await call(p)('GET', `/api/v1/leads/${leadId}`)).json();
    expect(merged).toMatchObject({
      fullName: 'Dana Existing',
      phone: '+15125550160',
      city: 'Austin',
      status: 'new',
      source: 'api',
    });
    expect(merged.details).toMatchObject({ Color: 'green' });
    expect(merged.events.map((e: { kind: string }) => e.kind)).toContain('imported');
    expect((await leadsOf(p)).map((l) => l.email).sort()).toEqual([
      'dana@example.com',
      'new.person@example.com',
    ]);

    const list = (await call(p)('GET', '/api/v1/imports')).json();
    expect(list.data.map((i: { id: string }) => i.id)).toEqual([report.id]);
    expect((await call(p)('GET', `/api/v1/imports/${report.id}`)).json()).toMatchObject({
      id: report.id,
      merged: 1,
    });

    const undo = await call(p)('POST', `/api/v1/imports/${report.id}/undo`);
    expect(undo.statusCode, undo.body).toBe(200);
    expect(undo.json()).toMatchObject({ status: 'undone' });
    expect(undo.json().undoneAt).not.toBeNull();
    const after = (await call(p)('GET', `/api/v1/leads/${leadId}`)).json();
    expect(after).toMatchObject({ fullName: 'Dana Existing', phone: null, city: null, details: {} });
    expect(after.events.map((e: { kind: string }) => e.kind)).not.toContain('imported');
    expect((await leadsOf(p)).map((l) => l.email)).toEqual(['dana@example.com']);

    const again = await call(p)('POST', `/api/v1/imports/${report.id}/undo`);
    expect(again.statusCode).toBe(409);
    expect(
      (await call(p)('POST', '/api/v1/imports/00000000-0000-4000-8000-000000000000/undo')).statusCode,
    ).toBe(404);
    expect((await call(p)('GET', '/api/v1/imports/not-a-uuid')).statusCode).toBe(404);
  });

  it('undo is for owners and admins: a member sees the import but is refused with 403', async () => {
    const owner = await signUp(t.app, 'imp-undo-member');
    const report = (await upload(owner, 'leads', 'Name,Email\nKept Lead,kept@example.com\n')).json();
    const member = await joinAccount(t.app, t.db, owner, 'member');
    expect((await call(member)('GET', `/api/v1/imports/${report.id}`)).json()).toMatchObject({ imported: 1 });
    const refused = await call(member)('POST', `/api/v1/imports/${report.id}/undo`);
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((await leadsOf(owner)).map((l) => l.email)).toEqual(['kept@example.com']);
    const admin = await joinAccount(t.app, t.db, owner, 'admin');
    expect((await call(admin)('POST', `/api/v1/imports/${report.id}/undo`)).statusCode).toBe(200);
    expect(await leadsOf(owner)).toEqual([]);
  });

  it('merges rows of a later import into leads of an earlier one', async () => {
    const p = await signUp(t.app, 'imp-twice');
    await upload(p, 'leads', 'Name,Email\nFirst Time,twice@example.com\n');
    const res = await upload(p, 'leads', 'Name,Email,City\nSecond Time,twice@example.com,Boise\n');
    expect(res.json()).toMatchObject({ imported: 0, merged: 1 });
    const [lead] = await leadsOf(p);
    expect(lead).toMatchObject({ fullName: 'First Time', city: 'Boise' });
  });
});

describe('contact import', () => {
  it('imports contacts, merges by email or phone, keeps unmapped columns in the notes', async () => {
    const p = await signUp(t.app, 'imp-con');
    const csv = [
      'First Name,Last Name,Email,Mobile,Company,Relationship,Notes,Birthday',
      'Ivy,Nguyen,ivy@example.com,(512) 555-0170,Nguyen Lending,lender,Great rates,1980-02-03',
      'Ivy,N.,,(512) 555-0170,,,,',
      'Carl,Stone,carl@example.com,,,vendor,,',
      ',,,,,,Nothing here,',
    ].join('\n');
    const res = await upload(p, 'contacts', csv);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ kind: 'contacts', imported: 2, merged: 1, rejectedCount: 1 });
    expect(res.json().rejected).toEqual([
      { row: 5, errors: [{ path: 'row', message: 'needs a name, an email address or a phone number' }] },
    ]);
    const exported = await call(p)('GET', '/api/v1/contacts/export');
    expect(exported.statusCode).toBe(200);
    expect(exported.body).toContain(
      'Ivy Nguyen,ivy@example.com,\'+15125550170,lender,Nguyen Lending,"Great rates\nBirthday: 1980-02-03"',
    );
  });
});

describe('lead export', () => {
  it('streams CSV with a dated attachment name, escapes formulas, and applies the filters', async () => {
    const p = await signUp(t.app, 'exp-lead');
    await call(p)('POST', '/api/v1/leads', { fullName: '=HYPERLINK("http://x")', email: 'f@example.com' });
    await call(p)('POST', '/api/v1/leads', { fullName: 'Won Lead', email: 'w@example.com', status: 'won' });
    const res = await call(p)('GET', '/api/v1/leads/export');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="leads-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const lines = res.body.trim().split('\r\n');
    expect(lines[0]).toBe(
      'id,status,source,fullName,email,phone,addressLine,city,state,postalCode,message,timeline,priceMin,priceMax,utmSource,utmMedium,utmCampaign,utmTerm,utmContent,referrer,pageId,assignedUserEmail,isHeld,aiScore,aiSummary,lostReason,details,createdAt,updatedAt',
    );
    expect(lines).toHaveLength(3);
    expect(res.body).toContain(`"'=HYPERLINK(""http://x"")"`);
    const won = await call(p)('GET', '/api/v1/leads/export?status=won');
    expect(won.body.trim().split('\r\n')).toHaveLength(2);
    expect(won.body).toContain('Won Lead');
  });
});

describe('uploads cut off mid-file', () => {
  it('are deleted with their staged rows by the hourly sweep two hours on; other imports stay', async () => {
    const p = await signUp(t.app, 'imp-sweep');
    const kept = (await upload(p, 'leads', 'Name,Email\nDone Lead,done@example.com\n')).json();
    const now = new Date();
    const staged = (status: string, hoursAgo: number) =>
      withTenant(t.db, p.accountId, async (_tx, client) => {
        const id = crypto.randomUUID();
        await client.query(
          `INSERT INTO imports (account_id, id, kind, status, created_at) VALUES ($1, $2, 'leads', $3, $4)`,
          [p.accountId, id, status, new Date(now.getTime() - hoursAgo * 3_600_000)],
        );
        await client.query(
          `INSERT INTO import_rows (account_id, import_id, row_number, data) VALUES ($1, $2, 2, '{"Name":"x"}')`,
          [p.accountId, id],
        );
        return id;
      });
    const cutOff = await staged('receiving', 3);
    const uploading = await staged('receiving', 1);
    const totals = await deleteAbandonedUploads(t.db, { now, logger: createLogger('silent') });
    expect(totals.deleted).toBeGreaterThanOrEqual(1);
    const left = await withTenant(t.db, p.accountId, async (_tx, client) => {
      const { rows } = await client.query<{ id: string; rows: number }>(
        `SELECT i.id, (SELECT count(*)::int FROM import_rows r WHERE r.account_id = i.account_id AND r.import_id = i.id) AS rows
           FROM imports i WHERE i.account_id = $1`,
        [p.accountId],
      );
      return rows;
    });
    expect(left.map((r) => r.id).sort()).toEqual([kept.id, uploading].sort());
    expect(left.find((r) => r.id === cutOff)).toBeUndefined();
    expect((await call(p)('GET', `/api/v1/imports/${cutOff}`)).statusCode).toBe(404);
    expect(allJobs.find((j) => j.name === 'imports.sweep')?.cron).toBe('37 * * * *');
  });
});
