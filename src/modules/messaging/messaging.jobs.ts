import { z } from 'zod';
import { defineJob } from '../../platform/jobs.ts';
import { deliverAll, deliverEmail, planLeadNotifications } from './messaging.service.ts';

/** Five retries, 5 s doubling (5 s … 80 s), then the messages still unsent are `failed`. */
const NOTIFY_RETRY = { limit: 5, delaySeconds: 5, backoff: true };

/**
 * A stored inquiry's notifications (queued by intake in the lead's own transaction): the agent
 * alert(s) and the lead's autoresponder, each recorded in `messages` before it is sent. A
 * message that may succeed later makes the job retry; the ones already sent are not sent again.
 */
export const notifyLeadJob = defineJob({
  name: 'leads.notify',
  schema: z.object({ accountId: z.uuid(), leadId: z.uuid(), event: z.enum(['created', 'merged']) }),
  retry: NOTIFY_RETRY,
  handler: async ({ accountId, leadId, event }, { db, services, jobId, attempt, logger }) => {
    const rows = await planLeadNotifications(db, services.mail, { accountId, leadId, event, jobId });
    const outcome = await deliverAll(db, services.mail, accountId, rows, {
      lastAttempt: attempt > NOTIFY_RETRY.limit,
      pepper: services.pepper,
    });
    logger.info({ leadId, ...outcome }, 'lead notifications');
    if (outcome.retry > 0) throw new Error(`${outcome.retry} message(s) wait for another attempt`);
  },
});

/** One message a member wrote, or one retried by hand: sent, with the same retries as alerts. */
export const sendMessageJob = defineJob({
  name: 'messages.send',
  schema: z.object({ accountId: z.uuid(), messageId: z.uuid() }),
  retry: NOTIFY_RETRY,
  handler: async ({ accountId, messageId }, { db, services, attempt, logger }) => {
    const outcome = await deliverEmail(db, services.mail, accountId, messageId, {
      lastAttempt: attempt > NOTIFY_RETRY.limit,
      pepper: services.pepper,
    });
    logger.info({ messageId, outcome }, 'message delivery');
    if (outcome === 'retry') throw new Error('the message waits for another attempt');
  },
});
