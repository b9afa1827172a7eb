import { z } from 'zod';
import { webhookDeliveryStatuses } from '../../db/schema/index.ts';

/** What an endpoint may subscribe to. `webhook.test` is not among them: it always reaches its endpoint. */
export const WEBHOOK_EVENTS = [
  'lead.created',
  'lead.updated',
  'lead.status_changed',
  'lead.note_added',
  'message.received',
  'call.missed',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
/** Every event a delivery can carry. */
export type DeliveredEvent = WebhookEvent | 'webhook.test';

const url = z
  .string()
  .trim()
  .min(1)
  .max(2000)
  .describe('http(s) URL the events are POSTed to (https in production)');
const events = z
  .array(z.enum(WEBHOOK_EVENTS))
  .min(1)
  .max(50)
  .transform((list) => [...new Set(list)])
  .describe(`any of ${WEBHOOK_EVENTS.join(', ')}`);
const description = z.string().trim().max(500);

export const createWebhookBody = z.strictObject({
  url,
  events,
  description: description.nullable().optional(),
});
export type CreateWebhookBody = z.infer<typeof createWebhookBody>;

export const patchWebhookBody = z.strictObject({
  url: url.optional(),
  events: events.optional(),
  description: description.nullable().optional(),
  status: z.enum(['active', 'disabled']).optional().describe('active again: clears failingSince'),
});
export type PatchWebhookBody = z.infer<typeof patchWebhookBody>;

export const webhookParams = z.object({ id: z.string() });
export const deliveryParams = z.object({ id: z.string(), deliveryId: z.string() });
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});

/** An endpoint as shown: never its secret, only the secret's last four characters. */
export const webhookSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  description: z.string().nullable(),
  events: z.array(z.string()),
  status: z.enum(['active', 'disabled']),
  disabledReason: z
    .string()
    .nullable()
    .describe('manual, gone (the endpoint answered 410), failing (5 days)'),
  disabledAt: z.string().nullable(),
  failingSince: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  secretLast4: z.string(),
  /** Until then the previous secret signs too (after a rotation). */
  previousSecretExpiresAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type WebhookView = z.infer<typeof webhookSchema>;

export const webhookListSchema = z.object({
  data: z.array(webhookSchema),
  nextCursor: z.string().nullable(),
});

/** The answer to creating an endpoint or rotating its secret: the only time the secret is shown. */
export const webhookWithSecretSchema = webhookSchema.extend({
  secret: z.string().describe('whsec_…: shown this once; verify signatures with it'),
});

export const attemptSchema = z.object({
  attempt: z.number().int(),
  statusCode: z.number().int().nullable(),
  durationMs: z.number().int().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
});

export const deliverySchema = z.object({
  id: z.uuid(),
  webhookId: z.uuid(),
  messageId: z.string().describe('the webhook-id header, the same on every attempt'),
  event: z.string(),
  payload: z.record(z.string(), z.unknown()),
  status: z.enum(webhookDeliveryStatuses),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  createdAt: z.string(),
  attemptLog: z.array(attemptSchema).describe('every attempt, oldest first'),
});
export type DeliveryView = z.infer<typeof deliverySchema>;

export const deliveryListSchema = z.object({
  data: z.array(deliverySchema),
  nextCursor: z.string().nullable(),
});
