type PgLikeError = { code?: string; constraint?: string; cause?: unknown; message?: string };

/** The PostgreSQL error under a driver's or Drizzle's wrapper, if there is one. */
export function pgError(error: unknown): PgLikeError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const e = current as PgLikeError;
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e;
    current = e.cause;
  }
  return undefined;
}

/** True for a unique violation, optionally of one named constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = pgError(error);
  if (e?.code !== '23505') return false;
  if (!constraint) return true;
  // PGlite does not always fill `constraint`; the message names it.
  return e.constraint === constraint || (e.message ?? '').includes(`"${constraint}"`);
}
