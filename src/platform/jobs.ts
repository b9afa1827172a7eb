import PgBoss from 'pg-boss';
import type { z } from 'zod';
import type { Database, SqlClient } from '../db/client.ts';
import { APP_ROLE } from '../db/tenant.ts';
import type { Logger } from './logger.ts';

/**
 * Durable jobs on PostgreSQL (pg-boss 10, the last release for Node 20), on both engines:
 * pg-boss talks to the database through our `executeSql` adapter, so it runs on PGlite too.
 *
 * - `enqueue(client, job, payload)` runs inside the caller's transaction: a rolled-back
 *   transaction leaves no job behind (the transactional outbox).
 * - Retries back off exponentially; after the last attempt the job is failed and a copy
 *   lands in its dead-letter queue (`<name>__dead`), where nothing works it: it stays visible.
 */
export type RetryPolicy = { limit: number; delaySeconds: number; backoff: boolean };

/** The one default every job starts from: 5 retries, 10 s doubling (about 5 minutes in all). */
export const DEFAULT_RETRY: RetryPolicy = { limit: 5, delaySeconds: 10, backoff: true };

/**
 * What handlers need besides the database (providers, URLs). Empty here: each module that
 * needs something adds it by declaration merging, and the entry points supply it.
 */
// biome-ignore lint/suspicious/noEmptyInterface: augmented by modules
export interface JobServices {}

export type JobContext = {
  db: Database;
  logger: Logger;
  jobId: string;
  attempt: number;
  services: JobServices;
  /** Adds a follow-up job in the caller's transaction (the queue this job runs on). */
  enqueue: JobQueue['enqueue'];
  /** Asks this process's workers of a queue to fetch now (after the follow-up's commit). */
  wake: JobQueue['wake'];
};

export type JobDefinition<S extends z.ZodType = z.ZodType> = {
  name: string;
  schema: S;
  retry: RetryPolicy;
  /** Seconds one attempt may run before it is failed and retried. */
  expireSeconds: number;
  /** A cron expression (UTC) when the job runs on a schedule, with an empty payload. */
  cron?: string | undefined;
  handler: (payload: z.output<S>, ctx: JobContext) => Promise<void>;
};

/** Declares a job. Payloads carry ids (with `accountId` for tenant work), never objects. */
export function defineJob<S extends z.ZodType>(def: {
  name: string;
  schema: S;
  retry?: Partial<RetryPolicy>;
  expireSeconds?: number;
  cron?: string;
  handler: (payload: z.output<S>, ctx: JobContext) => Promise<void>;
}): JobDefinition<S> {
  if (!/^[a-z][a-z0-9_.-]{1,60}$/.test(def.name)) throw new Error(`job name "${def.name}" is not valid`);
  return {
    name: def.name,
    schema: def.schema,
    retry: { ...DEFAULT_RETRY, ...def.retry },
    expireSeconds: def.expireSeconds ?? 15 * 60,
    cron: def.cron,
    handler: def.handler,
  };
}

/** Jobs fetched per poll by each worker. */
const BATCH_SIZE = 10;

/**
 * How often a worker fetches on its own on PGlite. The process's one check for due jobs tells
 * the workers of a queue when it has work, so their own polls are only a safety net.
 */
const WORKER_IDLE_POLL_SECONDS = 60;

/**
 * The queues, among `names`, with a job due now: one indexed read (pg-boss's partial index on
 * name and start_after of the jobs not yet taken) for every queue at once.
 */
const DUE_QUEUES_SQL = `SELECT DISTINCT name FROM pgboss.job
  WHERE name = ANY($1::text[]) AND state < 'active' AND start_after < now()`;

export function deadLetterQueue(name: string): string {
  return `${name}__dead`;
}

export type EnqueueOptions = { startAfterSeconds?: number; singletonKey?: string };

export type JobQueue = {
  /** Installs pg-boss's schema (idempotent), grants the app role, creates every queue. */
  start(): Promise<void>;
  /** Adds a job inside the caller's transaction (the client `withTenant` gave it). */
  enqueue<S extends z.ZodType>(
    client: SqlClient,
    job: JobDefinition<S>,
    payload: z.input<S>,
    options?: EnqueueOptions,
  ): Promise<string>;
  /** Starts polling every queue in this process. */
  work(options?: { concurrency?: number; pollingIntervalSeconds?: number }): Promise<void>;
  /** Stops taking jobs; waits up to `timeoutMs` for running ones; never closes the database. */
  stop(timeoutMs?: number): Promise<void>;
  /**
   * Asks this process's workers of a queue to fetch now rather than at their next poll (after a
   * commit that queued a job someone is waiting for). Does nothing where no worker of it runs.
   */
  wake(name: string): void;
  /** How many jobs of a kind sit in each state (tests and the dashboard). */
  counts(name: string): Promise<Record<string, number>>;
  boss: PgBoss;
};

export function createJobQueue(options: {
  db: Database;
  logger: Logger;
  jobs: JobDefinition[];
  /** Maintenance (expiry, archiving) runs where jobs are worked. */
  supervise?: boolean;
  services?: JobServices;
}): JobQueue {
  const { db, logger } = options;
  const definitions = new Map(options.jobs.map((j) => [j.name, j]));
  // pg-boss completes a batch without awaiting it; stop() waits for those stragglers, so the
  // database can be closed right after without a query hitting a closed pool.
  const inflight = new Set<Promise<unknown>>();
  const adapter = {
    executeSql: (text: string, values?: unknown[]) => {
      const query = db.query(text, values);
      inflight.add(query);
      query.then(
        () => inflight.delete(query),
        () => inflight.delete(query),
      );
      return query;
    },
  };
  const boss = new PgBoss({
    db: adapter,
    schema: 'pgboss',
    supervise: options.supervise ?? true,
    // Cron jobs are fired where maintenance runs (the worker); every process can enqueue.
    schedule: options.supervise ?? true,
    migrate: true,
  } as unknown as PgBoss.ConstructorOptions);
  boss.on('error', (error) => logger.error({ err: error }, 'job queue error'));
  const workerIds: string[] = [];
  let dueCheck: NodeJS.Timeout | undefined;
  const workersByQueue = new Map<string, string[]>();

  /** Runs one job; a failure fails that job alone (pg-boss then retries or dead-letters it). */
  async function runOne(job: JobDefinition, item: PgBoss.JobWithMetadata<object>): Promise<void> {
    const log = logger.child({ job: job.name, jobId: item.id, attempt: item.retryCount + 1 });
    const started = Date.now();
    try {
      const payload = job.schema.parse(item.data);
      await job.handler(payload, {
        db,
        logger: log,
        jobId: item.id,
        attempt: item.retryCount + 1,
        services: options.services ?? ({} as JobServices),
        enqueue: (client, next, data, opts) => queue.enqueue(client, next, data, opts),
        wake: (name) => queue.wake(name),
      });
      log.debug({ ms: Date.now() - started }, 'job done');
    } catch (error) {
      const last = item.retryCount >= item.retryLimit;
      log.warn({ err: error, ms: Date.now() - started, deadLetter: last }, 'job failed');
      // The message only: an error's other fields can carry personal data.
      try {
        await boss.fail(job.name, item.id, {
          message: error instanceof Error ? error.message : String(error),
        });
      } catch (failError) {
        // The queue stopped under a job that outlived the stop's timeout: pg-boss will expire
        // and retry it. Nothing may escape as an unhandled rejection.
        log.warn({ err: failError }, 'job failure not recorded');
      }
    }
  }

  /**
   * On PGlite, instead of every queue's worker polling (18 queues each second: 6-15% of a core
   * and the one session busy between requests at idle), one read a poll interval asks which
   * queues have a job due (a delayed one, a retry, a cron's, a follow-up queued by a job without
   * a wake) and wakes their workers; a job queued with a wake runs at once, as before. On
   * PostgreSQL the workers poll as pg-boss does, on a pool (decision 002).
   */
  function checkForDueJobs(intervalSeconds: number) {
    const names = [...workersByQueue.keys()];
    let checking = false;
    clearInterval(dueCheck);
    dueCheck = setInterval(async () => {
      if (checking) return;
      checking = true;
      try {
        // Through the adapter: stop() waits for it before the database may close.
        const { rows } = await adapter.executeSql(DUE_QUEUES_SQL, [names]);
        for (const row of rows) queue.wake(String(row.name));
      } catch (error) {
        logger.warn({ err: error }, 'due-job check failed');
      } finally {
        checking = false;
      }
    }, intervalSeconds * 1000);
    dueCheck.unref();
  }

  const queue: JobQueue = {
    boss,
    async start() {
      await boss.start();
      await db.query(`GRANT USAGE ON SCHEMA pgboss TO ${APP_ROLE}`);
      await db.query(`GRANT SELECT ON pgboss.queue TO ${APP_ROLE}`);
      // Enqueue only: INSERT … RETURNING id. Tenants cannot read each other's job payloads.
      await db.query(`GRANT INSERT, SELECT (id) ON pgboss.job TO ${APP_ROLE}`);
      for (const job of definitions.values()) {
        const dead = deadLetterQueue(job.name);
        await boss.createQueue(dead, { name: dead, retentionMinutes: 60 * 24 * 30 } as PgBoss.Queue);
        await boss.createQueue(job.name, {
          name: job.name,
          retryLimit: job.retry.limit,
          retryDelay: job.retry.delaySeconds,
          retryBackoff: job.retry.backoff,
          expireInSeconds: job.expireSeconds,
          deadLetter: dead,
        } as PgBoss.Queue);
        if (job.cron) await boss.schedule(job.name, job.cron, {}, { tz: 'UTC' });
      }
    },
    async enqueue(client, job, payload, opts = {}) {
      if (!definitions.has(job.name)) throw new Error(`job ${job.name} is not registered`);
      const data = job.schema.parse(payload) as object;
      const id = await boss.send(job.name, data, {
        db: { executeSql: (text: string, values?: unknown[]) => client.query(text, values) },
        ...(opts.startAfterSeconds ? { startAfter: opts.startAfterSeconds } : {}),
        ...(opts.singletonKey ? { singletonKey: opts.singletonKey } : {}),
      } as PgBoss.SendOptions);
      if (!id) throw new Error(`job ${job.name} was not enqueued`);
      return id;
    },
    async work(workOptions = {}) {
      const pollingIntervalSeconds = workOptions.pollingIntervalSeconds ?? 1;
      // The embedded database is one session in this process: one worker per queue (each runs
      // its batch's jobs side by side) that does not poll it; see `checkForDueJobs`.
      const embedded = db.engine === 'pglite';
      const concurrency = embedded ? 1 : (workOptions.concurrency ?? 1);
      for (const job of definitions.values()) {
        for (let i = 0; i < concurrency; i++) {
          let workerId = '';
          // A batch per fetch, each job settled on its own: pg-boss 10 waits out the polling
          // interval after every fetch, so one job per fetch would cap a worker at one job a
          // second. A full batch asks for the next one at once (notifyWorker skips the wait).
          workerId = await boss.work(
            job.name,
            {
              batchSize: BATCH_SIZE,
              pollingIntervalSeconds: embedded
                ? Math.max(pollingIntervalSeconds, WORKER_IDLE_POLL_SECONDS)
                : pollingIntervalSeconds,
              includeMetadata: true,
            },
            async (items: PgBoss.JobWithMetadata<object>[]) => {
              await Promise.all(items.map((item) => runOne(job, item)));
              if (items.length === BATCH_SIZE) boss.notifyWorker(workerId);
            },
          );
          workerIds.push(workerId);
          workersByQueue.set(job.name, [...(workersByQueue.get(job.name) ?? []), workerId]);
        }
      }
      if (embedded) checkForDueJobs(pollingIntervalSeconds);
    },
    async stop(timeoutMs = 20_000) {
      clearInterval(dueCheck);
      await boss.stop({ graceful: true, close: false, timeout: timeoutMs, wait: true });
      await Promise.allSettled([...inflight]);
    },
    wake(name) {
      for (const id of workersByQueue.get(name) ?? []) boss.notifyWorker(id);
    },
    async counts(name) {
      const { rows } = await db.query<{ state: string; n: number }>(
        'SELECT state::text AS state, count(*)::int AS n FROM pgboss.job WHERE name = $1 GROUP BY state',
        [name],
      );
      return Object.fromEntries(rows.map((r) => [r.state, r.n]));
    },
  };
  return queue;
}
