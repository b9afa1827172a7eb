import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import argon2 from 'argon2';

/** argon2id at the OWASP minimum (m = 19 MiB, t = 2, p = 1); rehash on login when below it. */
export const PASSWORD_POLICY = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * An argon2id hash at PASSWORD_POLICY, in the reference PHC form `$argon2id$v=19$m=…,t=…,p=…$salt$hash`.
 * The argon2 package writes the parameters as m,p,t; they are put back in the reference order,
 * which it verifies just the same and which stricter parsers (libargon2, PHP, passlib) require.
 */
export async function hashPassword(password: string): Promise<string> {
  const hash = await argon2.hash(password, PASSWORD_POLICY);
  return hash.replace(/^(\$argon2id\$v=\d+\$)m=(\d+),p=(\d+),t=(\d+)\$/, '$1m=$2,t=$4,p=$3$$');
}

/** True when the password matches; false for a wrong password and for a malformed or foreign hash. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

const ARGON2ID_HASH = /^\$argon2id\$v=(\d+)\$([a-z]+=\d+(?:,[a-z]+=\d+)*)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

/**
 * True when a stored hash should be replaced at the next successful login: not argon2id
 * version 19, unparseable, or with memory, time or parallelism below PASSWORD_POLICY.
 * Stronger parameters are kept. argon2's own needsRehash is not used: it flags any
 * parameter that differs (stronger ones too), ignores the variant and throws on bad input.
 */
export function needsRehash(hash: string): boolean {
  const match = ARGON2ID_HASH.exec(hash);
  if (!match) return true;
  // Parameters in any order: the reference writes m,t,p and the argon2 package m,p,t.
  const params = new Map(match[2]!.split(',').map((pair) => pair.split('=') as [string, string]));
  const isBelow = (name: string, min: number) => !(Number(params.get(name)) >= min); // a missing one is NaN
  return (
    Number(match[1]) !== 0x13 ||
    isBelow('m', PASSWORD_POLICY.memoryCost) ||
    isBelow('t', PASSWORD_POLICY.timeCost) ||
    isBelow('p', PASSWORD_POLICY.parallelism)
  );
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends about the time of one password verification, for a login whose email is unknown,
 * so that it cannot be told from a wrong password by timing. The first call makes the dummy
 * hash, which costs about what a verification costs, and verifies nothing.
 */
export async function burnPasswordTime(): Promise<void> {
  if (!dummyHash) {
    dummyHash = hashPassword(randomBytes(16).toString('base64url')).catch((error: unknown) => {
      dummyHash = undefined;
      throw error;
    });
    await dummyHash;
    return;
  }
  await verifyPassword(await dummyHash, 'not-the-dummy-password');
}

let commonPasswords: Set<string> | undefined;

/** The shipped list of common passwords (lowercase), read once on first use. */
function getCommonPasswords(): Set<string> {
  if (!commonPasswords) {
    const text = readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8');
    commonPasswords = new Set(text.split('\n').filter((line) => line !== '' && !line.startsWith('#')));
  }
  return commonPasswords;
}

const fold = (value: string) => value.normalize('NFKC').trim().toLowerCase();

/**
 * Checks a new password against the policy (NIST SP 800-63B style: length and a block list,
 * no composition rules). Returns null when acceptable, otherwise a short message for the
 * person choosing it. Length counts code points after NFKC, so an emoji is one character.
 */
export function checkPasswordPolicy(
  password: string,
  context: { email?: string; name?: string } = {},
): string | null {
  const normalized = password.normalize('NFKC');
  const length = [...normalized].length;
  if (length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  const lower = normalized.toLowerCase();
  if (getCommonPasswords().has(lower)) return 'This password is too common; choose another.';
  const personal: string[] = [];
  if (context.email) {
    const email = fold(context.email);
    personal.push(email);
    const at = email.lastIndexOf('@');
    if (at > 0) personal.push(email.slice(0, at));
  }
  if (context.name) personal.push(fold(context.name));
  if (personal.some((value) => value !== '' && value === lower)) {
    return 'Do not use your email address or name as your password.';
  }
  return null;
}
