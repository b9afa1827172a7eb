import type { Config } from './config.ts';
import { createJobQueue } from './platform/jobs.ts';
import { createLogger, type Logger } from './platform/logger.ts';
import { allJobs, jobServices, lockIfEmbedded, openPreparedDatabase } from './runtime.ts';

/** The job runner as its own process: the same modules' jobs, no HTTP. */
export async function startWorker(config: Config, options: { logger?: Logger } = {}) {
  const logger = options.logger ?? createLogger(config.logLevel);
  const release = lockIfEmbedded(config);
  try {
    const db = await openPreparedDatabase(config, logger);
    const jobs = createJobQueue({
      db,
      logger,
      jobs: allJobs,
      supervise: true,
      services: jobServices(config, db),
    });
    await jobs.start();
    await jobs.work({ concurrency: config.workerConcurrency });
    logger.info(
      { jobs: allJobs.map((j) => j.name), concurrency: config.workerConcurrency },
      'worker started',
    );
    return {
      stop: async () => {
        await jobs.stop(Math.max(1000, config.shutdownTimeoutMs - 5000));
        await db.close();
        release();
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
