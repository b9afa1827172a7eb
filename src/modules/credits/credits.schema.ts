import { z } from 'zod';
import { creditEntryKinds } from '../../db/schema/index.ts';

export const creditWalletSchema = z.object({
  balance: z.number().int(),
  /** Credits the account may spend in one UTC day; null for no limit. */
  dailyLimit: z.number().int().nullable(),
  /** Credits spent today (UTC). */
  spentToday: z.number().int(),
  /** A bundle bought when the balance falls under `below`; null when off. */
  autoRecharge: z.object({ below: z.number().int(), bundle: z.string() }).nullable(),
  /** An automatic purchase has been asked for and has not landed or failed yet. */
  rechargePending: z.boolean(),
});
export type CreditWalletView = z.infer<typeof creditWalletSchema>;

export const creditLedgerQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});

export const creditEntrySchema = z.object({
  id: z.uuid(),
  kind: z.enum(creditEntryKinds),
  /** Signed: what the entry added (positive) or took (negative). */
  credits: z.number().int(),
  balanceAfter: z.number().int(),
  action: z.string().nullable(),
  quantity: z.number().int().nullable(),
  /** Ids only (lead, message, AI run, Stripe objects), never personal data. */
  reference: z.record(z.string(), z.unknown()),
  reason: z.string().nullable(),
  createdAt: z.string(),
});
export type CreditEntryView = z.infer<typeof creditEntrySchema>;

export const creditLedgerSchema = z.object({
  balance: z.number().int(),
  data: z.array(creditEntrySchema),
  nextCursor: z.string().nullable(),
});

export const creditSettingsBody = z.strictObject({
  dailyLimit: z.number().int().positive().max(2_147_483_647).nullable().optional(),
  autoRecharge: z
    .strictObject({
      below: z.number().int().min(0).max(2_147_483_647),
      bundle: z.string().trim().min(1).max(100),
    })
    .nullable()
    .optional(),
});
export type CreditSettingsInput = z.infer<typeof creditSettingsBody>;

export const creditBundleListSchema = z.object({
  data: z.array(
    z.object({ code: z.string(), name: z.string(), credits: z.number().int(), priceCents: z.number().int() }),
  ),
});
