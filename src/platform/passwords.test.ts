import { readFileSync } from 'node:fs';
import argon2 from 'argon2';
import { describe, expect, it } from 'vitest';
import {
  burnPasswordTime,
  checkPasswordPolicy,
  hashPassword,
  needsRehash,
  PASSWORD_POLICY,
  verifyPassword,
} from './passwords.ts';

describe('checkPasswordPolicy', () => {
  it('refuses 7 and 129 characters, accepts 8 and 128', () => {
    expect(checkPasswordPolicy('kq7vzxw')).toMatch(/at least 8/);
    expect(checkPasswordPolicy('kq7vzxwm')).toBeNull();
    expect(checkPasswordPolicy('kq7vzxwm'.repeat(16))).toBeNull();
    expect(checkPasswordPolicy(`${'kq7vzxwm'.repeat(16)}x`)).toMatch(/at most 128/);
  });

  it('counts code points, not UTF-16 units', () => {
    // Each emoji is two UTF-16 units: 4 emoji are 8 units but only 4 characters.
    expect(checkPasswordPolicy('🦊🐙🦉🐝')).toMatch(/at least 8/);
    expect(checkPasswordPolicy('🦊🐙🦉🐝🦊🐙🦉🐝')).toBeNull();
    expect(checkPasswordPolicy('🦊'.repeat(128))).toBeNull();
    expect(checkPasswordPolicy('🦊'.repeat(129))).toMatch(/at most 128/);
  });

  it('normalizes NFKC before counting', () => {
    // U+FB03 (ﬃ) is one code point that NFKC expands to "ffi".
    expect(checkPasswordPolicy('qz7\uFB03wm')).toBeNull();
    // NFKC composes e + U+0301 into é: 8 code points in, 7 after normalization.
    expect(checkPasswordPolicy('qz7kwme\u0301')).toMatch(/at least 8/);
  });

  it('refuses common passwords whatever their case', () => {
    expect(checkPasswordPolicy('password123')).toMatch(/too common/);
    expect(checkPasswordPolicy('Password123')).toMatch(/too common/);
    expect(checkPasswordPolicy('QWERTYUIOP')).toMatch(/too common/);
    // Fullwidth letters fold to ASCII under NFKC.
    expect(checkPasswordPolicy('ｐａｓｓｗｏｒｄ１２３')).toMatch(/too common/);
  });

  it('refuses the email, its local part and the name, whatever their case', () => {
    const context = { email: 'Jane.Realtor@Example.com', name: 'Jane Realtor' };
    expect(checkPasswordPolicy('jane.realtor', context)).toMatch(/email address or name/);
    expect(checkPasswordPolicy('JANE.REALTOR@example.com', context)).toMatch(/email address or name/);
    expect(checkPasswordPolicy('jane realtor', context)).toMatch(/email address or name/);
    expect(checkPasswordPolicy('jane.realtor.2024', context)).toBeNull();
    expect(checkPasswordPolicy('jane.realtor')).toBeNull();
  });

  it('has no composition rules', () => {
    expect(checkPasswordPolicy('correct horse battery staple')).toBeNull();
    expect(checkPasswordPolicy('zqxjkvbwpm')).toBeNull();
  });
});

describe('common-passwords.txt', () => {
  const lines = readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8').split('\n');
  const entries = lines.filter((l) => l !== '' && !l.startsWith('#'));

  it('has a three-line header naming its source and licence', () => {
    expect(lines.slice(0, 3).every((l) => l.startsWith('#'))).toBe(true);
    expect(lines.slice(0, 3).join('\n')).toMatch(/zxcvbn[\s\S]*MIT/);
  });

  it('holds at least 10,000 distinct lowercase entries, most popular first', () => {
    expect(entries.length).toBeGreaterThanOrEqual(10_000);
    expect(new Set(entries).size).toBe(entries.length);
    expect(entries.every((e) => e === e.toLowerCase() && e.trim() === e)).toBe(true);
    expect(entries.slice(0, 2)).toEqual(['123456', 'password']);
  });
});

describe('hashing', () => {
  it('hashes with argon2id at the policy and verifies', async () => {
    const hash = await hashPassword('kq7vzxwm-correct');
    expect(hash.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    expect(needsRehash(hash)).toBe(false);
    expect(await verifyPassword(hash, 'kq7vzxwm-correct')).toBe(true);
    expect(await verifyPassword(hash, 'kq7vzxwm-wrong')).toBe(false);
  });

  it('flags a hash made below the policy for rehashing', async () => {
    const weak = await argon2.hash('kq7vzxwm', {
      type: argon2.argon2id,
      memoryCost: 4096,
      timeCost: 1,
      parallelism: 1,
    });
    // The argon2 package writes m,p,t; needsRehash reads any order.
    expect(weak).toMatch(/^\$argon2id\$v=19\$m=4096,p=1,t=1\$/);
    expect(needsRehash(weak)).toBe(true);
  });

  it('judges hash headers without hashing', () => {
    const tail = '$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA';
    const at = (params: string, type = 'argon2id', v = 19) => `$${type}$v=${v}$${params}${tail}`;
    expect(needsRehash(at('m=19456,t=2,p=1'))).toBe(false);
    expect(needsRehash(at('m=65536,t=3,p=4'))).toBe(false);
    expect(needsRehash(at('m=19456,p=1,t=2'))).toBe(false);
    expect(needsRehash(at('m=19456,p=1,t=1'))).toBe(true);
    expect(needsRehash(at('m=19456,t=2'))).toBe(true);
    expect(needsRehash(at('m=19455,t=2,p=1'))).toBe(true);
    expect(needsRehash(at('m=19456,t=1,p=1'))).toBe(true);
    expect(needsRehash(at('m=19456,t=2,p=0'))).toBe(true);
    expect(needsRehash(at('m=19456,t=2,p=1', 'argon2i'))).toBe(true);
    expect(needsRehash(at('m=19456,t=2,p=1', 'argon2id', 16))).toBe(true);
    expect(needsRehash('$2b$12$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01234')).toBe(true);
    expect(needsRehash('garbage')).toBe(true);
    expect(needsRehash('')).toBe(true);
    expect(PASSWORD_POLICY.memoryCost).toBe(19_456);
  });

  it('verifyPassword answers false for malformed hashes instead of throwing', async () => {
    for (const bad of ['', 'garbage', '$argon2id$', '$argon2id$v=19$m=abc,t=2,p=1$x$y', '$2b$12$xyz']) {
      await expect(verifyPassword(bad, 'kq7vzxwm')).resolves.toBe(false);
    }
  });

  it('burnPasswordTime resolves on the first and later calls', async () => {
    await expect(burnPasswordTime()).resolves.toBeUndefined();
    await expect(burnPasswordTime()).resolves.toBeUndefined();
  });
});
