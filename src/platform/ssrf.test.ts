import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeResolver, SSRF_CORPUS } from '../../test/fixtures/ssrf.ts';
import {
  BlockedDestinationError,
  checkDestination,
  createSafeHttpClient,
  type DestinationPolicy,
  isBlockedAddress,
  type Resolver,
} from './ssrf.ts';

const strict = (resolve: Resolver = fakeResolver()): DestinationPolicy => ({
  allowPrivate: false,
  requireHttps: false,
  resolve,
});

describe('isBlockedAddress', () => {
  it('blocks every non-public range and IPv6 forms carrying a private IPv4', () => {
    for (const ip of [
      '127.0.0.1',
      '0.0.0.0',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '64:ff9b::a00:1',
      '2002:c0a8:101::1',
      '2001:0:4136:e378:8000:63bf:80ff:fffe', // Teredo: client 127.0.0.1
      'not an ip',
    ]) {
      expect(isBlockedAddress(ip), ip).toBe(true);
    }
  });

  it('lets public unicast through, also mapped', () => {
    for (const ip of ['93.184.215.14', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) {
      expect(isBlockedAddress(ip), ip).toBe(false);
    }
  });
});

describe('checkDestination (registration)', () => {
  it(`refuses the whole corpus (${SSRF_CORPUS.length} destinations) and the rebinding name's later answer`, async () => {
    for (const url of SSRF_CORPUS) {
      const error = await checkDestination(url, strict()).catch((e: unknown) => e);
      expect(error, url).toBeInstanceOf(BlockedDestinationError);
      expect((error as BlockedDestinationError).reason, url).toBe('blocked_address');
    }
  });

  it('accepts a public name and a public literal; refuses other schemes, credentials and unknown names', async () => {
    expect((await checkDestination('https://public.example/in', strict())).href).toBe(
      'https://public.example/in',
    );
    expect((await checkDestination('http://93.184.215.14:8443/x', strict())).host).toBe('93.184.215.14:8443');
    for (const [url, reason] of [
      ['ftp://public.example/', 'scheme'],
      ['file:///etc/passwd', 'scheme'],
      ['http://user:pw@public.example/', 'invalid_url'],
      ['not a url', 'invalid_url'],
      ['http://nowhere.example/', 'unresolvable'],
    ] as const) {
      const error = await checkDestination(url, strict()).catch((e: unknown) => e);
      expect((error as BlockedDestinationError).reason, url).toBe(reason);
    }
  });

  it('wants https in production, and allowPrivate lifts every address check', async () => {
    const production = { ...strict(), requireHttps: true };
    await expect(checkDestination('http://public.example/', production)).rejects.toThrow(/https/);
    await expect(checkDestination('https://public.example/', production)).resolves.toBeTruthy();
    const open: DestinationPolicy = { allowPrivate: true, requireHttps: true, resolve: fakeResolver() };
    await expect(checkDestination('http://127.0.0.1:9/x', open)).resolves.toBeTruthy();
    await expect(checkDestination('http://loopback.example/x', open)).resolves.toBeTruthy();
  });
});

describe('the safe HTTP client (delivery)', () => {
  let server: http.Server;
  let base: string;
  let hits = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits++;
      if (req.url === '/redirect') {
        res.writeHead(302, { location: `${base}/landed` }).end();
      } else if (req.url === '/slow') {
        setTimeout(() => res.writeHead(200).end('late'), 2000).unref();
      } else if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(Buffer.alloc(5 * 1024 * 1024, 'x'));
      } else {
        req.resume();
        req.on('end', () => res.writeHead(204).end());
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const send = (policy: DestinationPolicy, url: string, timeoutMs = 5000) =>
    createSafeHttpClient(policy)({ url, headers: {}, body: '{}', timeoutMs });

  it('blocks every corpus destination without connecting, and a name rebound to loopback at connect time', async () => {
    const before = hits;
    for (const url of SSRF_CORPUS) {
      const port = (server.address() as AddressInfo).port;
      const target = url.replace(/\/hook$/, '').includes('example')
        ? url.replace('/hook', `:${port}/hook`)
        : url;
      const result = await send(strict(), target);
      expect(result, target).toMatchObject({ ok: false, error: 'blocked_address' });
    }
    // Public when it was saved, loopback when the request is made: refused in lookup.
    const resolve = fakeResolver();
    const port = (server.address() as AddressInfo).port;
    await checkDestination(`http://rebind.example:${port}/hook`, strict(resolve));
    const rebound = await send(strict(resolve), `http://rebind.example:${port}/hook`);
    expect(rebound).toMatchObject({ ok: false, error: 'blocked_address' });
    expect(hits).toBe(before);
  });

  it('connects to the checked address with allowPrivate, never follows a redirect', async () => {
    const open: DestinationPolicy = { allowPrivate: true, requireHttps: false, resolve: fakeResolver() };
    const port = (server.address() as AddressInfo).port;
    expect(await send(open, `http://loopback.example:${port}/ok`)).toMatchObject({ ok: true, status: 204 });
    const before = hits;
    const redirected = await send(open, `${base}/redirect`);
    expect(redirected).toMatchObject({ ok: true, status: 302 });
    expect(hits).toBe(before + 1); // /landed was never asked for
  });

  it('gives up at the deadline and reads at most 64 kB of an answer', async () => {
    const open: DestinationPolicy = { allowPrivate: true, requireHttps: false };
    const slow = await send(open, `${base}/slow`, 200);
    expect(slow).toMatchObject({ ok: false, error: 'timeout' });
    expect(slow.durationMs).toBeLessThan(1500);
    const big = await send(open, `${base}/big`);
    expect(big).toMatchObject({ ok: true, status: 200 });
  });

  it('answers connection for a closed port', async () => {
    const open: DestinationPolicy = { allowPrivate: true, requireHttps: false };
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    expect(await send(open, `http://127.0.0.1:${port}/`)).toMatchObject({ ok: false, error: 'connection' });
  });
});
