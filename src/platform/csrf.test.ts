import { describe, expect, it } from 'vitest';
import { type CsrfRequest, checkCsrf } from './csrf.ts';

const options = { allowedOrigins: ['https://app.porchlight.test', 'http://localhost:3000'] };
const post = (headers: CsrfRequest['headers']) => checkCsrf({ method: 'POST', headers }, options);

describe('checkCsrf', () => {
  it('always allows safe methods, even cross-site', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'get']) {
      expect(
        checkCsrf(
          { method, headers: { origin: 'https://evil.test', 'sec-fetch-site': 'cross-site' } },
          options,
        ),
      ).toEqual({ ok: true });
    }
  });

  it('allows unsafe requests with no Origin, Sec-Fetch-Site or Referer (not a browser)', () => {
    expect(post({})).toEqual({ ok: true });
    expect(post({ 'content-type': 'application/json', cookie: 'x=1' })).toEqual({ ok: true });
  });

  it('applies to every unsafe method', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'delete']) {
      expect(checkCsrf({ method, headers: { origin: 'https://evil.test' } }, options).ok).toBe(false);
    }
  });

  describe('Sec-Fetch-Site', () => {
    it('allows same-origin and none', () => {
      expect(post({ 'sec-fetch-site': 'same-origin' })).toEqual({ ok: true });
      expect(post({ 'sec-fetch-site': 'none' })).toEqual({ ok: true });
    });

    it('refuses cross-site even with a matching Origin', () => {
      const result = post({ 'sec-fetch-site': 'cross-site', origin: 'https://app.porchlight.test' });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(/Sec-Fetch-Site/);
    });

    it('refuses same-site (a sibling subdomain)', () => {
      expect(post({ 'sec-fetch-site': 'same-site', origin: 'https://acme.porchlight.test' }).ok).toBe(false);
    });

    it('refuses unknown and repeated values', () => {
      expect(post({ 'sec-fetch-site': 'bogus' }).ok).toBe(false);
      expect(post({ 'sec-fetch-site': '' }).ok).toBe(false);
      expect(post({ 'sec-fetch-site': ['same-origin', 'cross-site'] }).ok).toBe(false);
      expect(post({ 'sec-fetch-site': 'same-origin, cross-site' }).ok).toBe(false);
    });

    it('takes precedence over Origin', () => {
      expect(post({ 'sec-fetch-site': 'same-origin', origin: 'https://evil.test' })).toEqual({ ok: true });
    });
  });

  describe('Origin', () => {
    it('allows an allowed origin', () => {
      expect(post({ origin: 'https://app.porchlight.test' })).toEqual({ ok: true });
      expect(post({ origin: 'http://localhost:3000' })).toEqual({ ok: true });
      expect(post({ origin: ['https://app.porchlight.test'] })).toEqual({ ok: true });
    });

    it('compares the host case-insensitively and default ports as absent', () => {
      expect(post({ origin: 'https://APP.Porchlight.test' })).toEqual({ ok: true });
      expect(post({ origin: 'https://app.porchlight.test:443' })).toEqual({ ok: true });
    });

    it('refuses a cross-site origin', () => {
      const result = post({ origin: 'https://evil.test' });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(/Origin/);
    });

    it('refuses another scheme, port or subdomain', () => {
      expect(post({ origin: 'http://app.porchlight.test' }).ok).toBe(false);
      expect(post({ origin: 'https://app.porchlight.test:8443' }).ok).toBe(false);
      expect(post({ origin: 'http://localhost:3001' }).ok).toBe(false);
      expect(post({ origin: 'https://acme.porchlight.test' }).ok).toBe(false);
      expect(post({ origin: 'https://app.porchlight.test.evil.test' }).ok).toBe(false);
    });

    it('refuses Origin: null', () => {
      const result = post({ origin: 'null' });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(/null/);
    });

    it('refuses malformed, empty, path-bearing and repeated origins', () => {
      expect(post({ origin: '' }).ok).toBe(false);
      expect(post({ origin: 'not a url' }).ok).toBe(false);
      expect(post({ origin: 'https://app.porchlight.test/path' }).ok).toBe(false);
      expect(post({ origin: 'https://user@app.porchlight.test' }).ok).toBe(false);
      expect(post({ origin: ['https://app.porchlight.test', 'https://evil.test'] }).ok).toBe(false);
    });

    it('is not rescued by a matching Referer', () => {
      expect(post({ origin: 'https://evil.test', referer: 'https://app.porchlight.test/leads' }).ok).toBe(
        false,
      );
    });
  });

  describe('Referer fallback', () => {
    it('allows a referer on an allowed origin', () => {
      expect(post({ referer: 'https://app.porchlight.test/leads?x=1' })).toEqual({ ok: true });
    });

    it('refuses a referer on another origin, or an unparseable one', () => {
      const result = post({ referer: 'https://evil.test/attack.html' });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(/Referer/);
      expect(post({ referer: 'https://app.porchlight.test.evil.test/' }).ok).toBe(false);
      expect(post({ referer: 'garbage' }).ok).toBe(false);
    });
  });

  it('refuses everything unsafe with a header when nothing is allowed', () => {
    expect(
      checkCsrf({ method: 'POST', headers: { origin: 'https://evil.test' } }, { allowedOrigins: [] }).ok,
    ).toBe(false);
    expect(checkCsrf({ method: 'POST', headers: {} }, { allowedOrigins: ['not a url'] })).toEqual({
      ok: true,
    });
  });
});
