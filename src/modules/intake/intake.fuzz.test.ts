import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeAccount, makePage } from '../../../test/factories.ts';
import { useTestApp } from '../../../test/http.ts';
import { testConfig } from '../../config.ts';
import { withTenant } from '../../db/tenant.ts';

/**
 * Property: whatever arrives at the public intake endpoint — wrong types, huge or odd
 * strings, nested junk, missing fields, wrong content types — the answer is never a 5xx, and
 * a refused submission leaves no row behind.
 */
const t = useTestApp({
  config: testConfig({ INTAKE_RATE_PER_PAGE: '1000000/1h', INTAKE_RATE_PER_ACCOUNT: '1000000/1h' }),
});

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const FIELDS = [
  'fullName',
  'email',
  'phone',
  'addressLine',
  'city',
  'state',
  'postalCode',
  'message',
  'timeline',
  'beds',
  'baths',
  'areas',
  'priceMin',
  'priceMax',
  'preApproved',
  'utmSource',
  'utmMedium',
  'utmCampaign',
  'utmTerm',
  'utmContent',
  'referrer',
  'pageUrl',
  'consent',
  'website',
  'formStartedAt',
];

const big = 'x'.repeat(200_000);
const unicodeSoup = '\u0000\u202e𝕏\uD83D\uDE00\u200b\u00e9e\u0301\uFFFF\r\n\t';

const plausibleString = fc.oneof(
  fc.constantFrom(
    'ada@example.test',
    'ADA@Example.Test ',
    '(415) 867-5309',
    '+44 20 7946 0958',
    '123 Main St',
  ),
  fc.emailAddress(),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    big,
    unicodeSoup,
    '<script>alert(1)</script>',
    "'; DROP TABLE leads; --",
    '%00',
    '1e309',
  ),
);

const junk: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    plausibleString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const consent = fc.oneof(
  fc.record({ given: fc.boolean(), text: fc.string({ maxLength: 80 }) }),
  fc.record({ given: junk, text: junk }, { requiredKeys: [] }),
  junk,
);

const fieldValue = (name: string) => (name === 'consent' ? consent : fc.oneof(plausibleString, junk));

const lead = fc
  .subarray(FIELDS, { minLength: 0 })
  .chain((names) => fc.record(Object.fromEntries(names.map((n) => [n, fieldValue(n)]))))
  .chain((body) =>
    fc.oneof(
      fc.constant(body),
      fc
        .dictionary(fc.string({ maxLength: 12 }), junk, { maxKeys: 3 })
        .map((extra) => ({ ...body, ...extra })),
    ),
  );

/** Mostly-valid submissions with odd but legal text: the accepted side of the property. */
const validish = fc
  .record(
    {
      email: fc.stringMatching(/^[a-z0-9._-]{1,20}$/).map((u) => `${u}@example.test`),
      fullName: fc.string({ unit: 'grapheme', maxLength: 60 }),
      message: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.constant(unicodeSoup)),
      city: fc.string({ maxLength: 40 }),
      priceMin: fc.integer({ min: 0, max: 5_000_000 }),
      consent: fc.record({ given: fc.boolean(), text: fc.string({ minLength: 1, maxLength: 80 }) }),
    },
    { requiredKeys: ['email'] },
  )
  .map((body) => ({ contentType: 'application/json', payload: JSON.stringify(body) }));

type Request = { contentType: string | undefined; payload: string; key?: string | undefined };

const request: fc.Arbitrary<Request> = fc.oneof(
  { weight: 3, arbitrary: validish },
  {
    weight: 6,
    arbitrary: lead.map((body) => ({ contentType: 'application/json', payload: JSON.stringify(body) })),
  },
  {
    weight: 1,
    arbitrary: junk.map((body) => ({ contentType: 'application/json', payload: JSON.stringify(body) ?? '' })),
  },
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: 'binary', maxLength: 200 })
      .map((s) => ({ contentType: 'application/json', payload: s })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          'text/plain',
          'application/xml',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json; charset=latin1',
          'application/jsonx',
          undefined,
        ),
        fc.string({ maxLength: 100 }),
      )
      .map(([contentType, payload]) => ({ contentType, payload })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(lead, fc.oneof(fc.uuid(), fc.string({ maxLength: 300 }), fc.constant('')))
      .map(([body, key]) => ({ contentType: 'application/json', payload: JSON.stringify(body), key })),
  },
  {
    weight: 1,
    arbitrary: fc.constant({
      contentType: 'application/json',
      payload: `{"message":"${'y'.repeat(2_000_000)}"}`,
    }),
  },
);

async function counts(accountId: string): Promise<string> {
  return withTenant(t.db, accountId, async (_tx, client) => {
    const { rows } = await client.query<{ c: string }>(
      `SELECT concat_ws(',', (SELECT count(*) FROM leads WHERE account_id = $1),
         (SELECT count(*) FROM lead_events WHERE account_id = $1),
         (SELECT count(*) FROM lead_consents WHERE account_id = $1),
         (SELECT count(*) FROM idempotency_keys WHERE account_id = $1),
         (SELECT coalesce(sum(leads_created), 0) FROM usage_counters WHERE account_id = $1)) AS c`,
      [accountId],
    );
    return rows[0]!.c;
  });
}

describe('intake fuzz', () => {
  it(`never answers 5xx and never leaves a partial row (${RUNS} generated requests)`, async () => {
    const { account } = await makeAccount(t.db);
    const page = await makePage(t.db, { accountId: account.id, kind: 'contact' });
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        const before = await counts(account.id);
        const res = await t.app.inject({
          method: 'POST',
          url: `/api/v1/public/pages/${page.id}/leads`,
          payload: req.payload,
          headers: {
            ...(req.contentType ? { 'content-type': req.contentType } : {}),
            ...(req.key !== undefined ? { 'idempotency-key': req.key } : {}),
          },
        });
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        expect(res.statusCode, res.body.slice(0, 500)).toBeLessThan(500);
        if (res.statusCode >= 400) {
          expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
          expect(await counts(account.id), `a refused request wrote rows: ${req.payload.slice(0, 200)}`).toBe(
            before,
          );
        }
      }),
      { numRuns: RUNS },
    );
    // The generator reaches both sides: accepted leads and each kind of refusal.
    expect(seen.get(201) ?? 0).toBeGreaterThan(RUNS / 50);
    expect(seen.get(422) ?? 0).toBeGreaterThan(RUNS / 10);
    expect(seen.get(415) ?? 0).toBeGreaterThan(0);
  }, 600_000);

  it(`answers the HTML form the same way: never 5xx, nothing partial (${Math.ceil(RUNS / 4)} requests)`, async () => {
    const { account } = await makeAccount(t.db);
    const page = await makePage(t.db, { accountId: account.id, kind: 'home_valuation' });
    const field = fc.oneof(fc.constantFrom(...FIELDS, '_t', '_k', 'consent'), fc.string({ maxLength: 12 }));
    const formBody = fc
      .array(fc.tuple(field, fc.oneof(plausibleString, fc.string({ unit: 'binary', maxLength: 50 }))), {
        maxLength: 12,
      })
      .map((pairs) => new URLSearchParams(pairs).toString());
    const formRequest = fc.oneof(
      {
        weight: 5,
        arbitrary: formBody.map((payload) => ({ contentType: 'application/x-www-form-urlencoded', payload })),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(
            fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x', undefined),
            fc.string(),
          )
          .map(([contentType, payload]) => ({ contentType, payload })),
      },
    );
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(formRequest, async (req) => {
        const before = await counts(account.id);
        const res = await t.app.inject({
          method: 'POST',
          url: `/p/${page.accountSlug}/${page.slug}`,
          payload: req.payload,
          headers: req.contentType ? { 'content-type': req.contentType } : {},
        });
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        expect(res.statusCode, res.body.slice(0, 300)).toBeLessThan(500);
        if (res.statusCode >= 400) {
          expect(
            await counts(account.id),
            `a refused form post wrote rows: ${req.payload.slice(0, 200)}`,
          ).toBe(before);
        }
      }),
      { numRuns: Math.ceil(RUNS / 4) },
    );
    expect(seen.get(422) ?? 0).toBeGreaterThan(0);
  }, 600_000);
});
