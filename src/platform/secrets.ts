import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The server pepper that keys API-key HMACs and IP hashes. From AUTH_PEPPER when set;
 * otherwise generated once into `<dataDir>/auth-pepper` (mode 600) so a laptop needs no
 * setup. Several servers must share one: set AUTH_PEPPER there.
 */
export function loadAuthPepper(options: { authPepper?: string | undefined; dataDir: string }): {
  pepper: string;
  generated: boolean;
} {
  if (options.authPepper) return { pepper: options.authPepper, generated: false };
  const file = path.join(options.dataDir, 'auth-pepper');
  try {
    return { pepper: fs.readFileSync(file, 'utf8').trim(), generated: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(options.dataDir, { recursive: true });
  const pepper = crypto.randomBytes(32).toString('base64url');
  fs.writeFileSync(file, `${pepper}\n`, { mode: 0o600, flag: 'wx' });
  return { pepper, generated: true };
}

/*
 * Envelope encryption of stored secrets (provider keys, tokens): decision 013.
 *
 * Each record gets a fresh random 256-bit data key that encrypts the secret with AES-256-GCM; the
 * data key is itself encrypted ("wrapped") with AES-256-GCM under a versioned master key from
 * ENCRYPTION_KEYS. Both encryptions carry the record's context (account id, provider, key name)
 * as additional authenticated data, so a row copied to another account or field does not open.
 *
 * Byte layouts (all binary; the database stores them as bytea):
 *   ciphertext  = 0x01 | iv (12) | tag (16) | AES-256-GCM(dataKey, secret)
 *   wrappedKey  = 0x01 | iv (12) | tag (16) | AES-256-GCM(masterKey[keyVersion], dataKey)  (61 bytes)
 * The leading byte is the format; a later format gets a new one. AAD is a length-prefixed list
 * (4-byte big-endian length, then UTF-8): a purpose label, then the account id, provider and key
 * name; the wrap's label also carries the key version.
 */

const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;
const MAX_KEY_VERSION = 2_147_483_647; // fits a PostgreSQL integer column

/** The master keys: every listed version decrypts, the newest (highest) encrypts. */
export type Keyring = {
  /** Every version that can decrypt, ascending. */
  readonly versions: readonly number[];
  /** The version that encrypts: the highest listed. */
  readonly newest: number;
};

/** The key bytes live here, out of reach of a logger or JSON.stringify that meets a Keyring. */
const keyMaterial = new WeakMap<Keyring, ReadonlyMap<number, Buffer>>();

/** One encrypted secret, as stored. */
export type Sealed = {
  /** `0x01 | iv | tag | ct`: the secret under its data key. */
  ciphertext: Buffer;
  /** `0x01 | iv | tag | wrapped data key`: the data key under master key `keyVersion`. */
  wrappedKey: Buffer;
  /** The master key version that wrapped the data key. */
  keyVersion: number;
};

/** What a secret belongs to; a different context does not open it. */
export type SecretContext = { accountId: string; provider: string; keyName: string };

/** A malformed ENCRYPTION_KEYS (or key file); one line per problem, without key material. */
export class EncryptionKeysError extends Error {
  constructor(
    readonly problems: string[],
    readonly source = 'ENCRYPTION_KEYS',
  ) {
    super(`${source}: ${problems.join('; ')}`);
    this.name = 'EncryptionKeysError';
  }
}

export type SecretErrorReason = 'unknown_key_version' | 'malformed' | 'unwrap_failed' | 'decrypt_failed';

/** A sealed secret that cannot be opened (or rewrapped). The message never holds secret or key. */
export class SecretError extends Error {
  constructor(
    readonly reason: SecretErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'SecretError';
  }
}

/** Standard or URL-safe base64, padding optional (Node's base64 decoder reads both alphabets). */
const BASE64 = /^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/;

/**
 * Parses `1:<base64 32 bytes>,2:<base64 32 bytes>`: comma-separated `version:key` entries, the
 * version a whole number from 1, the key 32 random bytes in base64 (standard or URL-safe, padding
 * optional), e.g. `1:$(openssl rand -base64 32)`. Spaces around entries are ignored. Throws
 * EncryptionKeysError naming each bad entry by position and version, never echoing a key.
 */
export function parseEncryptionKeys(value: string, source = 'ENCRYPTION_KEYS'): Keyring {
  const problems: string[] = [];
  const keys = new Map<number, Buffer>();
  const seen = new Set<number>();
  const entries = value.split(',').map((entry) => entry.trim());
  if (entries.length === 1 && entries[0] === '') {
    throw new EncryptionKeysError(['is empty; it must look like 1:<32 bytes in base64>'], source);
  }
  entries.forEach((entry, index) => {
    const where = `entry ${index + 1}`;
    if (entry === '') {
      problems.push(`${where} is empty (a stray comma?)`);
      return;
    }
    const colon = entry.indexOf(':');
    if (colon < 0) {
      problems.push(`${where} must look like <version>:<32 bytes in base64>, such as 1:<key>`);
      return;
    }
    const versionText = entry.slice(0, colon).trim();
    const keyText = entry.slice(colon + 1).trim();
    if (!/^[1-9]\d{0,9}$/.test(versionText) || Number(versionText) > MAX_KEY_VERSION) {
      problems.push(`${where}: the version must be a whole number from 1 to ${MAX_KEY_VERSION}`);
      return;
    }
    const version = Number(versionText);
    const label = `${where} (version ${version})`;
    if (seen.has(version)) {
      problems.push(`${label}: version ${version} is listed twice`);
      return;
    }
    seen.add(version);
    if (!BASE64.test(keyText)) {
      problems.push(`${label}: the key is not base64`);
      return;
    }
    const key = Buffer.from(keyText, 'base64');
    if (key.length !== KEY_BYTES) {
      problems.push(
        `${label}: the key must be ${KEY_BYTES} bytes (44 base64 characters, from openssl rand -base64 32), got ${key.length}`,
      );
      return;
    }
    keys.set(version, key);
  });
  if (problems.length > 0) throw new EncryptionKeysError(problems, source);
  return makeKeyring(keys);
}

function makeKeyring(keys: Map<number, Buffer>): Keyring {
  const versions = [...keys.keys()].sort((a, b) => a - b);
  const keyring: Keyring = Object.freeze({
    versions: Object.freeze(versions),
    newest: versions[versions.length - 1]!,
  });
  keyMaterial.set(keyring, keys);
  return keyring;
}

/** A new random master key in the ENCRYPTION_KEYS form for `version`. */
export function generateEncryptionKey(version = 1): string {
  return `${version}:${crypto.randomBytes(KEY_BYTES).toString('base64')}`;
}

/**
 * The keyring: from ENCRYPTION_KEYS when set; otherwise from `<dataDir>/encryption-keys` (the same
 * format), generated once with one key (mode 600) so a laptop needs no setup. `generated` is true
 * when this call created the file: the caller warns. Several servers must share the keys: set
 * ENCRYPTION_KEYS there (the file's content is a valid value).
 */
export function loadKeyring(options: { encryptionKeys?: string | undefined; dataDir: string }): {
  keyring: Keyring;
  generated: boolean;
} {
  if (options.encryptionKeys) {
    return { keyring: parseEncryptionKeys(options.encryptionKeys), generated: false };
  }
  const file = path.join(options.dataDir, 'encryption-keys');
  const existing = readKeyFile(file);
  if (existing) return { keyring: existing, generated: false };
  fs.mkdirSync(options.dataDir, { recursive: true });
  // Written whole to a temporary name, then linked into place: another process starting at the
  // same time either wins the link (and this one reads its key) or sees no half-written file.
  const temp = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  fs.writeFileSync(temp, `${generateEncryptionKey(1)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = readKeyFile(file);
    if (winner) return { keyring: winner, generated: false };
    throw error;
  } finally {
    fs.rmSync(temp, { force: true });
  }
  return { keyring: readKeyFile(file)!, generated: true };
}

function readKeyFile(file: string): Keyring | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseEncryptionKeys(text.trim(), file);
}

function aad(label: string, context: SecretContext): Buffer {
  const parts = [label, context.accountId, context.provider, context.keyName].map((part) =>
    Buffer.from(part, 'utf8'),
  );
  const out: Buffer[] = [];
  for (const part of parts) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(part.length);
    out.push(length, part);
  }
  return Buffer.concat(out);
}

const contentAad = (context: SecretContext) => aad('porchlight/secret/1', context);
const wrapAad = (context: SecretContext, version: number) => aad(`porchlight/wrap/1/${version}`, context);

function checkContext(context: SecretContext): void {
  for (const name of ['accountId', 'provider', 'keyName'] as const) {
    if (typeof context[name] !== 'string' || context[name] === '') {
      throw new TypeError(`secret context: ${name} must be a non-empty string`);
    }
  }
}

function encrypt(key: Buffer, plaintext: Buffer, additional: Buffer): Buffer {
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additional);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT), iv, cipher.getAuthTag(), body]);
}

/** The plaintext, or undefined when the tag does not verify. */
function decrypt(key: Buffer, blob: Buffer, additional: Buffer): Buffer | undefined {
  const iv = blob.subarray(1, 1 + IV_BYTES);
  const tag = blob.subarray(1 + IV_BYTES, HEADER_BYTES);
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(additional);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(blob.subarray(HEADER_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}

function masterKey(keyring: Keyring, version: number): Buffer {
  const keys = keyMaterial.get(keyring);
  if (!keys) throw new TypeError('not a keyring from parseEncryptionKeys or loadKeyring');
  const key = keys.get(version);
  if (!key) {
    throw new SecretError(
      'unknown_key_version',
      `sealed under encryption key version ${version}, which ENCRYPTION_KEYS does not list (it lists ${keyring.versions.join(', ')})`,
    );
  }
  return key;
}

function checkLayout(sealed: Sealed): void {
  const { ciphertext, wrappedKey, keyVersion } = sealed;
  if (
    !Buffer.isBuffer(ciphertext) ||
    !Buffer.isBuffer(wrappedKey) ||
    !Number.isInteger(keyVersion) ||
    ciphertext.length < HEADER_BYTES ||
    wrappedKey.length !== HEADER_BYTES + KEY_BYTES ||
    ciphertext[0] !== FORMAT ||
    wrappedKey[0] !== FORMAT
  ) {
    throw new SecretError('malformed', 'the sealed secret is malformed (unknown format or truncated)');
  }
}

/** The record's data key, checked against the master key and the context. */
function unwrap(keyring: Keyring, sealed: Sealed, context: SecretContext): Buffer {
  checkContext(context);
  checkLayout(sealed);
  const key = masterKey(keyring, sealed.keyVersion);
  const dataKey = decrypt(key, sealed.wrappedKey, wrapAad(context, sealed.keyVersion));
  if (!dataKey) {
    throw new SecretError(
      'unwrap_failed',
      `cannot unwrap the data key with encryption key version ${sealed.keyVersion}: a different key under that version, a tampered record, or a record of another account, provider or key name`,
    );
  }
  return dataKey;
}

function wrap(keyring: Keyring, dataKey: Buffer, context: SecretContext) {
  const version = keyring.newest;
  return { wrappedKey: encrypt(masterKey(keyring, version), dataKey, wrapAad(context, version)), version };
}

/** Encrypts `plaintext` under a fresh data key wrapped by the newest master key. */
export function seal(keyring: Keyring, plaintext: string, context: SecretContext): Sealed {
  checkContext(context);
  const dataKey = crypto.randomBytes(KEY_BYTES);
  try {
    const ciphertext = encrypt(dataKey, Buffer.from(plaintext, 'utf8'), contentAad(context));
    const { wrappedKey, version } = wrap(keyring, dataKey, context);
    return { ciphertext, wrappedKey, keyVersion: version };
  } finally {
    dataKey.fill(0);
  }
}

/** Decrypts a sealed secret; throws SecretError when it does not open under this context. */
export function open(keyring: Keyring, sealed: Sealed, context: SecretContext): string {
  const dataKey = unwrap(keyring, sealed, context);
  try {
    const plaintext = decrypt(dataKey, sealed.ciphertext, contentAad(context));
    if (!plaintext) {
      throw new SecretError('decrypt_failed', 'the secret does not decrypt: its ciphertext was altered');
    }
    return plaintext.toString('utf8');
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Re-wraps the data key under the newest master key; the content ciphertext is kept as is (the
 * same Buffer). Returns `sealed` itself when it is already on the newest key. Throws SecretError
 * as `open` does when the data key does not unwrap.
 */
export function rewrap(keyring: Keyring, sealed: Sealed, context: SecretContext): Sealed {
  if (sealed.keyVersion === keyring.newest) {
    checkContext(context);
    checkLayout(sealed);
    return sealed;
  }
  const dataKey = unwrap(keyring, sealed, context);
  try {
    const { wrappedKey, version } = wrap(keyring, dataKey, context);
    return { ciphertext: sealed.ciphertext, wrappedKey, keyVersion: version };
  } finally {
    dataKey.fill(0);
  }
}

/**
 * The last four characters, for display ("…abcd"), or '' when the secret is shorter than 12
 * characters (four of a short secret give too much away).
 */
export function last4(secret: string): string {
  const chars = Array.from(secret.trim());
  return chars.length < 12 ? '' : chars.slice(-4).join('');
}
