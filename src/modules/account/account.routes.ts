import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { accountVerticals } from '../../db/schema/index.ts';
import { normalizePhone } from '../../platform/contact.ts';
import { AppError, invalid } from '../../platform/errors.ts';
import type { ModuleDeps } from '../../platform/module.ts';
import { createSmsProvider, DEV_SMS_FROM } from '../../providers/sms/index.ts';
import {
  type AccountProfilePatch,
  findAccountById,
  updateAccountProfile,
} from '../accounts/accounts.service.ts';
import { requireSession } from '../identity/api-keys.service.ts';
import { accountSchema, presentAccount } from '../identity/auth.schema.ts';
import { devSmsProvider } from '../outbox/outbox.service.ts';
import { confirmPhoneVerification, startPhoneVerification } from './phone-verification.service.ts';

const profileBody = z
  .object({
    name: z.string().trim().min(1).max(120),
    timezone: z.string().min(1).max(64),
    vertical: z.enum(accountVerticals),
    licenseNumber: z.string().trim().max(60).nullable(),
    phone: z
      .string()
      .trim()
      .min(4)
      .max(32)
      .nullable()
      .describe(
        "the agent's phone: texted new-lead alerts (smsOptIn), forwarded calls, rung by the voice callback",
      ),
    smsOptIn: z.boolean().describe('text new-lead alerts to `phone`'),
    voiceCallback: z
      .boolean()
      .describe('ring `phone` for each new lead and bridge to the lead (plans with it)'),
  })
  .partial()
  .strict();

const profileSchema = accountSchema.extend({
  licenseNumber: z.string().nullable(),
  phone: z.string().nullable(),
  phoneVerified: z
    .boolean()
    .describe('the phone proved it receives texts (POST /api/v1/account/phone/verification)'),
  smsOptIn: z.boolean(),
  voiceCallback: z.boolean(),
});

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The active account's profile: read by any member, changed by admins and owners. */
export function registerAccountRoutes(app: FastifyInstance, deps: ModuleDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const verification = {
    db: deps.db,
    pepper: deps.pepper,
    sms: createSmsProvider(deps.config, () => devSmsProvider(deps.db)),
    smsFallbackFrom: deps.config.providers.sms === 'dev' ? DEV_SMS_FROM : null,
  };
  const present = (a: NonNullable<Awaited<ReturnType<typeof findAccountById>>>) => ({
    ...presentAccount(a),
    licenseNumber: a.licenseNumber,
    phone: a.phoneE164,
    phoneVerified: a.phoneVerifiedAt !== null,
    smsOptIn: a.smsOptIn,
    voiceCallback: a.voiceCallback,
  });

  r.get(
    '/api/v1/account',
    {
      config: { auth: 'member', scope: 'account:read' },
      schema: { tags: ['account'], summary: 'The active account', response: { 200: profileSchema } },
    },
    async (request) => {
      const account = await findAccountById(deps.db, request.auth!.accountId);
      if (!account) throw new AppError('not_found', 'ACCOUNT_NOT_FOUND', 'No such account');
      return present(account);
    },
  );

  r.patch(
    '/api/v1/account',
    {
      config: { auth: 'admin', scope: null },
      schema: {
        tags: ['account'],
        summary: "Change the active account's profile",
        body: profileBody,
        response: { 200: profileSchema },
      },
    },
    async (request) => {
      if (request.body.timezone !== undefined && !isTimeZone(request.body.timezone)) {
        throw invalid('ACCOUNT_INVALID', [
          { path: 'timezone', message: 'is not an IANA time zone such as America/Chicago' },
        ]);
      }
      const { phone, ...rest } = request.body;
      const patch: AccountProfilePatch = { ...rest };
      if (phone !== undefined) {
        const country = (await findAccountById(deps.db, request.auth!.accountId))?.country ?? 'US';
        const e164 = phone === null ? null : normalizePhone(phone, country);
        if (phone !== null && !e164) {
          throw invalid('ACCOUNT_INVALID', [{ path: 'phone', message: 'is not a valid phone number' }]);
        }
        patch.phoneE164 = e164;
      }
      const current = await findAccountById(deps.db, request.auth!.accountId);
      // A new number has to prove itself again.
      if (patch.phoneE164 !== undefined && patch.phoneE164 !== current?.phoneE164)
        patch.phoneVerifiedAt = null;
      if (patch.smsOptIn || patch.voiceCallback) {
        const phoneAfter = patch.phoneE164 !== undefined ? patch.phoneE164 : current?.phoneE164;
        if (!phoneAfter) {
          throw invalid('ACCOUNT_INVALID', [
            {
              path: patch.smsOptIn ? 'smsOptIn' : 'voiceCallback',
              message: 'needs the account phone (phone) first',
            },
          ]);
        }
      }
      const account = await updateAccountProfile(deps.db, request.auth!.accountId, patch);
      return present(account);
    },
  );

  r.post(
    '/api/v1/account/phone/verification',
    {
      config: { auth: 'admin', scope: null },
      schema: {
        tags: ['account'],
        summary: "Text a 6-digit code to the account's phone (one a minute, five an hour)",
        response: { 202: z.object({ sentTo: z.string(), expiresAt: z.string() }) },
      },
    },
    async (request, reply) => {
      requireSession(request);
      return reply.code(202).send(await startPhoneVerification(verification, request.auth!.accountId));
    },
  );

  r.post(
    '/api/v1/account/phone/verify',
    {
      config: { auth: 'admin', scope: null },
      schema: {
        tags: ['account'],
        summary:
          "Type back the code: the account's phone is verified (texted alerts and callbacks can use it)",
        body: z.strictObject({
          code: z
            .string()
            .trim()
            .regex(/^\d{6}$/, 'must be the 6 digits texted'),
        }),
        response: { 200: profileSchema },
      },
    },
    async (request) => {
      requireSession(request);
      await confirmPhoneVerification(verification, request.auth!.accountId, request.body.code);
      const account = await findAccountById(deps.db, request.auth!.accountId);
      if (!account) throw new AppError('not_found', 'ACCOUNT_NOT_FOUND', 'No such account');
      return present(account);
    },
  );
}
