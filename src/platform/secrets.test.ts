import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, testConfig } from '../config.ts';
import {
  EncryptionKeysError,
  generateEncryptionKey,
  type Keyring,
  last4,
  loadKeyring,
  open,
  parseEncryptionKeys,
  rewrap,
  SecretError,
  seal,
} from './secrets.ts';

const KEY1 = crypto.randomBytes(32).toString('base64');
const KEY2 = crypto.randomBytes(32).toString('base64');
const V1 = parseEncryptionKeys(`1:${KEY1}`);
const V1V2 = parseEncryptionKeys(`1:${KEY1},2:${KEY2}`);
const V2 = parseEncryptionKeys(`2:${KEY2}`);
const CONTEXT = { accountId: '0b7e4c1e-8a53-4f0e-9d1c-2f6a1a0b9c11', provider: 'openai', keyName: 'api_key' };

function secretError(fn: () => unknown): SecretError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretError);
    return error as SecretError;
  }
  throw new Error('did not throw');
}

function keysError(value: string): EncryptionKeysError {
  try {
    parseEncryptionKeys(value);
  } catch (error) {
    expect(error).toBeInstanceOf(EncryptionKeysError);
    return error as EncryptionKeysError;
  }
  throw new Error(`parseEncryptionKeys accepted ${JSON.stringify(value)}`);
}

/** A copy of `buffer` with one bit of byte `index` flipped. */
function flip(buffer: Buffer, index: number): Buffer {
  const copy = Buffer.from(buffer);
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}

describe('seal and open', () => {
  it.each([
    ['ascii', 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789'],
    ['unicode', 'clé-秘密-🔑-ключ'],
    ['empty', ''],
    ['4 KB', crypto.randomBytes(3072).toString('base64')],
  ])('round-trips a %s secret', (_name, secret) => {
    const sealed = seal(V1, secret, CONTEXT);
    expect(sealed.keyVersion).toBe(1);
    expect(open(V1, sealed, CONTEXT)).toBe(secret);
  });

  it('lays out format | iv | tag | ct, and a 61-byte wrapped key', () => {
    const sealed = seal(V1, 'abc', CONTEXT);
    expect(sealed.ciphertext).toHaveLength(1 + 12 + 16 + 3);
    expect(sealed.ciphertext[0]).toBe(1);
    expect(sealed.wrappedKey).toHaveLength(1 + 12 + 16 + 32);
    expect(sealed.wrappedKey[0]).toBe(1);
  });

  it('seals with the newest key', () => {
    expect(seal(V1V2, 'x', CONTEXT).keyVersion).toBe(2);
    expect(parseEncryptionKeys(`7:${KEY1},3:${KEY2}`).newest).toBe(7);
  });

  it('gives different ciphertexts and wrapped keys for the same plaintext', () => {
    const a = seal(V1, 'same secret', CONTEXT);
    const b = seal(V1, 'same secret', CONTEXT);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(a.wrappedKey.equals(b.wrappedKey)).toBe(false);
    expect(a.ciphertext.subarray(1, 13).equals(b.ciphertext.subarray(1, 13))).toBe(false);
  });

  it('never puts the plaintext in the sealed buffers', () => {
    const canary = 'CANARY-7f3a9c-do-not-store-in-clear';
    const sealed = seal(V1, canary.repeat(4), CONTEXT);
    for (const buffer of [sealed.ciphertext, sealed.wrappedKey]) {
      for (const encoding of ['utf8', 'latin1', 'hex', 'base64'] as const) {
        expect(buffer.toString(encoding)).not.toContain('CANARY');
      }
      expect(buffer.includes(Buffer.from('CANARY'))).toBe(false);
    }
    expect(JSON.stringify(sealed)).not.toContain('CANARY');
  });

  it.each([
    ['accountId', { ...CONTEXT, accountId: '5d1f3a77-0000-4000-8000-000000000000' }],
    ['provider', { ...CONTEXT, provider: 'anthropic' }],
    ['keyName', { ...CONTEXT, keyName: 'org_id' }],
  ])('does not open under a different %s', (_name, other) => {
    const sealed = seal(V1, 'secret', CONTEXT);
    expect(secretError(() => open(V1, sealed, other)).reason).toBe('unwrap_failed');
    expect(secretError(() => rewrap(V1V2, sealed, other)).reason).toBe('unwrap_failed');
  });

  it('does not confuse fields that run together', () => {
    const sealed = seal(V1, 'secret', { accountId: 'a', provider: 'bc', keyName: 'd' });
    expect(() => open(V1, sealed, { accountId: 'ab', provider: 'c', keyName: 'd' })).toThrow(SecretError);
  });

  it('rejects an empty context field', () => {
    expect(() => seal(V1, 'x', { ...CONTEXT, keyName: '' })).toThrow(/keyName/);
    const sealed = seal(V1, 'x', CONTEXT);
    expect(() => open(V1, sealed, { ...CONTEXT, accountId: '' })).toThrow(/accountId/);
  });

  it('fails on a tampered ciphertext byte, tag or iv', () => {
    const sealed = seal(V1, 'a secret worth tampering with', CONTEXT);
    const last = sealed.ciphertext.length - 1;
    const cases: [string, number][] = [
      ['ct', last],
      ['ct', 29],
      ['tag', 13],
      ['tag', 28],
      ['iv', 1],
    ];
    for (const [, index] of cases) {
      const tampered = { ...sealed, ciphertext: flip(sealed.ciphertext, index) };
      const error = secretError(() => open(V1, tampered, CONTEXT));
      expect(error.reason).toBe('decrypt_failed');
      expect(error.message).not.toContain('worth');
    }
    // Truncated, and a ciphertext from another record under the same context.
    expect(
      secretError(() => open(V1, { ...sealed, ciphertext: sealed.ciphertext.subarray(0, 20) }, CONTEXT))
        .reason,
    ).toBe('malformed');
    const other = seal(V1, 'another secret', CONTEXT);
    expect(secretError(() => open(V1, { ...sealed, ciphertext: other.ciphertext }, CONTEXT)).reason).toBe(
      'decrypt_failed',
    );
  });

  it('fails on a tampered wrapped key', () => {
    const sealed = seal(V1, 'secret', CONTEXT);
    for (const index of [1, 13, 29, 60]) {
      const tampered = { ...sealed, wrappedKey: flip(sealed.wrappedKey, index) };
      expect(secretError(() => open(V1, tampered, CONTEXT)).reason).toBe('unwrap_failed');
    }
    expect(
      secretError(() => open(V1, { ...sealed, wrappedKey: flip(sealed.wrappedKey, 0) }, CONTEXT)).reason,
    ).toBe('malformed');
  });

  it('fails when the same version names a different key', () => {
    const sealed = seal(V1, 'secret', CONTEXT);
    const impostor = parseEncryptionKeys(`1:${KEY2}`);
    expect(secretError(() => open(impostor, sealed, CONTEXT)).reason).toBe('unwrap_failed');
  });

  it('fails clearly on an unknown key version', () => {
    const sealed = seal(V1V2, 'secret', CONTEXT);
    const error = secretError(() => open(V1, sealed, CONTEXT));
    expect(error.reason).toBe('unknown_key_version');
    expect(error.message).toContain('version 2');
    expect(error.message).toContain('ENCRYPTION_KEYS');
    expect(error.message).toContain('lists 1');
    // A stored version changed by hand does not open either.
    expect(secretError(() => open(V1V2, { ...seal(V1, 's', CONTEXT), keyVersion: 2 }, CONTEXT)).reason).toBe(
      'unwrap_failed',
    );
  });
});

describe('rotation', () => {
  it('rewraps onto the newest key without touching the content', () => {
    const sealed = seal(V1, 'rotate me', CONTEXT);
    expect(sealed.keyVersion).toBe(1);
    const rotated = rewrap(V1V2, sealed, CONTEXT);
    expect(rotated.keyVersion).toBe(2);
    expect(rotated.ciphertext.equals(sealed.ciphertext)).toBe(true);
    expect(rotated.wrappedKey.equals(sealed.wrappedKey)).toBe(false);
    expect(open(V1V2, rotated, CONTEXT)).toBe('rotate me');
    // v1 removed from ENCRYPTION_KEYS: the rewrapped record still opens, the old one no longer.
    expect(open(V2, rotated, CONTEXT)).toBe('rotate me');
    expect(secretError(() => open(V2, sealed, CONTEXT)).reason).toBe('unknown_key_version');
    // Until v1 is removed, the record not yet rewrapped keeps opening.
    expect(open(V1V2, sealed, CONTEXT)).toBe('rotate me');
  });

  it('is a no-op on a record already under the newest key', () => {
    const sealed = seal(V1V2, 'fresh', CONTEXT);
    expect(rewrap(V1V2, sealed, CONTEXT)).toBe(sealed);
    const once = rewrap(V1V2, seal(V1, 'old', CONTEXT), CONTEXT);
    expect(rewrap(V1V2, once, CONTEXT)).toBe(once);
  });

  it('does not rewrap a record of another context or an unknown version', () => {
    const sealed = seal(V1, 'x', CONTEXT);
    expect(secretError(() => rewrap(V2, sealed, CONTEXT)).reason).toBe('unknown_key_version');
  });
});

describe('parseEncryptionKeys', () => {
  it('reads versions and accepts spaces, URL-safe base64 and missing padding', () => {
    const urlSafe = Buffer.from(KEY2, 'base64').toString('base64url');
    const keyring = parseEncryptionKeys(` 3:${KEY1} , 10:${urlSafe}, 2:${KEY1.replace(/=+$/, '')}`);
    expect(keyring.versions).toEqual([2, 3, 10]);
    expect(keyring.newest).toBe(10);
    const sealed = seal(keyring, 'x', CONTEXT);
    expect(open(parseEncryptionKeys(`10:${KEY2}`), sealed, CONTEXT)).toBe('x');
    expect(parseEncryptionKeys(generateEncryptionKey(4)).versions).toEqual([4]);
  });

  it.each([
    ['an empty value', '', /is empty/],
    ['a missing version', KEY1, /entry 1 must look like <version>:/],
    ['a version that is not a whole number', `v1:${KEY1}`, /entry 1: the version must be a whole number/],
    ['version zero', `0:${KEY1}`, /the version must be a whole number from 1/],
    ['a leading zero', `01:${KEY1}`, /the version must be a whole number/],
    ['a huge version', `99999999999:${KEY1}`, /the version must be a whole number/],
    ['a duplicate version', `1:${KEY1},1:${KEY2}`, /entry 2 \(version 1\): version 1 is listed twice/],
    ['a short key', `1:${crypto.randomBytes(16).toString('base64')}`, /must be 32 bytes .* got 16/],
    ['a long key', `1:${crypto.randomBytes(48).toString('base64')}`, /must be 32 bytes .* got 48/],
    ['a hex key', `1:${crypto.randomBytes(32).toString('hex')}`, /must be 32 bytes .* got 48/],
    ['non-base64', `1:${KEY1.slice(0, 40)}!@#$`, /entry 1 \(version 1\): the key is not base64/],
    ['an empty key', '1:', /the key is not base64/],
    ['a stray comma', `1:${KEY1},`, /entry 2 is empty/],
  ])('rejects %s', (_name, value, message) => {
    const error = keysError(value);
    expect(error.message).toMatch(/^ENCRYPTION_KEYS: /);
    expect(error.problems.join('\n')).toMatch(message);
    expect(error.message).not.toContain(KEY1);
    expect(error.message).not.toContain(KEY1.slice(0, 40));
  });

  it('reports every bad entry', () => {
    expect(keysError(`1:short,2:${KEY1},2:${KEY2},x`).problems).toHaveLength(3);
    // A duplicate is reported even when the first entry of that version was bad.
    expect(keysError(`1:short,1:${KEY1}`).problems).toEqual([
      expect.stringMatching(/^entry 1 \(version 1\): the key must be 32 bytes/),
      'entry 2 (version 1): version 1 is listed twice',
    ]);
  });

  it('keeps key material out of logs and JSON', async () => {
    const { inspect } = await import('node:util');
    const shown = `${JSON.stringify(V1V2)} ${inspect(V1V2, { depth: 10, showHidden: true })} ${String(V1V2)}`;
    expect(shown).toContain('newest');
    for (const key of [KEY1, KEY2]) {
      expect(shown).not.toContain(key);
      expect(shown).not.toContain(Buffer.from(key, 'base64').toString('hex'));
    }
    expect(Object.isFrozen(V1V2)).toBe(true);
  });

  it('refuses an object that only looks like a keyring', () => {
    const fake: Keyring = { versions: [1], newest: 1 };
    expect(() => seal(fake, 'x', CONTEXT)).toThrow(TypeError);
  });
});

describe('ENCRYPTION_KEYS in the configuration', () => {
  it('is checked by loadConfig, naming the variable and never echoing the value', () => {
    const bad = `1:${KEY1},1:${KEY2},2:${KEY1.slice(0, 20)}`;
    let error: unknown;
    try {
      loadConfig({ ENCRYPTION_KEYS: bad });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual([
      expect.stringMatching(/^config: ENCRYPTION_KEYS: entry 2 \(version 1\): version 1 is listed twice$/),
      expect.stringMatching(/^config: ENCRYPTION_KEYS: entry 3 \(version 2\): the key must be 32 bytes/),
    ]);
    expect(problems.join('\n')).not.toContain(KEY1.slice(0, 20));
  });

  it('is passed through when valid, and the test configuration has a fixed keyring', () => {
    expect(loadConfig({ ENCRYPTION_KEYS: `1:${KEY1}` }).encryptionKeys).toBe(`1:${KEY1}`);
    expect(loadConfig({}).encryptionKeys).toBeUndefined();
    const { keyring, generated } = loadKeyring(testConfig());
    expect(generated).toBe(false);
    expect(keyring.versions).toEqual([1]);
  });
});

describe('loadKeyring', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-keys-'));
    dirs.push(dir);
    return path.join(dir, 'data');
  };
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('uses ENCRYPTION_KEYS when set, and writes nothing', () => {
    const dataDir = tempDir();
    const { keyring, generated } = loadKeyring({ encryptionKeys: `1:${KEY1},2:${KEY2}`, dataDir });
    expect(generated).toBe(false);
    expect(keyring.newest).toBe(2);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('generates a key file (mode 600) once, then reuses it', () => {
    const dataDir = tempDir();
    const first = loadKeyring({ dataDir });
    expect(first.generated).toBe(true);
    expect(first.keyring.versions).toEqual([1]);
    const file = path.join(dataDir, 'encryption-keys');
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    // The file holds a valid ENCRYPTION_KEYS value, to copy when moving to several servers.
    const content = fs.readFileSync(file, 'utf8').trim();
    expect(content).toMatch(/^1:[A-Za-z0-9+/]{43}=$/);
    expect(fs.readdirSync(dataDir)).toEqual(['encryption-keys']);

    const sealed = seal(first.keyring, 'kept across restarts', CONTEXT);
    const second = loadKeyring({ dataDir, encryptionKeys: undefined });
    expect(second.generated).toBe(false);
    expect(open(second.keyring, sealed, CONTEXT)).toBe('kept across restarts');
    expect(open(parseEncryptionKeys(content), sealed, CONTEXT)).toBe('kept across restarts');
  });

  it('names the file when it holds a malformed value', () => {
    const dataDir = tempDir();
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'encryption-keys'), '1:not-a-key\n');
    expect(() => loadKeyring({ dataDir })).toThrow(/encryption-keys: entry 1 \(version 1\)/);
  });
});

describe('last4', () => {
  it('shows the last four characters of a long secret only', () => {
    expect(last4('sk-proj-abcdefghijklmnop')).toBe('mnop');
    expect(last4('short-key')).toBe('');
    expect(last4('')).toBe('');
  });
});
