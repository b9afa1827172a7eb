import { describe, expect, it } from 'vitest';
import { asSession, type SignedUp, signUp, useTestApp } from '../../../test/http.ts';
import { isNetwork } from './blocked-ips.schema.ts';

const t = useTestApp();

const call = (p: SignedUp) => asSession(t.app, p.cookie);

describe('blocked IPs', () => {
  it('adds addresses and networks, normalised; lists them newest first; removes them', async () => {
    const owner = await signUp(t.app, 'block');
    const add = (network: string, reason?: string) =>
      call(owner)('POST', '/api/v1/blocked-ips', { network, ...(reason ? { reason } : {}) });
    const one = await add('203.0.113.7', 'Spammy');
    expect(one.statusCode, one.body).toBe(201);
    expect(one.json()).toEqual({
      id: expect.any(String),
      network: '203.0.113.7',
      reason: 'Spammy',
      createdAt: expect.any(String),
    });
    const net = await add(' 198.51.100.77/24 ');
    expect(net.json().network).toBe('198.51.100.0/24');
    expect((await add('2001:DB8::1')).json().network).toBe('2001:db8::1');
    expect((await add('2001:db8:1::/48')).json().network).toBe('2001:db8:1::/48');

    const dup = await add('198.51.100.0/24');
    expect(dup.statusCode).toBe(409);
    expect(dup.json().errors[0].path).toBe('body.network');

    const list = (await call(owner)('GET', '/api/v1/blocked-ips')).json();
    expect(list.nextCursor).toBeNull();
    expect(list.data.map((b: { network: string }) => b.network)).toEqual([
      '2001:db8:1::/48',
      '2001:db8::1',
      '198.51.100.0/24',
      '203.0.113.7',
    ]);

    expect((await call(owner)('DELETE', `/api/v1/blocked-ips/${one.json().id}`)).statusCode).toBe(204);
    expect((await call(owner)('DELETE', `/api/v1/blocked-ips/${one.json().id}`)).statusCode).toBe(404);
    expect((await call(owner)('DELETE', '/api/v1/blocked-ips/nope')).statusCode).toBe(404);
    expect((await call(owner)('GET', '/api/v1/blocked-ips')).json().data).toHaveLength(3);
  });

  it('refuses anything but an address or a CIDR network with 422', async () => {
    const owner = await signUp(t.app, 'badip');
    for (const network of [
      '',
      'example.com',
      '256.1.1.1',
      '10.0.0.0/33',
      '::1/129',
      '10.0.0.0/x',
      '1.2.3.4/8/8',
      'fe80::1%eth0',
    ]) {
      const res = await call(owner)('POST', '/api/v1/blocked-ips', { network });
      expect(res.statusCode, network).toBe(422);
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain('body.network');
    }
    expect(
      (await call(owner)('POST', '/api/v1/blocked-ips', { network: '10.0.0.1', extra: 1 })).statusCode,
    ).toBe(422);
  });

  it('is for owners and admins: an API key (a member) is refused', async () => {
    const owner = await signUp(t.app, 'blockkey');
    const key = (await call(owner)('POST', '/api/v1/api-keys', { name: 'k' })).json().key;
    for (const [method, url] of [
      ['GET', '/api/v1/blocked-ips'],
      ['POST', '/api/v1/blocked-ips'],
      ['DELETE', '/api/v1/blocked-ips/00000000-0000-4000-8000-000000000000'],
    ] as const) {
      const res = await t.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${key}` },
        ...(method === 'POST' ? { payload: { network: '10.0.0.1' } } : {}),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
    }
  });

  it('checks networks', () => {
    expect(isNetwork('0.0.0.0/0')).toBe(true);
    expect(isNetwork('::')).toBe(true);
    expect(isNetwork('::ffff:10.0.0.1')).toBe(true);
    expect(isNetwork('10.0.0.1/')).toBe(false);
    expect(isNetwork('10.0.0.1/0032')).toBe(false);
  });
});
