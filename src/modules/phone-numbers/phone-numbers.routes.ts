import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { phoneNumberProviders } from '../../db/schema/index.ts';
import type { ModuleDeps } from '../../platform/module.ts';
import { requireSession } from '../identity/api-keys.service.ts';
import {
  addPhoneNumber,
  listPhoneNumbers,
  MAX_PHONE_NUMBERS,
  type PhoneNumberRow,
  removePhoneNumber,
} from './phone-numbers.service.ts';

const phoneNumberSchema = z.object({
  id: z.string(),
  e164: z.string(),
  provider: z.enum(phoneNumberProviders),
  providerId: z.string().nullable(),
  purpose: z.string().nullable(),
  createdAt: z.string(),
});
const addBody = z.strictObject({
  e164: z.string().trim().min(4).max(32).describe('the number, read in the account country if not in E.164'),
  provider: z.enum(phoneNumberProviders),
  providerId: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .nullable()
    .optional()
    .describe("the provider's id (Twilio: PN…)"),
  purpose: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .nullable()
    .optional()
    .describe('main, tracking, … (main sends texts)'),
});

const present = (p: PhoneNumberRow): z.infer<typeof phoneNumberSchema> => ({
  id: p.id,
  e164: p.e164,
  provider: p.provider,
  providerId: p.provider_id,
  purpose: p.purpose,
  createdAt: new Date(p.created_at).toISOString(),
});

/**
 * The account's phone numbers: members list them (with the webhook addresses to give Twilio),
 * people with the admin role connect and disconnect them (not API keys: a number decides where
 * calls and texts go).
 */
export function registerPhoneNumberRoutes(app: FastifyInstance, deps: ModuleDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['phone numbers'];
  const webhooks = {
    sms: `${deps.config.publicUrl}/webhooks/twilio/sms`,
    voice: `${deps.config.publicUrl}/webhooks/twilio/voice`,
    status: `${deps.config.publicUrl}/webhooks/twilio/status`,
  };

  r.get(
    '/api/v1/phone-numbers',
    {
      config: { auth: 'member', scope: 'account:read' },
      schema: {
        tags,
        summary: `The account's phone numbers (all of them: at most ${MAX_PHONE_NUMBERS})`,
        response: {
          200: z.object({
            data: z.array(phoneNumberSchema),
            nextCursor: z.null(),
            webhooks: z
              .object({ sms: z.string(), voice: z.string(), status: z.string() })
              .describe(
                "where the number's texts and calls must be sent (Twilio: A message comes in / A call comes in)",
              ),
          }),
        },
      },
    },
    async (request) => {
      const rows = await listPhoneNumbers(deps.db, request.auth!.accountId);
      return { data: rows.map(present), nextCursor: null, webhooks };
    },
  );

  r.post(
    '/api/v1/phone-numbers',
    {
      config: { auth: 'admin', scope: null, idempotent: true },
      schema: {
        tags,
        summary: 'Connect a number: its texts and calls reach this account',
        body: addBody,
        response: { 201: phoneNumberSchema },
      },
    },
    async (request, reply) => {
      requireSession(request);
      const row = await addPhoneNumber(deps.db, request.auth!.accountId, request.body);
      return reply.code(201).send(present(row));
    },
  );

  r.delete(
    '/api/v1/phone-numbers/:id',
    {
      config: { auth: 'admin', scope: null },
      schema: {
        tags,
        summary: 'Disconnect a number',
        params: z.object({ id: z.string() }),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      requireSession(request);
      await removePhoneNumber(deps.db, request.auth!.accountId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
