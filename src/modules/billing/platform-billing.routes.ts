import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../platform/module.ts';
import {
  adjustAccountCredits,
  listAllPlans,
  platformBillingSummary,
  updatePlan,
} from './platform-billing.service.ts';

const summarySchema = z.object({
  mrrCents: z.number().int(),
  activeSubscriptions: z.number().int(),
  pastDueSubscriptions: z.number().int(),
  trialingSubscriptions: z.number().int(),
  byPlan: z.array(
    z.object({ plan: z.string(), subscriptions: z.number().int(), mrrCents: z.number().int() }),
  ),
  credits: z.object({
    accounts: z.number().int(),
    balance: z.number().int(),
    ledgerSum: z.number().int(),
    difference: z.number().int(),
    mismatched: z.array(
      z.object({ accountId: z.uuid(), balance: z.number().int(), ledgerSum: z.number().int() }),
    ),
  }),
  computedAt: z.string(),
});

const limit = z.number().int().min(0).max(100_000_000).nullable();
const cents = z.number().int().min(0).max(100_000_000);
const priceId = z
  .string()
  .regex(/^price_[A-Za-z0-9_]+$/, 'must be a Stripe price id (price_…)')
  .nullable();
const adminPlanSchema = z.object({
  code: z.string(),
  name: z.string(),
  priceMonthCents: z.number().int(),
  priceYearCents: z.number().int(),
  limits: z.record(z.string(), z.number().int().nullable()),
  features: z.record(z.string(), z.boolean()),
  includedCredits: z.number().int(),
  allowOverage: z.boolean(),
  overagePriceCents: z.number().int().nullable(),
  stripePriceIdMonth: z.string().nullable(),
  stripePriceIdYear: z.string().nullable(),
  isActive: z.boolean(),
});
const planPatchBody = z.strictObject({
  name: z.string().trim().min(1).max(60).optional(),
  priceMonthCents: cents.optional(),
  priceYearCents: cents.optional(),
  limits: z
    .strictObject({
      leads: limit,
      emails: limit,
      sms: limit,
      aiCalls: limit,
      reports: limit,
      propertyReports: limit,
      seats: limit,
    })
    .partial()
    .optional(),
  features: z
    .strictObject({
      customDomain: z.boolean(),
      twilio: z.boolean(),
      voiceCallback: z.boolean(),
      aiVoice: z.boolean(),
      distressedLeads: z.boolean(),
      byokAi: z.boolean(),
    })
    .partial()
    .optional(),
  includedCredits: cents.optional(),
  allowOverage: z.boolean().optional(),
  overagePriceCents: cents.nullable().optional(),
  stripePriceIdMonth: priceId.optional(),
  stripePriceIdYear: priceId.optional(),
  isActive: z.boolean().optional(),
});

const adjustBody = z.strictObject({
  credits: z
    .number()
    .int()
    .refine((n) => n !== 0, 'must not be 0')
    .refine((n) => Math.abs(n) <= 100_000_000, 'is too large'),
  reason: z.string().trim().min(3).max(500),
});

/** Platform admins: revenue and the credit reconciliation, and credit corrections with a reason. */
export function registerPlatformBillingRoutes(app: FastifyInstance, deps: Pick<ModuleDeps, 'db' | 'logger'>) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/platform/billing',
    {
      config: { auth: 'platform' },
      schema: {
        tags: ['platform'],
        summary: 'MRR and subscriptions by plan; every credit wallet reconciled against its ledger',
        response: { 200: summarySchema },
      },
    },
    async () => platformBillingSummary(deps.db),
  );
  r.get(
    '/api/v1/platform/plans',
    {
      config: { auth: 'platform' },
      schema: {
        tags: ['platform'],
        summary: 'Every plan, active or not, with its limits, features, credits, overage and Stripe prices',
        response: { 200: z.object({ data: z.array(adminPlanSchema) }) },
      },
    },
    async () => ({ data: await listAllPlans(deps.db) }),
  );
  r.patch(
    '/api/v1/platform/plans/:code',
    {
      config: { auth: 'platform' },
      schema: {
        tags: ['platform'],
        summary:
          'Changes a plan (limits and features are merged); every account on it has the new ones at once',
        params: z.object({ code: z.string().regex(/^[a-z0-9_]{1,40}$/) }),
        body: planPatchBody,
        response: { 200: adminPlanSchema },
      },
    },
    async (request) =>
      updatePlan(deps.db, request.params.code, request.body, deps.logger, request.auth!.userId),
  );
  r.post(
    '/api/v1/platform/accounts/:accountId/credits',
    {
      config: { auth: 'platform' },
      schema: {
        tags: ['platform'],
        summary: "Adds or takes an account's credits (an `adjust` with a reason, audited in the account)",
        params: z.object({ accountId: z.uuid() }),
        body: adjustBody,
        response: { 201: z.object({ balance: z.number().int(), entryId: z.uuid() }) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(
        await adjustAccountCredits(deps.db, request.params.accountId, {
          ...request.body,
          actorUserId: request.auth!.userId,
        }),
      ),
  );
}
