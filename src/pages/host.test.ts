import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../config.ts';
import { hostnameOf, siteUrlRewriter } from './host.ts';

const rewrite = (config: ReturnType<typeof testConfig>, host: string | undefined, url: string) =>
  siteUrlRewriter(config)({ url, headers: host === undefined ? {} : { host } } as IncomingMessage);

describe('siteUrlRewriter', () => {
  const config = testConfig({ BASE_URL: 'https://app.porchlight.test', BASE_DOMAIN: 'porchlight.test' });

  it('leaves the application’s own hosts alone', () => {
    for (const host of [
      'app.porchlight.test',
      'APP.Porchlight.test:443',
      'porchlight.test',
      'www.porchlight.test',
      'api.porchlight.test',
      'localhost:3000',
      '127.0.0.1:3000',
      '[::1]:3000',
      undefined,
    ]) {
      expect(rewrite(config, host, '/p/acme/home?x=1'), String(host)).toBe('/p/acme/home?x=1');
    }
  });

  it('routes an account subdomain (one label) to /_site/sub', () => {
    expect(rewrite(config, 'acme.porchlight.test', '/home-value')).toBe('/_site/sub/acme/home-value');
    expect(rewrite(config, 'Acme.Porchlight.Test:8080', '/home-value?utm_source=fb')).toBe(
      '/_site/sub/acme/home-value?utm_source=fb',
    );
    expect(rewrite(config, 'acme.porchlight.test', '/')).toBe('/_site/sub/acme/');
  });

  it('routes any other host to /_site/host', () => {
    expect(rewrite(config, 'homes.example.com', '/home-value')).toBe(
      '/_site/host/homes.example.com/home-value',
    );
    // Two labels under the base domain are not an account's subdomain.
    expect(rewrite(config, 'a.b.porchlight.test', '/x')).toBe('/_site/host/a.b.porchlight.test/x');
  });

  it('never rewrites the application’s paths on any host', () => {
    for (const url of ['/api/v1/me', '/api/openapi.json', '/healthz', '/readyz', '/assets/app.js']) {
      expect(rewrite(config, 'acme.porchlight.test', url)).toBe(url);
      expect(rewrite(config, 'homes.example.com', url)).toBe(url);
    }
  });

  it('leaves a malformed host or request target alone', () => {
    expect(rewrite(config, 'bad host<>', '/x')).toBe('/x');
    expect(rewrite(config, 'acme.porchlight.test', '//evil.example/x')).toBe('//evil.example/x');
  });

  it('compares the base domain without its port (the default is BASE_URL’s host:port)', () => {
    const local = testConfig({ BASE_URL: 'http://localhost:3000' });
    expect(local.baseDomain).toBe('localhost:3000');
    expect(rewrite(local, 'localhost:3000', '/p/a/b')).toBe('/p/a/b');
    expect(rewrite(local, 'acme.localhost:3000', '/b')).toBe('/_site/sub/acme/b');
  });
});

describe('hostnameOf', () => {
  it('strips the port and lower-cases', () => {
    expect(hostnameOf('Example.COM:8080')).toBe('example.com');
    expect(hostnameOf('[2001:db8::1]:443')).toBe('[2001:db8::1]');
    expect(hostnameOf('example.com.')).toBe('example.com');
    expect(hostnameOf('')).toBeNull();
  });
});
