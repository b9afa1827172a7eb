import { z } from 'zod';
import { aiKeySources, aiRunResults } from '../../db/schema/index.ts';

export const aiRunsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const aiRunSchema = z.object({
  id: z.uuid(),
  agent: z.string(),
  action: z.string(),
  leadId: z.uuid().nullable(),
  provider: z.string(),
  model: z.string().nullable(),
  promptVersion: z.string().nullable(),
  keySource: z.enum(aiKeySources).nullable(),
  result: z.enum(aiRunResults),
  error: z.string().nullable(),
  inputTokens: z.number().int().nullable(),
  outputTokens: z.number().int().nullable(),
  costMicros: z.number().int().nullable(),
  durationMs: z.number().int().nullable(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
});
export type AiRunView = z.infer<typeof aiRunSchema>;

export const aiRunListSchema = z.object({
  /** This month (UTC) in sum: calls made, skipped, tokens and cost. */
  month: z.object({
    periodMonth: z.string(),
    calls: z.number().int(),
    skipped: z.number().int(),
    failed: z.number().int(),
    tokens: z.number().int(),
    costMicros: z.number().int(),
  }),
  data: z.array(aiRunSchema),
});
