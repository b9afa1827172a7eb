import { z } from 'zod';
import { defineJob } from '../../platform/jobs.ts';
import { type MailDeps, sendPasswordResetEmail, sendVerificationEmail } from './emails.service.ts';
import { pruneIdentityRecords } from './sessions.service.ts';

/** Nightly (03:17 UTC): sign-in attempts, dead sessions and spent tokens do not pile up. */
export const pruneIdentityJob = defineJob({
  name: 'identity.prune',
  schema: z.object({}),
  cron: '17 3 * * *',
  retry: { limit: 2 },
  handler: async (_payload, { db, logger }) => {
    const deleted = await pruneIdentityRecords(db);
    logger.info({ deleted }, 'pruned stale sign-in records');
  },
});

declare module '../../platform/jobs.ts' {
  interface JobServices {
    /** How identity emails are sent: the provider, the public URL for links, the sender. */
    mail: MailDeps;
  }
}

/** The verification email after sign-up (the token is made when the email is sent). */
export const sendVerificationEmailJob = defineJob({
  name: 'identity.send_verification_email',
  schema: z.object({ accountId: z.uuid(), userId: z.uuid() }),
  handler: async ({ userId }, { db, services, jobId }) => {
    await sendVerificationEmail(db, services.mail, userId, `verify:${jobId}`);
  },
});

export const sendPasswordResetEmailJob = defineJob({
  name: 'identity.send_password_reset_email',
  schema: z.object({ userId: z.uuid() }),
  handler: async ({ userId }, { db, services, jobId }) => {
    await sendPasswordResetEmail(db, services.mail, userId, `reset:${jobId}`);
  },
});

export const identityJobs = [pruneIdentityJob, sendVerificationEmailJob, sendPasswordResetEmailJob];
