import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Secrets handed to clients (session, reset and verification tokens, API keys) and the
 * hashes stored in their place. Every secret here has at least 128 bits of randomness, so
 * a fast hash is the right one: there is nothing to brute-force, and lookups stay cheap.
 */

/** A 256-bit random token, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 hex of a token: what the database stores and looks up instead of the token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

const API_KEY_PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const API_KEY_PREFIX_LENGTH = 12;
/** `pl_live_` + 12 base32 characters (60 bits, public, for lookup) + `_` + 32 random bytes base64url. */
const API_KEY_FORMAT = /^pl_live_([a-z2-7]{12})_[A-Za-z0-9_-]{43}$/;

function hmacHex(pepper: string, value: string): string {
  // An empty pepper would make the HMAC a plain, guessable hash: refuse to run with one.
  if (pepper.length === 0) throw new TypeError('a non-empty pepper is required');
  return createHmac('sha256', pepper).update(value, 'utf8').digest('hex');
}

/**
 * A new API key. `key` is shown to its owner once and never stored; `prefix` is stored in
 * the clear to find the row; `hash` (HMAC-SHA-256 with the server pepper) is stored to check it.
 */
export function newApiKey(pepper: string): { key: string; prefix: string; hash: string } {
  // 32 is a power of two, so taking the low five bits of each byte is unbiased.
  const prefix = Array.from(
    randomBytes(API_KEY_PREFIX_LENGTH),
    (byte) => API_KEY_PREFIX_ALPHABET[byte & 31],
  ).join('');
  const key = `pl_live_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(pepper, key) };
}

/** The prefix of a well-formed API key, or null for anything else (whitespace included). */
export function parseApiKey(key: string): { prefix: string } | null {
  if (typeof key !== 'string') return null;
  const match = API_KEY_FORMAT.exec(key);
  return match ? { prefix: match[1]! } : null;
}

/** HMAC-SHA-256 hex of a whole API key under the server pepper. */
export function hashApiKey(pepper: string, key: string): string {
  return hmacHex(pepper, key);
}

/** Constant-time comparison of two hex digests; false when their lengths differ. */
export function safeEqualHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * A keyed hash of a client IP for the audit log (no raw IPs are kept): HMAC-SHA-256 hex,
 * first 32 characters. An IPv4 address mapped into IPv6 (`::ffff:1.2.3.4`) and case are
 * normalized first, so one client hashes the same whichever way the socket reported it.
 */
export function hashIp(ip: string, pepper: string): string {
  const normalized = ip
    .trim()
    .toLowerCase()
    .replace(/^::ffff:(\d{1,3}(\.\d{1,3}){3})$/, '$1');
  return hmacHex(pepper, normalized).slice(0, 32);
}
