import { z } from 'zod';
import { defineJob, type JobDefinition } from '../../platform/jobs.ts';
import { deleteAbandonedUploads, failImport, runImport } from './import-run.service.ts';

const RETRY_LIMIT = 5;

/**
 * Works one queued import to its end (import-run.service.ts). Resumable: a retry continues
 * from the first pending row. When the last attempt fails, the import is marked `failed` with
 * the error's message (rows already worked stay, and the import cannot be undone as a whole).
 */
export const runImportJob = defineJob({
  name: 'imports.run',
  schema: z.object({ accountId: z.uuid(), importId: z.uuid() }),
  retry: { limit: RETRY_LIMIT },
  // A million-row file takes minutes; an attempt that outlives this is retried (and resumes).
  expireSeconds: 60 * 60,
  handler: async ({ accountId, importId }, { db, attempt, logger }) => {
    try {
      await runImport(db, accountId, importId);
    } catch (error) {
      if (attempt > RETRY_LIMIT) {
        await failImport(db, accountId, importId, error instanceof Error ? error.message : String(error));
      }
      logger.warn({ importId, attempt }, 'import batch failed');
      throw error;
    }
  },
});

/** Hourly (at :37): deletes uploads cut off mid-file two hours ago (import-run.service.ts). */
export const sweepImportsJob = defineJob({
  name: 'imports.sweep',
  schema: z.object({}),
  cron: '37 * * * *',
  retry: { limit: 2 },
  expireSeconds: 30 * 60,
  handler: async (_payload, { db, logger }) => {
    const totals = await deleteAbandonedUploads(db, { now: new Date(), logger });
    logger.info(totals, 'abandoned uploads swept');
  },
});

export const importsJobs: JobDefinition[] = [runImportJob, sweepImportsJob];
