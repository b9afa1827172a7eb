import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase, type TestDatabase, testEngine } from '../../test/db.ts';
import { withTenant } from '../db/tenant.ts';
import { createJobQueue, deadLetterQueue, defineJob, type JobQueue } from './jobs.ts';
import { createLogger } from './logger.ts';

const ACCOUNT = '5d7c5c1e-3f0a-4a64-9d0e-6a0b5d3f2c11';
const seen: string[] = [];
let failures = 0;

const recordJob = defineJob({
  name: 'test.record',
  schema: z.object({ accountId: z.uuid(), marker: z.string() }),
  handler: async (payload) => {
    seen.push(payload.marker);
  },
});

const failingJob = defineJob({
  name: 'test.always_fails',
  schema: z.object({ accountId: z.uuid() }),
  retry: { limit: 2, delaySeconds: 1, backoff: false },
  handler: async () => {
    failures++;
    throw new Error('provider down');
  },
});

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

let db: TestDatabase;
let queue: JobQueue;
beforeAll(async () => {
  db = await createTestDatabase();
  queue = createJobQueue({ db, logger: createLogger('silent'), jobs: [recordJob, failingJob] });
  await queue.start();
  await queue.work({ pollingIntervalSeconds: 0.5 });
});
afterAll(async () => {
  await queue?.stop(2000);
  await db?.destroy();
});

describe('durable jobs', () => {
  it('runs a job enqueued in a committed transaction, never one from a rolled-back one', async () => {
    await expect(
      withTenant(db, ACCOUNT, async (_tx, client) => {
        await queue.enqueue(client, recordJob, { accountId: ACCOUNT, marker: 'rolled-back' });
        throw new Error('abort the transaction');
      }),
    ).rejects.toThrow('abort the transaction');
    await withTenant(db, ACCOUNT, async (_tx, client) => {
      await queue.enqueue(client, recordJob, { accountId: ACCOUNT, marker: 'committed' });
    });
    await until(() => seen.includes('committed'));
    // Give the worker more polls: the rolled-back job must never appear.
    await new Promise((r) => setTimeout(r, 1500));
    expect(seen).toEqual(['committed']);
  });

  it('rejects a payload that does not match the job schema at enqueue time', async () => {
    await expect(
      withTenant(db, ACCOUNT, async (_tx, client) =>
        queue.enqueue(client, recordJob, { accountId: 'nope', marker: 'x' }),
      ),
    ).rejects.toThrow();
  });

  it('retries a failing job, then leaves it failed with a copy in the dead-letter queue', async () => {
    await withTenant(db, ACCOUNT, async (_tx, client) => {
      await queue.enqueue(client, failingJob, { accountId: ACCOUNT });
    });
    await until(async () => (await queue.counts(deadLetterQueue(failingJob.name))).created === 1, 30_000);
    expect(failures).toBe(3); // the first attempt and two retries
    expect((await queue.counts(failingJob.name)).failed).toBe(1);
  });
});

describe.skipIf(testEngine !== 'pglite')('idle workers on the embedded database', () => {
  it('do not poll it themselves: one read a poll interval finds due jobs and wakes their queue', async () => {
    const idleDb = await createTestDatabase();
    // The same database, with its statements counted.
    const statements: string[] = [];
    const counted = {
      ...idleDb,
      query: ((text: string, values?: unknown[]) => {
        statements.push(text);
        return idleDb.query(text, values);
      }) as typeof idleDb.query,
    };
    const ran: string[] = [];
    const delayedJob = defineJob({
      name: 'test.delayed',
      schema: z.object({ accountId: z.uuid(), marker: z.string() }),
      handler: async (payload) => {
        ran.push(payload.marker);
      },
    });
    const idleQueue = createJobQueue({
      db: counted,
      logger: createLogger('silent'),
      jobs: [recordJob, failingJob, delayedJob],
    });
    try {
      await idleQueue.start();
      await idleQueue.work({ pollingIntervalSeconds: 0.5, concurrency: 4 });
      statements.length = 0;
      await new Promise((r) => setTimeout(r, 2600));
      const fetches = statements.filter((s) => /^\s*WITH next as/i.test(s)).length;
      const checks = statements.filter((s) => s.includes('SELECT DISTINCT name FROM pgboss.job')).length;
      // Three queues with four workers each (asked for; one each on PGlite) polling every 0.5 s
      // used to be about 60 fetches here; now none, and the one check about every half second.
      expect(fetches).toBe(0);
      expect(checks).toBeGreaterThanOrEqual(1);
      expect(checks).toBeLessThanOrEqual(6);

      // A job due later (not woken by anyone) is found by the check and run.
      await withTenant(idleDb, ACCOUNT, async (_tx, client) => {
        await idleQueue.enqueue(
          client,
          delayedJob,
          { accountId: ACCOUNT, marker: 'later' },
          { startAfterSeconds: 1 },
        );
      });
      await until(() => ran.includes('later'), 10_000);
    } finally {
      await idleQueue.stop(2000);
      await idleDb.destroy();
    }
  }, 60_000);
});
