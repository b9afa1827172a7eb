import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { signUp } from '../../../test/http.ts';
import { buildApp } from '../../app.ts';
import { testConfig } from '../../config.ts';
import { identityJobs } from '../../modules/identity/identity.jobs.ts';
import { createJobQueue, type JobQueue } from '../../platform/jobs.ts';
import { createLogger } from '../../platform/logger.ts';
import { FAKE_TWILIO_ACCOUNT_SID, FAKE_TWILIO_AUTH_TOKEN } from '../sms/twilio.fake.ts';
import { FAKE_BREVO_KEY, fakeBrevo } from './brevo.fake.ts';
import { createEmailProvider } from './index.ts';

/**
 * A provider outage, end to end: the real verification-email job sends through Brevo's API
 * (the fake), which answers 500 once and then recovers. The job's retry sends it, once.
 */
const fake = fakeBrevo();
let db: TestDatabase;
let app: FastifyInstance;
let jobs: JobQueue;

beforeAll(async () => {
  await fake.start();
  const config = testConfig({
    EMAIL_PROVIDER: 'brevo',
    BREVO_API_KEY: FAKE_BREVO_KEY,
    BREVO_API_URL: fake.url,
    // Real texts too (never reached here): with any dev provider the dev outbox would exist.
    SMS_PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: FAKE_TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: FAKE_TWILIO_AUTH_TOKEN,
    TWILIO_API_URL: 'http://127.0.0.1:9',
  });
  db = await createTestDatabase();
  jobs = createJobQueue({
    db,
    logger: createLogger('silent'),
    jobs: identityJobs,
    services: {
      // Identity jobs only: nothing here sends through the messaging module or scores.
      messaging: undefined as never,
      ai: undefined as never,
      billing: undefined as never,
      mail: {
        email: createEmailProvider(config, () => {
          throw new Error('not the dev provider');
        }),
        baseUrl: config.baseUrl,
        emailFrom: config.emailFrom,
      },
      pepper: 'test-pepper',
    },
  });
  await jobs.start();
  await jobs.work({ pollingIntervalSeconds: 0.5 });
  app = await buildApp({ config, db, logger: createLogger('silent'), jobs });
  await app.ready();
});
afterAll(async () => {
  await jobs?.stop(1000);
  await app?.close();
  await db?.destroy();
  await fake.stop();
});

describe('an email provider outage', () => {
  it('ends with the message sent exactly once, by the retry', async () => {
    fake.failNext(1, 500);
    const owner = await signUp(app, 'outage');
    const deadline = Date.now() + 45_000;
    while (fake.accepted.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    await new Promise((r) => setTimeout(r, 1500)); // nothing more arrives
    expect(fake.accepted.map((m) => m.to[0]?.email)).toEqual([owner.email]);
    expect(fake.seen).toEqual(['POST /v3/smtp/email', 'POST /v3/smtp/email']);
    expect(fake.unexpected).toEqual([]);
    // No dev outbox with real providers.
    expect((await app.inject({ method: 'GET', url: '/api/v1/dev/outbox' })).statusCode).toBe(404);
  }, 60_000);
});
