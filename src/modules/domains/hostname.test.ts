import { describe, expect, it } from 'vitest';
import { checkHostname } from './hostname.ts';

const platform = ['porchlight.example.net:443', 'edge.porchlight-cdn.com'];
const ok = (raw: string) => checkHostname(raw, platform);

describe('custom hostname rules', () => {
  it('normalizes case, a trailing dot and international names', () => {
    expect(ok('  Leads.Smith-Realty.COM. ')).toEqual({ ok: true, hostname: 'leads.smith-realty.com' });
    expect(ok('häuser.example.de')).toEqual({ ok: true, hostname: 'xn--huser-gra.example.de' });
    expect(ok('smith-realty.com')).toEqual({ ok: true, hostname: 'smith-realty.com' });
  });

  it.each([
    ['', 'is required'],
    ['https://leads.example.com', 'without https://'],
    ['leads.example.com/path', 'without https://'],
    ['leads.example.com:8080', 'without https://'],
    ['203.0.113.7', 'not an IP address'],
    ['::1', 'not an IP address'],
    ['[2001:db8::1]', 'not an IP address'],
    ['localhost', 'not a valid hostname'],
    ['app.localhost', 'public hostname'],
    ['printer.local', 'public hostname'],
    ['-bad.example.com', 'not a valid hostname'],
    ['bad-.example.com', 'not a valid hostname'],
    ['under_score.example.com', 'not a valid hostname'],
    ['example.c0m', 'not a valid hostname'],
    [`${'a'.repeat(64)}.example.com`, 'not a valid hostname'],
    [`${'abcdefghi.'.repeat(26)}com`, 'not a valid hostname'],
    ['porchlight.example.net', 'not part of porchlight.example.net'],
    ['jane.porchlight.example.net', 'not part of porchlight.example.net'],
    ['edge.porchlight-cdn.com', 'not part of edge.porchlight-cdn.com'],
  ])('refuses %j', (raw, message) => {
    const result = ok(raw);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toContain(message);
  });

  it('allows a look-alike of the platform that is not under it', () => {
    expect(ok('notporchlight.example.net')).toEqual({ ok: true, hostname: 'notporchlight.example.net' });
  });
});
