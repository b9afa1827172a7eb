import { z } from 'zod';
import { defineJob } from '../../platform/jobs.ts';
import { notifyLeadJob } from '../messaging/messaging.jobs.ts';
import { pruneIntakeRecords } from './intake.prune.ts';

/**
 * What a stored inquiry triggers. Intake queues these in the lead's own transaction (by name,
 * from SQL: see porchlight_enqueue), so an acknowledged lead never misses them. Notify lives in
 * the messaging module; the real work of score and webhooks arrives with the AI and integrations
 * modules, and until then their handlers record that they ran.
 */
const leadEvent = z.object({
  accountId: z.uuid(),
  leadId: z.uuid(),
  event: z.enum(['created', 'merged']),
});

export const scoreLeadJob = defineJob({
  name: 'leads.score',
  schema: leadEvent,
  handler: async ({ leadId, event }, { logger }) => {
    logger.debug({ leadId, event }, 'lead scoring pending: no scorer yet');
  },
});

export const leadWebhookJob = defineJob({
  name: 'webhooks.lead_event',
  schema: leadEvent,
  handler: async ({ leadId, event }, { logger }) => {
    logger.debug({ leadId, event }, 'lead webhooks pending: no endpoints yet');
  },
});

/** Queued for every accepted (not spam) submission, in this order. */
export const leadTriggeredJobs = [notifyLeadJob, scoreLeadJob, leadWebhookJob];

/** Nightly (03:41 UTC): rate-limit windows, visitor hashes and idempotency keys do not pile up. */
export const pruneIntakeJob = defineJob({
  name: 'intake.prune',
  schema: z.object({}),
  cron: '41 3 * * *',
  retry: { limit: 2 },
  handler: async (_payload, { db, logger }) => {
    const deleted = await pruneIntakeRecords(db);
    logger.info({ deleted }, 'pruned intake records');
  },
});

export const intakeJobs = [...leadTriggeredJobs, pruneIntakeJob];
