import { z } from 'zod';
import { accountStatuses } from '../../db/schema/index.ts';

const count = z.number().int();
const limit = z.number().int().nullable();
const allowanceSchema = z.object({
  allowed: z.boolean(),
  limit,
  used: count,
  left: limit,
  /** Past the limit on a plan with overage: how many more the credit balance pays for. */
  paidWithCredits: limit,
});

export const billingSchema = z.object({
  plan: z.object({ code: z.string(), name: z.string() }),
  status: z.enum(accountStatuses),
  /** The subscription that gives the account its plan, if any. */
  subscription: z
    .object({
      status: z.string(),
      interval: z.enum(['month', 'year']).nullable(),
      currentPeriodEnd: z.string().nullable(),
      cancelAtPeriodEnd: z.boolean(),
    })
    .nullable(),
  currentPeriodEnd: z.string().nullable(),
  periodMonth: z.string(),
  usage: z.object({ leadsCreated: count, emailsSent: count, smsSent: count, aiCalls: count }),
  limits: z.object({ leads: limit, emails: limit, sms: limit, aiCalls: limit }),
  features: z.record(z.string(), z.boolean()),
  /** May the account do each metered action now, and how much is left (entitlements.ts). */
  allowances: z.object({
    leads: allowanceSchema,
    emails: allowanceSchema,
    sms: allowanceSchema,
    aiCalls: allowanceSchema,
  }),
  creditBalance: count,
  /** Whether this server takes payments (STRIPE_SECRET_KEY set). */
  checkoutAvailable: z.boolean(),
  /** Whether the account has a Stripe customer (the billing portal opens). */
  hasBillingAccount: z.boolean(),
});
export type Billing = z.infer<typeof billingSchema>;

export const checkoutBody = z.union([
  z.strictObject({
    plan: z.string().min(1).max(40).describe('a paid plan code: booster, pro, team'),
    interval: z.enum(['month', 'year']).default('month'),
  }),
  z.strictObject({ bundle: z.string().min(1).max(40).describe('a credit bundle code, e.g. credits_2000') }),
]);
export type CheckoutBody = z.infer<typeof checkoutBody>;

export const sessionUrlSchema = z.object({ url: z.url() });

export const billingEventsQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });
export const billingEventListSchema = z.object({
  data: z.array(
    z.object({
      id: z.uuid(),
      type: z.string(),
      payload: z.record(z.string(), z.unknown()),
      createdAt: z.string(),
    }),
  ),
});
