import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.ts';
import { FAKE_CF_TOKEN, FAKE_CF_ZONE, fakeCloudflare } from './cloudflare.fake.ts';
import { createCloudflareDomainsProvider, mapCloudflareStatus } from './cloudflare.ts';
import { createDomainsProvider } from './index.ts';

const TOKEN = FAKE_CF_TOKEN;
const ZONE = FAKE_CF_ZONE;

const fake = fakeCloudflare();
let apiUrl = '';
const provider = () =>
  createCloudflareDomainsProvider({
    apiUrl,
    apiToken: TOKEN,
    zoneId: ZONE,
    cnameTarget: 'edge.porchlight.test',
  });

beforeAll(async () => {
  apiUrl = await fake.listen();
});
afterAll(() => fake.close());
afterEach(() => {
  expect(fake.unexpected, 'unexpected requests to the fake Cloudflare').toEqual([]);
  fake.unexpected.length = 0;
});

describe('Cloudflare for SaaS adapter', () => {
  it('creates a custom hostname and reports the records the customer must publish', async () => {
    const created = await provider().createHostname('leads.smith-realty.com');
    expect(created.status).toBe('pending');
    expect(created.providerId).toMatch(/^ch-/);
    expect(created.verification).toEqual({
      cnameTarget: 'edge.porchlight.test',
      sslStatus: 'pending_validation',
      errors: [],
      records: [
        { type: 'CNAME', name: 'leads.smith-realty.com', value: 'edge.porchlight.test', purpose: 'routing' },
        {
          type: 'TXT',
          name: '_cf-custom-hostname.leads.smith-realty.com',
          value: 'owner-token',
          purpose: 'ownership',
        },
        {
          type: 'HTTP',
          name: 'http://leads.smith-realty.com/.well-known/acme-challenge/x',
          value: 'tok',
          purpose: 'certificate',
        },
      ],
    });
  });

  it('reads the state back, active once both the hostname and its certificate are', async () => {
    const { providerId } = await provider().createHostname('active.example.org');
    expect((await provider().getHostname(providerId)).status).toBe('pending');
    const row = fake.rows.get(providerId)!;
    row.status = 'active';
    row.ssl.status = 'active';
    expect((await provider().getHostname(providerId)).status).toBe('active');
    row.status = 'blocked';
    row.ssl.validation_errors = [{ message: 'CAA record prevents issuance' }];
    const blocked = await provider().getHostname(providerId);
    expect(blocked.status).toBe('failed');
    expect(blocked.verification.errors).toEqual(['CAA record prevents issuance']);
  });

  it('deletes, and a hostname Cloudflare no longer has counts as deleted', async () => {
    const { providerId } = await provider().createHostname('gone.example.org');
    await provider().deleteHostname(providerId);
    expect(fake.rows.has(providerId)).toBe(false);
    await expect(provider().deleteHostname(providerId)).resolves.toBeUndefined();
    await expect(provider().getHostname(providerId)).rejects.toMatchObject({
      code: 'DOMAIN_PROVIDER_MISSING',
    });
  });

  it('adopts a hostname the zone already has (a create that did not finish on our side)', async () => {
    const first = await provider().createHostname('again.example.org');
    fake.seen.length = 0;
    const second = await provider().createHostname('again.example.org');
    expect(second.providerId).toBe(first.providerId);
    expect(fake.seen).toEqual([
      `POST ${new URL(apiUrl).pathname}/zones/${ZONE}/custom_hostnames`,
      expect.stringContaining('?hostname=again.example.org'),
    ]);
  });

  it('turns a refusal into a 503 AppError with Cloudflare’s words and never the token', async () => {
    fake.refuse(400, [{ code: 1411, message: `Hostname is prohibited; token ${TOKEN} was used` }]);
    const error = await provider()
      .createHostname('bad.example.org')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ kind: 'unavailable', code: 'DOMAIN_PROVIDER_ERROR', status: 503 });
    expect((error as Error).message).toContain('1411');
    expect((error as Error).message).not.toContain(TOKEN);
  });

  it('reports an unreachable Cloudflare as 503, not a crash', async () => {
    const down = createCloudflareDomainsProvider({
      apiUrl: 'http://127.0.0.1:9/client/v4',
      apiToken: TOKEN,
      zoneId: ZONE,
      cnameTarget: 'edge.porchlight.test',
      timeoutMs: 2000,
    });
    await expect(down.createHostname('x.example.org')).rejects.toMatchObject({
      code: 'DOMAIN_PROVIDER_UNREACHABLE',
      status: 503,
    });
  });

  it('sends a wrong token nowhere but the header, and Cloudflare’s refusal is an error', async () => {
    const wrong = createCloudflareDomainsProvider({
      apiUrl,
      apiToken: 'nope',
      zoneId: ZONE,
      cnameTarget: 'e.test',
    });
    await expect(wrong.getHostname('ch-1')).rejects.toMatchObject({ code: 'DOMAIN_PROVIDER_ERROR' });
    expect(fake.unexpected).toEqual([expect.stringContaining('authorization Bearer nope')]);
    fake.unexpected.length = 0;
  });
});

describe('status mapping and the factory', () => {
  it('maps hostname and certificate states', () => {
    expect(mapCloudflareStatus('pending', 'initializing')).toBe('pending');
    expect(mapCloudflareStatus('active', 'pending_deployment')).toBe('pending');
    expect(mapCloudflareStatus('active', 'active')).toBe('active');
    expect(mapCloudflareStatus('moved', 'active')).toBe('failed');
    expect(mapCloudflareStatus('pending', 'validation_timed_out')).toBe('failed');
    expect(mapCloudflareStatus(undefined, undefined)).toBe('pending');
  });

  it('picks the adapter by config; the dev one is active at once', async () => {
    const dev = createDomainsProvider({
      domains: {
        provider: 'dev',
        cloudflare: { apiUrl, apiToken: undefined, zoneId: undefined },
        cnameTarget: 'c.test',
      },
    });
    expect(dev.name).toBe('dev');
    const h = await dev.createHostname('my.example.org');
    expect(h.status).toBe('active');
    expect(await dev.getHostname(h.providerId)).toEqual(h);
    const cf = createDomainsProvider({
      domains: {
        provider: 'cloudflare',
        cloudflare: { apiUrl, apiToken: TOKEN, zoneId: ZONE },
        cnameTarget: 'c.test',
      },
    });
    expect(cf.name).toBe('cloudflare');
  });
});
