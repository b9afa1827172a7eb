import type { FastifyInstance } from 'fastify';
import { type AppDeps, buildApp } from './app.ts';
import type { Config } from './config.ts';
import { deferredDatabase } from './db/deferred.ts';
import { maintainEmbedded } from './db/statistics.ts';
import { seedDemo } from './modules/demo/demo.seed.ts';
import { createJobQueue } from './platform/jobs.ts';
import { createLifecycle } from './platform/lifecycle.ts';
import { createLogger, type Logger } from './platform/logger.ts';
import { loadAuthPepper, loadKeyring } from './platform/secrets.ts';
import { allJobs, jobServices, lockIfEmbedded, openPreparedDatabase } from './runtime.ts';

export type RunningServer = {
  app: FastifyInstance;
  /** Resolves when the database is migrated and the service is ready. */
  ready: Promise<void>;
  /** Graceful stop: readiness 503, in-flight requests and jobs drain, database closes. */
  stop(): Promise<void>;
};

/**
 * Listens at once (so /healthz answers while the embedded database starts), then opens and
 * migrates the database, seeds the demo account on first run, and starts the in-process worker.
 */
export async function startServer(
  config: Config,
  options: { logger?: Logger; configure?: AppDeps['configure'] } = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const release = lockIfEmbedded(config);
  try {
    if (loadAuthPepper(config).generated) {
      logger.warn(
        'AUTH_PEPPER is not set: generated one into the data dir; set it when running several servers',
      );
    }
    if (loadKeyring(config).generated) {
      logger.warn(
        'ENCRYPTION_KEYS is not set: generated a key into the data dir (encryption-keys); back it up, stored secrets cannot be read without it; set ENCRYPTION_KEYS when running several servers',
      );
    }
  } catch (error) {
    release();
    throw error;
  }
  const lifecycle = createLifecycle('starting');
  const db = deferredDatabase(config.databaseUrl ? 'postgres' : 'pglite');
  db.onSystemUse = (reason) => logger.info({ reason }, 'cross-tenant path');
  let jobs: ReturnType<typeof createJobQueue>;
  try {
    jobs = createJobQueue({
      db,
      logger,
      jobs: allJobs,
      supervise: config.workerMode === 'inline',
      services: jobServices(config, db),
    });
  } catch (error) {
    release();
    throw error;
  }
  let app: FastifyInstance;
  try {
    app = await buildApp({ config, db, logger, jobs, lifecycle, configure: options.configure });
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    release();
    throw error;
  }

  let analyzeTimer: NodeJS.Timeout | undefined;
  let jobsStarted = false;
  const ready = (async () => {
    const real = await openPreparedDatabase(config, logger);
    db.resolve(real);
    await jobs.start();
    jobsStarted = true;
    if (config.demoSeed) {
      const demo = await seedDemo(real, config.dataDir);
      if (demo.created) {
        logger.info({ email: demo.email }, 'demo account created');
        process.stdout.write(
          `\n  Demo login (first run):  ${demo.email}  /  ${demo.password}\n  Saved in ${demo.credentialsFile}\n\n`,
        );
      } else {
        process.stdout.write(`\n  Demo login: ${demo.email} (password in ${demo.credentialsFile})\n\n`);
      }
    }
    if (config.workerMode === 'inline') await jobs.work({ concurrency: config.workerConcurrency });
    if (real.engine === 'pglite') {
      analyzeTimer = setInterval(() => {
        const started = Date.now();
        maintainEmbedded(real).then(
          () => logger.debug({ ms: Date.now() - started }, 'embedded database maintained'),
          (error) => logger.warn({ err: error }, 'embedded database maintenance failed'),
        );
      }, 10 * 60_000);
      analyzeTimer.unref();
    }
    lifecycle.state = 'ready';
    logger.info({ url: config.baseUrl }, 'Porchlight is ready');
  })();
  ready.catch((error) => {
    lifecycle.state = 'failed';
    lifecycle.detail = 'Start-up failed; see the log';
    db.reject(error);
  });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      lifecycle.state = 'draining';
      clearInterval(analyzeTimer);
      await app.close(); // stops accepting; in-flight requests finish
      // Handlers whose clients hung up are still running: let them finish with the database.
      if (!(await app.handlers.idle(Math.max(1000, config.shutdownTimeoutMs - 5000)))) {
        logger.warn({ running: app.handlers.running }, 'stopping with route handlers still running');
      }
      // A stop during start-up lets the migration or seed in progress finish first.
      await ready.catch(() => {});
      if (jobsStarted) await jobs.stop(Math.max(1000, config.shutdownTimeoutMs - 5000));
      await db.close();
      release();
    })();
    return stopping;
  };
  return { app, ready, stop };
}
