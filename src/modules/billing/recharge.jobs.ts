import { z } from 'zod';
import type { Config } from '../../config.ts';
import { defineJob } from '../../platform/jobs.ts';
import { grantIncludedCreditsForAll } from './included-credits.service.ts';
import { rechargeWallet } from './recharge.service.ts';

declare module '../../platform/jobs.ts' {
  interface JobServices {
    /** Stripe's settings, for the auto-recharge charge. */
    billing: Pick<Config, 'stripe'>;
  }
}

/**
 * Charges the auto-recharge bundle to the saved card (recharge.service.ts), queued with the debit
 * that crossed the wallet's threshold. Retried on errors other than a decline: the PaymentIntent's
 * idempotency key names the crossing, so a retry charges at most once.
 */
export const rechargeCreditsJob = defineJob({
  name: 'credits.recharge',
  schema: z.object({ accountId: z.uuid() }),
  retry: { limit: 5, delaySeconds: 30, backoff: true },
  handler: async ({ accountId }, { db, logger, services }) => {
    const outcome = await rechargeWallet(db, services.billing, accountId);
    logger.info({ accountId, outcome }, 'credits auto-recharge');
  },
});

/** The plans' monthly included credits, granted (and last month's unused ones expired) daily, once a month. */
export const monthlyCreditsJob = defineJob({
  name: 'credits.monthly',
  schema: z.object({}),
  cron: '17 0 * * *',
  retry: { limit: 2 },
  expireSeconds: 60 * 60,
  handler: async (_payload, { db, logger }) => {
    const totals = await grantIncludedCreditsForAll(db, logger);
    logger.info(totals, 'monthly included credits');
  },
});

export const billingJobs = [rechargeCreditsJob, monthlyCreditsJob];
