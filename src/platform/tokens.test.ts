import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashApiKey, hashIp, hashToken, newApiKey, newToken, parseApiKey, safeEqualHex } from './tokens.ts';

const PEPPER = 'test-pepper-0123456789';

describe('tokens', () => {
  it('newToken is 43 base64url characters and unique', () => {
    const tokens = Array.from({ length: 1000 }, newToken);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('hashToken is the SHA-256 hex of the token', () => {
    const token = newToken();
    expect(hashToken(token)).toBe(createHash('sha256').update(token).digest('hex'));
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(token)).not.toBe(hashToken(newToken()));
  });
});

describe('API keys', () => {
  it('round-trips: key format, prefix, HMAC hash', () => {
    const { key, prefix, hash } = newApiKey(PEPPER);
    expect(key).toMatch(/^pl_live_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
    expect(prefix).toMatch(/^[a-z2-7]{12}$/);
    expect(key.startsWith(`pl_live_${prefix}_`)).toBe(true);
    expect(parseApiKey(key)).toEqual({ prefix });
    expect(hash).toBe(createHmac('sha256', PEPPER).update(key).digest('hex'));
    expect(hashApiKey(PEPPER, key)).toBe(hash);
    expect(safeEqualHex(hashApiKey(PEPPER, key), hash)).toBe(true);
  });

  it('makes distinct prefixes and keys', () => {
    const keys = Array.from({ length: 500 }, () => newApiKey(PEPPER));
    expect(new Set(keys.map((k) => k.prefix)).size).toBe(keys.length);
    expect(new Set(keys.map((k) => k.key)).size).toBe(keys.length);
  });

  it('the hash depends on the pepper', () => {
    const { key, hash } = newApiKey(PEPPER);
    expect(hashApiKey('another-pepper', key)).not.toBe(hash);
    expect(safeEqualHex(hashApiKey('another-pepper', key), hash)).toBe(false);
  });

  it('refuses an empty pepper', () => {
    expect(() => newApiKey('')).toThrow(/pepper/);
    expect(() => hashApiKey('', 'pl_live_x')).toThrow(/pepper/);
    expect(() => hashIp('203.0.113.7', '')).toThrow(/pepper/);
  });

  it('parseApiKey rejects every other shape', () => {
    const { key, prefix } = newApiKey(PEPPER);
    const secret = key.slice(`pl_live_${prefix}_`.length);
    const variants = [
      '',
      `pl_test_${prefix}_${secret}`,
      `PL_LIVE_${prefix}_${secret}`,
      `xx_live_${prefix}_${secret}`,
      `pl_live__${prefix}_${secret}`,
      `pl_live_${prefix}__${secret}`,
      `pl_live_${prefix}_${secret}_`,
      `pl_live_${prefix}${secret}`,
      ` ${key}`,
      `${key} `,
      `${key}\n`,
      `Bearer ${key}`,
      `pl_live_${prefix}_${secret.slice(0, 42)}`,
      `pl_live_${prefix}_${secret}A`,
      `pl_live_${prefix.slice(0, 11)}_${secret}`,
      `pl_live_${prefix.toUpperCase()}_${secret}`,
      `pl_live_${prefix.slice(0, 11)}1_${secret}`,
      `pl_live_${prefix}_${secret.slice(0, 42)}=`,
      `pl_live_${prefix}_${secret.slice(0, 42)}+`,
    ];
    for (const variant of variants) expect(parseApiKey(variant), variant).toBeNull();
  });
});

describe('safeEqualHex', () => {
  it('compares equal and unequal digests, false on length mismatch', () => {
    const a = hashToken('a');
    expect(safeEqualHex(a, a)).toBe(true);
    expect(safeEqualHex(a, hashToken('b'))).toBe(false);
    expect(safeEqualHex(a, a.slice(0, 63))).toBe(false);
    expect(safeEqualHex(a, '')).toBe(false);
    expect(safeEqualHex('', '')).toBe(true);
  });
});

describe('hashIp', () => {
  it('is a 32-character keyed hash that hides the address', () => {
    const hashed = hashIp('203.0.113.7', PEPPER);
    expect(hashed).toMatch(/^[0-9a-f]{32}$/);
    expect(hashed).toBe(createHmac('sha256', PEPPER).update('203.0.113.7').digest('hex').slice(0, 32));
    expect(hashIp('203.0.113.8', PEPPER)).not.toBe(hashed);
    expect(hashIp('203.0.113.7', 'another-pepper')).not.toBe(hashed);
  });

  it('hashes one client the same however the address was written', () => {
    expect(hashIp('::ffff:203.0.113.7', PEPPER)).toBe(hashIp('203.0.113.7', PEPPER));
    expect(hashIp('2001:DB8::1', PEPPER)).toBe(hashIp('2001:db8::1', PEPPER));
  });
});
