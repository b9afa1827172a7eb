import { z } from 'zod';
import type { Config } from '../../config.ts';
import { defineJob, type JobDefinition } from '../../platform/jobs.ts';
import type { Keyring } from '../../platform/secrets.ts';
import { createSafeHttpClient, type DestinationPolicy, type HttpClient } from '../../platform/ssrf.ts';
import { notifyWebhookDisabled, requeueOverdueDeliveries } from './deliveries.service.ts';
import { attemptDelivery } from './delivery.ts';
import { DELIVER_JOB_NAME } from './webhooks.events.ts';

export type WebhookJobDeps = {
  keyring: Keyring;
  /** The public URL a payload's links start with. */
  baseUrl: string;
  http: HttpClient;
};

declare module '../../platform/jobs.ts' {
  interface JobServices {
    /** How deliveries are signed and sent (the SSRF-checked client); optional for test rigs that send none. */
    webhooks?: WebhookJobDeps;
  }
}

/** The destination policy configuration gives: https in production, private addresses off. */
export function destinationPolicyOf(config: Config): DestinationPolicy {
  return { allowPrivate: config.webhooksAllowPrivate, requireHttps: config.nodeEnv === 'production' };
}

export function webhookJobDepsOf(config: Config, keyring: Keyring): WebhookJobDeps {
  return { keyring, baseUrl: config.publicUrl, http: createSafeHttpClient(destinationPolicyOf(config)) };
}

/**
 * One attempt at a delivery. Its own retries are the schedule in delivery.ts (the next attempt
 * is queued with the outcome); pg-boss's retry only covers a handler that threw (a database
 * error), and a repeat of a claimed attempt is skipped.
 */
export const deliverWebhookJob: JobDefinition = defineJob({
  name: DELIVER_JOB_NAME,
  schema: z.object({ accountId: z.uuid(), deliveryId: z.uuid() }),
  expireSeconds: 120,
  handler: async ({ accountId, deliveryId }, { db, logger, services, enqueue }) => {
    if (!services.webhooks) throw new Error('webhook delivery is not configured in this process');
    await attemptDelivery(
      {
        db,
        logger,
        ...services.webhooks,
        scheduleNext: async (client, id, startAfterSeconds) => {
          await enqueue(client, deliverWebhookJob, { accountId, deliveryId: id }, { startAfterSeconds });
        },
        notifyDisabled: async (client, webhookId) => {
          await enqueue(client, notifyWebhookDisabledJob, { accountId, webhookId });
        },
      },
      { accountId, deliveryId },
    );
  },
});

/** The email to owners and admins about an endpoint disabled after five days of failures. */
export const notifyWebhookDisabledJob = defineJob({
  name: 'webhooks.notify_disabled',
  schema: z.object({ accountId: z.uuid(), webhookId: z.uuid() }),
  handler: async ({ accountId, webhookId }, { db, services, jobId, logger }) => {
    const sent = await notifyWebhookDisabled(db, services.mail, {
      accountId,
      webhookId,
      idempotencyKey: `webhook-disabled:${jobId}`,
    });
    logger.info({ webhookId, sent }, 'webhook disabled: admins told');
  },
});

/** Hourly (at :11): pending deliveries more than ten minutes late get a new job (deliveries.service.ts). */
export const sweepWebhookDeliveriesJob = defineJob({
  name: 'webhooks.sweep',
  schema: z.object({}),
  cron: '11 * * * *',
  retry: { limit: 2 },
  expireSeconds: 30 * 60,
  handler: async (_payload, { db, logger }) => {
    const totals = await requeueOverdueDeliveries(db, { now: new Date(), logger });
    logger.info(totals, 'webhook deliveries swept');
  },
});

export const webhookJobs = [deliverWebhookJob, notifyWebhookDisabledJob, sweepWebhookDeliveriesJob];
