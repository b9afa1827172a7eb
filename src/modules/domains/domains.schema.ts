import { z } from 'zod';
import { domainStatuses } from '../../db/schema/index.ts';

export const addDomainBody = z.strictObject({
  /** Checked by the service (hostname.ts): it knows the platform's own names. */
  hostname: z.string().max(300),
});

export const verificationRecordSchema = z.object({
  type: z.enum(['CNAME', 'TXT', 'HTTP']),
  name: z.string(),
  value: z.string(),
  purpose: z.enum(['routing', 'ownership', 'certificate']),
});

/** What the customer must publish, and what the provider last said (see providers/domains). */
export const verificationSchema = z.object({
  cnameTarget: z.string(),
  records: z.array(verificationRecordSchema),
  sslStatus: z.string().nullable(),
  errors: z.array(z.string()),
});

export const domainSchema = z.object({
  id: z.uuid(),
  hostname: z.string(),
  verificationStatus: z.enum(domainStatuses),
  isPrimary: z.boolean(),
  verification: verificationSchema,
  /** Why the last check did not succeed, when it did not. */
  lastError: z.string().nullable(),
  createdAt: z.string(),
  verifiedAt: z.string().nullable(),
});

export const domainListSchema = z.object({ data: z.array(domainSchema), nextCursor: z.string().nullable() });

/** Any string: an id that is not a uuid answers 404 like another account's domain. */
export const domainParams = z.object({ id: z.string() });
