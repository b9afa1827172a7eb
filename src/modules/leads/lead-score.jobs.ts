import { z } from 'zod';
import { defineJob } from '../../platform/jobs.ts';
import type { AiDeps } from '../ai/model-choice.ts';
import { scoreLead } from './lead-score.service.ts';

declare module '../../platform/jobs.ts' {
  interface JobServices {
    /** Which model scores an account's leads, with whose key (`chooseModel`). */
    ai: AiDeps;
  }
}

/**
 * Scores a lead (lead-score.service.ts: the heuristic scorer by default), queued in the lead's
 * own transaction by intake (from SQL, by name: see porchlight_enqueue) for every new lead and
 * merged resubmission that is not spam, by POST /api/v1/leads, and by PATCH when a lead's details
 * change (`updated`). Retrying is safe: an unchanged score writes nothing.
 */
export const scoreLeadJob = defineJob({
  name: 'leads.score',
  schema: z.object({
    accountId: z.uuid(),
    leadId: z.uuid(),
    event: z.enum(['created', 'merged', 'updated']),
  }),
  handler: async ({ accountId, leadId, event }, { db, logger, services }) => {
    const { outcome, lead } = await scoreLead(db, accountId, leadId, { trigger: event, ai: services.ai });
    logger.info({ leadId, event, outcome, score: lead?.aiScore ?? null }, 'lead scoring');
  },
});
