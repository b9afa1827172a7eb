import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { asSession, type SignedUp, signUp, useTestApp } from '../../../test/http.ts';
import { testConfig } from '../../config.ts';
import { withTenant } from '../../db/tenant.ts';
import { FAKE_CF_TOKEN, FAKE_CF_ZONE, fakeCloudflare } from '../../providers/domains/cloudflare.fake.ts';

// The domain routes with DOMAINS_PROVIDER=cloudflare, against a fake Cloudflare on 127.0.0.1.
const fake = fakeCloudflare();
const config = testConfig({
  DOMAINS_PROVIDER: 'cloudflare',
  CLOUDFLARE_API_TOKEN: FAKE_CF_TOKEN,
  CLOUDFLARE_ZONE_ID: FAKE_CF_ZONE,
  CUSTOM_DOMAIN_CNAME_TARGET: 'edge.porchlight.test',
});
// Registered before useTestApp's, so the app is built with the fake's address.
beforeAll(async () => {
  config.domains.cloudflare.apiUrl = await fake.listen();
});
afterAll(() => fake.close());
afterEach(() => {
  expect(fake.unexpected, 'unexpected requests to the fake Cloudflare').toEqual([]);
});

const t = useTestApp({ config });

let seq = 0;
const host = () => `cf-${Date.now().toString(36)}${seq++}.example.org`;
const as = (p: SignedUp) => asSession(t.app, p.cookie);

async function proAccount() {
  const p = await signUp(t.app, 'cf');
  await withTenant(t.db, p.accountId, (_tx, client) =>
    client.query("UPDATE accounts SET plan_code = 'pro' WHERE id = $1", [p.accountId]),
  );
  return p;
}

async function claimed(accountId: string, hostname: string): Promise<boolean> {
  const { rows } = await withTenant(t.db, accountId, (_tx, client) =>
    client.query('SELECT 1 FROM hostnames WHERE hostname = $1', [hostname]),
  );
  return rows.length > 0;
}

describe('custom domains through Cloudflare for SaaS', () => {
  it('adds a pending hostname with the records to publish, and verify turns it active', async () => {
    const owner = await proAccount();
    const hostname = host();
    const res = await as(owner)('POST', '/api/v1/domains', { hostname });
    expect(res.statusCode, res.body).toBe(201);
    const domain = res.json();
    expect(domain).toMatchObject({
      hostname,
      verificationStatus: 'pending',
      isPrimary: true,
      verifiedAt: null,
    });
    expect(domain.verification.cnameTarget).toBe('edge.porchlight.test');
    expect(
      domain.verification.records.map((r: { purpose: string; type: string }) => `${r.purpose}:${r.type}`),
    ).toEqual(['routing:CNAME', 'ownership:TXT', 'certificate:HTTP']);
    expect(res.body).not.toContain(FAKE_CF_TOKEN);

    const row = [...fake.rows.values()].find((r) => r.hostname === hostname)!;
    row.status = 'active';
    row.ssl.status = 'active';
    const verified = await as(owner)('POST', `/api/v1/domains/${domain.id}/verify`);
    expect(verified.statusCode, verified.body).toBe(200);
    expect(verified.json()).toMatchObject({ verificationStatus: 'active', lastError: null });
    expect(Date.parse(verified.json().verifiedAt)).toBeGreaterThan(0);
  });

  it('withdraws the hostname claim when Cloudflare refuses, answering 503', async () => {
    const owner = await proAccount();
    const hostname = host();
    fake.refuse(400, [{ code: 1411, message: 'Custom hostname is prohibited' }]);
    const res = await as(owner)('POST', '/api/v1/domains', { hostname });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      code: 'DOMAIN_PROVIDER_ERROR',
      detail: expect.stringContaining('1411'),
    });
    expect(res.body).not.toContain(FAKE_CF_TOKEN);
    expect(await claimed(owner.accountId, hostname)).toBe(false);
    expect((await as(owner)('GET', '/api/v1/domains')).json().data).toEqual([]);
    expect((await as(owner)('POST', '/api/v1/domains', { hostname })).statusCode).toBe(201);
  });

  it('registers the hostname again when Cloudflare lost it', async () => {
    const owner = await proAccount();
    const domain = (await as(owner)('POST', '/api/v1/domains', { hostname: host() })).json();
    fake.rows.clear();
    const res = await as(owner)('POST', `/api/v1/domains/${domain.id}/verify`);
    expect(res.statusCode, res.body).toBe(200);
    expect([...fake.rows.values()].map((r) => r.hostname)).toEqual([domain.hostname]);
  });

  it('deletes the custom hostname at Cloudflare and releases the claim', async () => {
    const owner = await proAccount();
    const domain = (await as(owner)('POST', '/api/v1/domains', { hostname: host() })).json();
    expect([...fake.rows.values()].some((r) => r.hostname === domain.hostname)).toBe(true);
    expect((await as(owner)('DELETE', `/api/v1/domains/${domain.id}`)).statusCode).toBe(204);
    expect([...fake.rows.values()].some((r) => r.hostname === domain.hostname)).toBe(false);
    expect(await claimed(owner.accountId, domain.hostname)).toBe(false);
  });
});
