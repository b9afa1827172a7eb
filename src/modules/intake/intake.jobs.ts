import { z } from 'zod';
import { withTenant } from '../../db/tenant.ts';
import { defineJob } from '../../platform/jobs.ts';
import { scoreLeadJob } from '../leads/lead-score.jobs.ts';
import { notifyLeadJob } from '../messaging/messaging.jobs.ts';
import { emitLeadWebhookEvents } from '../webhooks/webhooks.events.ts';
import { pruneIntakeRecords } from './intake.prune.ts';

/**
 * What a stored inquiry triggers. Intake queues these in the lead's own transaction (by name,
 * from SQL: see porchlight_enqueue), so an acknowledged lead never misses them. Notify lives in
 * the messaging module and score in the leads module (it writes the lead; the scorers are in
 * modules/scoring); the lead webhook job turns the outcome into `lead.created` / `lead.updated`
 * deliveries (the webhooks module), keyed on the job so a retry queues nothing twice.
 */
const leadEvent = z.object({
  accountId: z.uuid(),
  leadId: z.uuid(),
  event: z.enum(['created', 'merged']),
});

export const leadWebhookJob = defineJob({
  name: 'webhooks.lead_event',
  schema: leadEvent,
  handler: async ({ accountId, leadId, event }, { db, jobId }) => {
    await withTenant(db, accountId, (_tx, client) =>
      emitLeadWebhookEvents(client, {
        accountId,
        leadId,
        events: [event === 'created' ? 'lead.created' : 'lead.updated'],
        key: jobId,
      }),
    );
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
