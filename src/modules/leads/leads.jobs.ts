import { z } from 'zod';
import { defineJob, type JobDefinition } from '../../platform/jobs.ts';
import { runDailyLeadMaintenance } from './held-leads.service.ts';

/**
 * Daily (04:23 UTC): releases leads held over the plan's limit as far as each plan now allows
 * (all of an earlier month's), and prunes Idempotency-Keys older than 24 h.
 */
export const releaseHeldLeadsJob = defineJob({
  name: 'leads.release_held',
  schema: z.object({}),
  cron: '23 4 * * *',
  retry: { limit: 2 },
  expireSeconds: 60 * 60,
  handler: async (_payload, { db, logger }) => {
    const totals = await runDailyLeadMaintenance(db, { now: new Date(), logger });
    logger.info(totals, 'released held leads and pruned idempotency keys');
  },
});

export const leadsJobs: JobDefinition[] = [releaseHeldLeadsJob];
