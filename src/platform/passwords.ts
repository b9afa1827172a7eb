import argon2 from 'argon2';

/** argon2id at the OWASP minimum (m = 19 MiB, t = 2, p = 1); rehash on login when below it. */
export const PASSWORD_POLICY = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, PASSWORD_POLICY);
}

export function verifyPassword(hash: string, password: string): Promise<boolean> {
  return argon2.verify(hash, password).catch(() => false);
}
