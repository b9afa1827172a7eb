import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { makeAccount } from '../../../test/factories.ts';
import { withSystem } from '../../db/tenant.ts';
import { createJobQueue } from '../../platform/jobs.ts';
import { createLogger } from '../../platform/logger.ts';
import { pruneIdentityJob } from './identity.jobs.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.destroy());

const hex = () => crypto.randomBytes(32).toString('hex');

describe('identity.prune', () => {
  it('deletes old sign-in attempts, dead sessions and spent tokens, and keeps live ones', async () => {
    const { user } = await makeAccount(db);
    await withSystem(db, 'test: seed', async (_tx, c) => {
      const attempt = `INSERT INTO login_attempts (id, email, ip_hash, success, attempted_at) VALUES ($1, 'p@example.test', 'h', false, now() - $2::interval)`;
      await c.query(attempt, [crypto.randomUUID(), '40 days']);
      await c.query(attempt, [crypto.randomUUID(), '1 day']);
      const session = `INSERT INTO sessions (id, token_hash, user_id, expires_at, revoked_at) VALUES ($1, $2, $3, now() + interval '1 day', $4)`;
      await c.query(session, [crypto.randomUUID(), hex(), user.id, new Date(Date.now() - 10 * 86_400_000)]);
      await c.query(session, [crypto.randomUUID(), hex(), user.id, null]);
      const token = `INSERT INTO password_reset_tokens (id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, now() - $4::interval)`;
      await c.query(token, [crypto.randomUUID(), user.id, hex(), '10 days']);
      await c.query(token, [crypto.randomUUID(), user.id, hex(), '1 hour']);
    });
    await pruneIdentityJob.handler(
      {},
      {
        db,
        logger: createLogger('silent'),
        jobId: 'test',
        attempt: 1,
        services: {} as never,
        enqueue: () => Promise.reject(new Error('no queue')),
        wake: () => {},
      },
    );
    const left = await withSystem(db, 'test: count', async (_tx, c) => ({
      attempts: (await c.query('SELECT 1 FROM login_attempts')).rowCount,
      sessions: (await c.query('SELECT 1 FROM sessions')).rowCount,
      tokens: (await c.query('SELECT 1 FROM password_reset_tokens')).rowCount,
    }));
    expect(left).toEqual({ attempts: 1, sessions: 1, tokens: 1 });
  });

  it('is scheduled nightly when the queue starts', async () => {
    const queue = createJobQueue({ db, logger: createLogger('silent'), jobs: [pruneIdentityJob] });
    await queue.start();
    const schedules = await queue.boss.getSchedules();
    expect(schedules).toContainEqual(expect.objectContaining({ name: 'identity.prune', cron: '17 3 * * *' }));
    await queue.stop(1000);
  });
});
