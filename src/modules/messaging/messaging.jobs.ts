import { z } from 'zod';
import type { SqlClient } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import { defineJob, type JobContext } from '../../platform/jobs.ts';
import { rechargeCreditsJob } from '../billing/recharge.jobs.ts';
import {
  deliverAll,
  deliverMessage,
  type MessagingDeps,
  planLeadNotifications,
} from './messaging.service.ts';
import { placeVoiceCallback, planVoiceCallback } from './voice-callback.service.ts';

declare module '../../platform/jobs.ts' {
  interface JobServices {
    /** How messages go out: the email and SMS providers, the public URLs, the sender. */
    messaging: MessagingDeps;
  }
}

/** Five retries, 5 s doubling (5 s … 80 s), then the messages still unsent are `failed`. */
const NOTIFY_RETRY = { limit: 5, delaySeconds: 5, backoff: true };

/** One message a member wrote, one retried by hand, or one that waited out quiet hours. */
/** The auto-recharge charge, queued in the transaction of the debit that crossed the threshold. */
function queueRecharge(enqueue: JobContext['enqueue'], client: SqlClient, accountId: string) {
  return enqueue(client, rechargeCreditsJob, { accountId }).then(() => undefined);
}

export const sendMessageJob = defineJob({
  name: 'messages.send',
  schema: z.object({ accountId: z.uuid(), messageId: z.uuid() }),
  retry: NOTIFY_RETRY,
  handler: async ({ accountId, messageId }, { db, services, attempt, logger, enqueue }) => {
    const outcome = await deliverMessage(db, services.messaging, accountId, messageId, {
      lastAttempt: attempt > NOTIFY_RETRY.limit,
      pepper: services.pepper,
      onRechargeDue: (client) => queueRecharge(enqueue, client, accountId),
    });
    logger.info({ messageId, outcome }, 'message delivery');
    if (outcome === 'retry') throw new Error('the message waits for another attempt');
    // Woken early (or the quiet hours moved): due again later.
    if (outcome === 'deferred') {
      await withTenant(db, accountId, async (_tx, client) => {
        const { rows } = await client.query<{ send_after: Date }>(
          'SELECT send_after FROM messages WHERE account_id = $1 AND id = $2',
          [accountId, messageId],
        );
        const due = rows[0]?.send_after;
        if (due)
          await enqueue(
            client,
            sendMessageJob,
            { accountId, messageId },
            { startAfterSeconds: secondsUntil(due) },
          );
      });
    }
  },
});

/** Whole seconds from now until `when`, at least 1. */
export function secondsUntil(when: Date): number {
  return Math.max(1, Math.ceil((new Date(when).getTime() - Date.now()) / 1000));
}

/**
 * A stored inquiry's notifications (queued by intake in the lead's own transaction): the agent
 * alert(s) and the lead's autoresponder(s), each recorded in `messages` before it is sent. A
 * message that may succeed later makes the job retry; the ones already sent are not sent again;
 * a text that must wait out the lead's quiet hours gets a `messages.send` job due when they end.
 */
export const notifyLeadJob = defineJob({
  name: 'leads.notify',
  schema: z.object({ accountId: z.uuid(), leadId: z.uuid(), event: z.enum(['created', 'merged']) }),
  retry: NOTIFY_RETRY,
  handler: async ({ accountId, leadId, event }, { db, services, jobId, attempt, logger, enqueue, wake }) => {
    const deps = services.messaging;
    let callQueued = false;
    const rows = await planLeadNotifications(
      db,
      deps,
      { accountId, leadId, event, jobId },
      {
        // A new lead's voice callback is recorded and queued with its messages (plans with it).
        also: async (client, lead) => {
          if (event !== 'created') return;
          const call = await planVoiceCallback(client, accountId, lead, jobId);
          if (call?.status !== 'queued' && call?.status !== 'deferred') return;
          await enqueue(
            client,
            voiceCallbackJob,
            { accountId, callId: call.id },
            {
              ...(call.send_after ? { startAfterSeconds: secondsUntil(call.send_after) } : {}),
              singletonKey: `call:${call.id}`,
            },
          );
          callQueued = call.status === 'queued';
        },
      },
    );
    if (callQueued) wake(voiceCallbackJob.name);
    const outcome = await deliverAll(db, deps, accountId, rows, {
      lastAttempt: attempt > NOTIFY_RETRY.limit,
      pepper: services.pepper,
      onRechargeDue: (client) => queueRecharge(enqueue, client, accountId),
      defer: (messageId, sendAfter) =>
        withTenant(db, accountId, async (_tx, client) => {
          await enqueue(
            client,
            sendMessageJob,
            { accountId, messageId },
            { startAfterSeconds: secondsUntil(sendAfter), singletonKey: `message:${messageId}` },
          );
        }),
    });
    logger.info({ leadId, ...outcome }, 'lead notifications');
    if (outcome.retry > 0) throw new Error(`${outcome.retry} message(s) wait for another attempt`);
  },
});

/** Rings the agent for a new lead and bridges them (voice-callback.service.ts), with retries. */
export const voiceCallbackJob = defineJob({
  name: 'calls.callback',
  schema: z.object({ accountId: z.uuid(), callId: z.uuid() }),
  retry: { limit: 3, delaySeconds: 10, backoff: true },
  handler: async ({ accountId, callId }, { db, services, attempt, logger }) => {
    const outcome = await placeVoiceCallback(db, services.messaging, accountId, callId, {
      lastAttempt: attempt > 3,
    });
    logger.info({ callId, outcome }, 'voice callback');
    if (outcome === 'retry') throw new Error('the callback waits for another attempt');
  },
});

/** The jobs this module adds (leads.notify is among intake's lead-triggered jobs). */
export const messagingJobs = [sendMessageJob, voiceCallbackJob];
