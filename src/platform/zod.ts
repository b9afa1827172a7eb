import { z } from 'zod';

/** Optional text for PATCH/PUT bodies: trimmed; empty or null clears it. */
export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .transform((v) => (v === '' ? null : v))
    .nullable()
    .optional();
