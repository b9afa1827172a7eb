import net from 'node:net';
import { z } from 'zod';

/** An IPv4 or IPv6 address, or a network in CIDR notation (`203.0.113.0/24`, `2001:db8::/32`). */
export function isNetwork(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/');
  if (rest.length > 0 || address.includes('%')) return false;
  const family = net.isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

export const createBlockedIpBody = z.strictObject({
  network: z
    .string()
    .trim()
    .max(64)
    .refine(isNetwork, 'must be an IPv4 or IPv6 address or a network such as 203.0.113.0/24'),
  reason: z.string().trim().max(200).nullable().optional(),
});

export const blockedIpSchema = z.object({
  id: z.uuid(),
  /** A single address shows without its /32 or /128. */
  network: z.string(),
  reason: z.string().nullable(),
  createdAt: z.string(),
});

export const blockedIpListSchema = z.object({
  data: z.array(blockedIpSchema),
  nextCursor: z.string().nullable(),
});

/** Any string: an id that is not a uuid answers 404 like any id that is not this account's entry. */
export const blockedIpParams = z.object({ id: z.string() });
