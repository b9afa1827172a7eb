import { z } from 'zod';
import { defineJob } from '../../platform/jobs.ts';
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
