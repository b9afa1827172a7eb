import { z } from 'zod';

/** What an API key may be allowed to do. Sessions are not scoped: a person has their role. */
export const API_KEY_SCOPES = [
  'leads:read',
  'leads:write',
  'pages:read',
  'pages:write',
  'contacts:read',
  'contacts:write',
  'webhooks:read',
  'webhooks:write',
  'account:read',
] as const;

export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** The scopes of a key created without naming any: what a lead-feeding integration needs. */
export const DEFAULT_API_KEY_SCOPES: readonly ApiKeyScope[] = ['leads:read', 'leads:write'];

export const createApiKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(80),
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1).max(20).optional(),
});

/** A key as listed: never the key itself, never its hash. */
export const apiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  createdAt: z.string(),
});

/** The answer to creating a key: the only time the key is shown. */
export const createdApiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  key: z.string(),
  createdAt: z.string(),
});

export const apiKeyListSchema = z.object({ data: z.array(apiKeySchema), nextCursor: z.string().nullable() });

/** Any string: an id that is not a uuid answers 404 like any id that is not this account's key. */
export const apiKeyParams = z.object({ id: z.string() });
