import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../platform/module.ts';
import { adjustAccountCredits, platformBillingSummary } from './platform-billing.service.ts';

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

const adjustBody = z.strictObject({
  credits: z
    .number()
    .int()
    .refine((n) => n !== 0, 'must not be 0')
    .refine((n) => Math.abs(n) <= 100_000_000, 'is too large'),
  reason: z.string().trim().min(3).max(500),
});

/** Platform admins: revenue and the credit reconciliation, and credit corrections with a reason. */
export function registerPlatformBillingRoutes(app: FastifyInstance, deps: Pick<ModuleDeps, 'db'>) {
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
