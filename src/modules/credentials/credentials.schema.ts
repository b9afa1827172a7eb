import { z } from 'zod';
import { credentialProviders } from '../../db/schema/index.ts';

export type CredentialProvider = (typeof credentialProviders)[number];

/**
 * The keys each provider takes: the ones it needs, the ones it may have, and the one whose last
 * four characters identify the set on screen.
 */
export const PROVIDER_KEYS: Record<
  CredentialProvider,
  { required: readonly string[]; optional: readonly string[]; shown: string }
> = {
  openai: { required: ['api_key'], optional: ['organization'], shown: 'api_key' },
  brevo: { required: ['api_key'], optional: [], shown: 'api_key' },
  sendgrid: { required: ['api_key'], optional: [], shown: 'api_key' },
  twilio: { required: ['account_sid', 'auth_token'], optional: [], shown: 'auth_token' },
  vapi: { required: ['api_key'], optional: [], shown: 'api_key' },
  cloudflare: { required: ['api_token'], optional: ['account_id', 'zone_id'], shown: 'api_token' },
  google_ads: {
    required: ['developer_token', 'client_id', 'client_secret', 'refresh_token'],
    optional: ['login_customer_id'],
    shown: 'developer_token',
  },
  batchdata: { required: ['api_key'], optional: [], shown: 'api_key' },
};

export const providerParams = z.object({ provider: z.enum(credentialProviders) });

/** The whole set for a provider (PUT replaces it); each secret as the provider gave it. */
export const putCredentialsBody = z.strictObject({
  keys: z
    .record(
      z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'key names are lowercase identifiers'),
      z.string().trim().min(1, 'must not be empty').max(4096),
    )
    .refine((keys) => Object.keys(keys).length > 0, 'name at least one key'),
});

/** What is ever shown of a provider's keys: never a secret. */
export const credentialSummarySchema = z.object({
  provider: z.enum(credentialProviders),
  keyNames: z.array(z.string()),
  /** The last four characters of the identifying key (none for a short one). */
  last4: z.string().nullable(),
  verifiedAt: z.string().nullable(),
  updatedAt: z.string(),
});
export type CredentialSummary = z.infer<typeof credentialSummarySchema>;

export const credentialListSchema = z.object({ data: z.array(credentialSummarySchema) });
