import { describe, expect, it } from 'vitest';
import { asSession, type SignedUp, signUp, useTestApp } from '../../../test/http.ts';
import { withTenant } from '../../db/tenant.ts';

const t = useTestApp();

let seq = 0;
const host = (label = 'leads') => `${label}-${Date.now().toString(36)}${seq++}.example.com`;
const as = (p: SignedUp) => asSession(t.app, p.cookie);
const paths = (res: { json(): { errors?: { path: string }[] } }) =>
  res.json().errors?.map((e) => e.path) ?? [];

async function onPlan(p: SignedUp, plan: string) {
  await withTenant(t.db, p.accountId, (_tx, client) =>
    client.query('UPDATE accounts SET plan_code = $2 WHERE id = $1', [p.accountId, plan]),
  );
}

async function proAccount() {
  const p = await signUp(t.app, 'domains');
  await onPlan(p, 'pro');
  return p;
}

async function claimOf(accountId: string, hostname: string) {
  const { rows } = await withTenant(t.db, accountId, (_tx, client) =>
    client.query<{ account_id: string; domain_id: string }>(
      'SELECT account_id, domain_id FROM hostnames WHERE hostname = $1',
      [hostname],
    ),
  );
  return rows[0];
}

describe('custom domains', () => {
  it('needs a plan with custom domains: 403 PLAN_FEATURE_REQUIRED on the trial', async () => {
    const trial = await signUp(t.app, 'domains');
    const res = await as(trial)('POST', '/api/v1/domains', { hostname: host() });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({
      code: 'PLAN_FEATURE_REQUIRED',
      detail: expect.stringMatching(/Trial.*upgrade/i),
    });
    expect((await as(trial)('GET', '/api/v1/domains')).json()).toEqual({ data: [], nextCursor: null });
  });

  it('adds a domain (lower-cased, claimed globally); the first is primary and the dev provider verifies at once', async () => {
    const owner = await proAccount();
    const name = host();
    const res = await as(owner)('POST', '/api/v1/domains', { hostname: `  ${name.toUpperCase()}. ` });
    expect(res.statusCode, res.body).toBe(201);
    const domain = res.json();
    expect(domain).toEqual({
      id: expect.any(String),
      hostname: name,
      verificationStatus: 'active',
      isPrimary: true,
      verification: {
        cnameTarget: 'localhost',
        records: [{ type: 'CNAME', name, value: 'localhost', purpose: 'routing' }],
        sslStatus: null,
        errors: [],
      },
      lastError: null,
      createdAt: expect.any(String),
      verifiedAt: expect.any(String),
    });
    expect(await claimOf(owner.accountId, name)).toEqual({
      account_id: owner.accountId,
      domain_id: domain.id,
    });

    const second = (await as(owner)('POST', '/api/v1/domains', { hostname: host('www') })).json();
    expect(second.isPrimary).toBe(false);
    const list = (await as(owner)('GET', '/api/v1/domains')).json();
    expect(list.data.map((d: { id: string }) => d.id)).toEqual([domain.id, second.id]);
    expect(list.nextCursor).toBeNull();
  });

  it('answers 422 naming hostname for anything that is not a public hostname of the customer', async () => {
    const owner = await proAccount();
    for (const hostname of [
      '203.0.113.9',
      'localhost',
      'shop.localhost',
      'https://leads.example.com/',
      'no_underscores.example.com',
      'single',
      '',
    ]) {
      const res = await as(owner)('POST', '/api/v1/domains', { hostname });
      expect(res.statusCode, hostname).toBe(422);
      expect(paths(res), hostname).toEqual(['body.hostname']);
    }
    expect(paths(await as(owner)('POST', '/api/v1/domains', {}))).toEqual(['body.hostname']);
    expect((await as(owner)('GET', '/api/v1/domains')).json().data).toEqual([]);
  });

  it('lets one account claim a hostname once across all accounts: 409 naming hostname', async () => {
    const a = await proAccount();
    const b = await proAccount();
    const name = host();
    expect((await as(a)('POST', '/api/v1/domains', { hostname: name })).statusCode).toBe(201);
    for (const [who, hostname] of [
      [b, name],
      [b, name.toUpperCase()],
      [a, name],
    ] as const) {
      const res = await as(who)('POST', '/api/v1/domains', { hostname });
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('DOMAIN_HOSTNAME_TAKEN');
      expect(paths(res)).toEqual(['body.hostname']);
    }
    expect((await as(b)('GET', '/api/v1/domains')).json().data).toEqual([]);
  });

  it('switches the primary, keeps one, and promotes none when the primary is removed', async () => {
    const owner = await proAccount();
    const first = (await as(owner)('POST', '/api/v1/domains', { hostname: host() })).json();
    const second = (await as(owner)('POST', '/api/v1/domains', { hostname: host() })).json();
    const res = await as(owner)('POST', `/api/v1/domains/${second.id}/primary`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().isPrimary).toBe(true);
    const primaries = () =>
      as(owner)('GET', '/api/v1/domains').then((r) =>
        r
          .json()
          .data.filter((d: { isPrimary: boolean }) => d.isPrimary)
          .map((d: { id: string }) => d.id),
      );
    expect(await primaries()).toEqual([second.id]);
    expect((await as(owner)('POST', `/api/v1/domains/${second.id}/primary`)).statusCode).toBe(200);
    expect(await primaries()).toEqual([second.id]);

    expect((await as(owner)('DELETE', `/api/v1/domains/${second.id}`)).statusCode).toBe(204);
    expect(await primaries()).toEqual([]);
    expect(await claimOf(owner.accountId, second.hostname)).toBeUndefined();
    expect((await as(owner)('GET', '/api/v1/domains')).json().data.map((d: { id: string }) => d.id)).toEqual([
      first.id,
    ]);
    // Released: another account may claim it now.
    const other = await proAccount();
    expect((await as(other)('POST', '/api/v1/domains', { hostname: second.hostname })).statusCode).toBe(201);
  });

  it('checks a domain again with the provider', async () => {
    const owner = await proAccount();
    const domain = (await as(owner)('POST', '/api/v1/domains', { hostname: host() })).json();
    const res = await as(owner)('POST', `/api/v1/domains/${domain.id}/verify`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      id: domain.id,
      verificationStatus: 'active',
      verifiedAt: domain.verifiedAt,
    });
  });

  it('answers 404 for another account’s domain, an unknown id and a malformed id', async () => {
    const a = await proAccount();
    const b = await proAccount();
    const domain = (await as(a)('POST', '/api/v1/domains', { hostname: host() })).json();
    for (const id of [domain.id, crypto.randomUUID(), 'not-a-uuid']) {
      expect((await as(b)('DELETE', `/api/v1/domains/${id}`)).statusCode).toBe(404);
      expect((await as(b)('POST', `/api/v1/domains/${id}/verify`)).statusCode).toBe(404);
      expect((await as(b)('POST', `/api/v1/domains/${id}/primary`)).statusCode).toBe(404);
    }
    expect((await as(b)('GET', '/api/v1/domains')).json().data).toEqual([]);
    expect((await as(a)('GET', '/api/v1/domains')).json().data).toEqual([domain]);
    expect(await claimOf(a.accountId, domain.hostname)).toMatchObject({ account_id: a.accountId });
  });

  it('replays a create with the same Idempotency-Key instead of adding twice', async () => {
    const owner = await proAccount();
    const hostname = host();
    const post = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/domains',
        cookies: { porchlight_session: owner.cookie },
        headers: { origin: 'http://localhost:3000', 'idempotency-key': `add-${hostname}` },
        payload: { hostname },
      });
    const first = await post();
    expect(first.statusCode, first.body).toBe(201);
    const second = await post();
    expect(second.statusCode).toBe(201);
    expect(second.json().id).toBe(first.json().id);
    expect((await as(owner)('GET', '/api/v1/domains')).json().data).toHaveLength(1);
  });
});
