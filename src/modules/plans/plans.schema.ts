import { z } from 'zod';

export const planSchema = z.object({
  code: z.string(),
  name: z.string(),
  priceMonthCents: z.number().int(),
  priceYearCents: z.number().int(),
  limits: z.object({
    leads: z.number().int().nullable(),
    emails: z.number().int().nullable(),
    sms: z.number().int().nullable(),
    aiCalls: z.number().int().nullable(),
    reports: z.number().int().nullable(),
    propertyReports: z.number().int().nullable(),
    seats: z.number().int().nullable(),
  }),
  features: z.record(z.string(), z.boolean()),
  includedCredits: z.number().int(),
  stripePriceId: z.string().nullable(),
});
export type Plan = z.infer<typeof planSchema>;

export const planListSchema = z.object({ data: z.array(planSchema) });
