import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { makeAccount } from '../../../test/factories.ts';
import { fakeResolver, SSRF_CORPUS } from '../../../test/fixtures/ssrf.ts';
import { testConfig } from '../../config.ts';
import type { SqlClient } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import { createJobQueue, type JobQueue } from '../../platform/jobs.ts';
import { createLogger } from '../../platform/logger.ts';
import { generateEncryptionKey, loadKeyring, parseEncryptionKeys } from '../../platform/secrets.ts';
import {
  checkDestination,
  createSafeHttpClient,
  type DestinationPolicy,
  type HttpClient,
  type OutboundRequest,
  type OutboundResult,
} from '../../platform/ssrf.ts';
import { allJobs } from '../../runtime.ts';
import { devEmailProvider, listOutbox } from '../outbox/outbox.service.ts';
import {
  listDeliveries,
  notifyWebhookDisabled,
  requeueOverdueDeliveries,
  sendTestEvent,
} from './deliveries.service.ts';
import {
  type AttemptOutcome,
  attemptDelivery,
  type DeliveryDeps,
  DISABLE_AFTER_MS,
  JITTER,
  MAX_ATTEMPTS,
  parseRetryAfter,
  RETRY_SCHEDULE_SECONDS,
  signingSecrets,
} from './delivery.ts';
import { emitLeadWebhookEvents, MAX_PAYLOAD_BYTES, queueDelivery } from './webhooks.events.ts';
import type { WebhookRow } from './webhooks.repo.ts';
import { createWebhook, rotateWebhookSecret, rotateWebhookSecrets } from './webhooks.service.ts';

/**
 * The attempt logic driven with a fake clock and a fake HTTP client (no worker runs here: the
 * queue is installed so deliveries can be queued, and each attempt is made by hand).
 */

let db: TestDatabase;
let jobs: JobQueue;
const keyring = loadKeyring(testConfig()).keyring;
const open: DestinationPolicy = { allowPrivate: true, requireHttps: false, resolve: fakeResolver() };

beforeAll(async () => {
  db = await createTestDatabase();
  jobs = createJobQueue({ db, logger: createLogger('silent'), jobs: allJobs, supervise: false });
  await jobs.start();
});
afterAll(async () => {
  await jobs.stop(500);
  await db.destroy();
});

type Sent = OutboundRequest & { at: Date };

/** A fake receiver answering from a script (the last answer repeats), recording each request and its time. */
function scripted(
  clock: { now: Date },
  answers: Partial<OutboundResult>[],
): { http: HttpClient; sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    http: async (request) => {
      sent.push({ ...request, at: clock.now });
      const answer = answers[Math.min(sent.length - 1, answers.length - 1)]!;
      return { ok: true, status: 200, headers: {}, durationMs: 3, ...answer } as OutboundResult;
    },
  };
}

async function setup(options: { url?: string; events?: ('lead.created' | 'call.missed')[] } = {}) {
  const { account, user: owner } = await makeAccount(db);
  const hook = await createWebhook({ db, keyring, policy: open }, account.id, {
    url: options.url ?? 'http://public.example/hook',
    events: options.events ?? ['lead.created'],
  });
  return { accountId: account.id, owner, hook };
}

function rig(accountId: string, http: HttpClient, clock: { now: Date }, extra: Partial<DeliveryDeps> = {}) {
  const scheduled: number[] = [];
  const notified: string[] = [];
  const deps: DeliveryDeps = {
    db,
    keyring,
    http,
    baseUrl: 'https://app.example',
    now: () => clock.now,
    scheduleNext: async (_client: SqlClient, _id: string, seconds: number) => {
      scheduled.push(seconds);
    },
    notifyDisabled: async (_client: SqlClient, webhookId: string) => {
      notified.push(webhookId);
    },
    ...extra,
  };
  const attempt = (deliveryId: string) => attemptDelivery(deps, { accountId, deliveryId });
  return { deps, scheduled, notified, attempt };
}

const webhookOf = (accountId: string, id: string) =>
  withTenant(db, accountId, async (_tx, client) => {
    const { rows } = await client.query<{
      status: string;
      disabled_reason: string | null;
      failing_since: Date | null;
      last_success_at: Date | null;
    }>(
      'SELECT status, disabled_reason, failing_since, last_success_at FROM webhooks WHERE account_id = $1 AND id = $2',
      [accountId, id],
    );
    return rows[0]!;
  });

const attemptsOf = (accountId: string, deliveryId: string) =>
  withTenant(db, accountId, async (_tx, client) => {
    const { rows } = await client.query<{
      attempt: number;
      status_code: number | null;
      error: string | null;
    }>(
      'SELECT attempt, status_code, error FROM webhook_attempts WHERE account_id = $1 AND delivery_id = $2 ORDER BY attempt',
      [accountId, deliveryId],
    );
    return rows;
  });

describe('the retry schedule', () => {
  it('retries a failing endpoint on the schedule ± jitter for at least 72 h with one webhook-id, then fails', async () => {
    const { accountId, hook } = await setup();
    const delivery = await sendTestEvent({ db, keyring, policy: open }, accountId, hook.id);
    const start = new Date();
    const clock = { now: start };
    const { http, sent } = scripted(clock, [{ status: 500 }]);
    const { attempt, scheduled } = rig(accountId, http, clock);
    let outcome: AttemptOutcome;
    do {
      outcome = await attempt(delivery.id);
      if (outcome.kind !== 'attempted') throw new Error(`skipped: ${JSON.stringify(outcome)}`);
      if (outcome.nextAttemptInSeconds !== null)
        clock.now = new Date(clock.now.getTime() + outcome.nextAttemptInSeconds * 1000);
    } while (outcome.delivery === 'pending');

    expect(sent).toHaveLength(MAX_ATTEMPTS);
    expect(new Set(sent.map((s) => s.headers['webhook-id'])).size).toBe(1);
    expect(sent[0]!.headers['webhook-id']).toBe(delivery.messageId);
    // Each attempt signs with its own time.
    expect(sent.map((s) => Number(s.headers['webhook-timestamp']))).toEqual(
      sent.map((s) => Math.floor(s.at.getTime() / 1000)),
    );
    for (const [i, base] of RETRY_SCHEDULE_SECONDS.entries()) {
      const gap = (sent[i + 1]!.at.getTime() - sent[i]!.at.getTime()) / 1000;
      expect(gap, `wait after attempt ${i + 1}`).toBeGreaterThanOrEqual(Math.floor(base * (1 - JITTER)));
      // The last wait may grow to make up the 72 hours.
      if (i < RETRY_SCHEDULE_SECONDS.length - 1)
        expect(gap, `wait after attempt ${i + 1}`).toBeLessThanOrEqual(Math.ceil(base * (1 + JITTER)));
    }
    expect(scheduled).toHaveLength(RETRY_SCHEDULE_SECONDS.length);
    const span = sent[sent.length - 1]!.at.getTime() - start.getTime();
    expect(span).toBeGreaterThanOrEqual(72 * 3_600_000);
    expect(outcome).toMatchObject({ delivery: 'failed', statusCode: 500, error: 'http_500', disabled: null });
    expect((await attemptsOf(accountId, delivery.id)).map((a) => a.attempt)).toEqual(
      Array.from({ length: MAX_ATTEMPTS }, (_, i) => i + 1),
    );
    const webhook = await webhookOf(accountId, hook.id);
    expect(webhook.status).toBe('active');
    expect(new Date(webhook.failing_since!).toISOString()).toBe(start.toISOString());
  });

  it('jitter is spread: the same schedule run twice does not land on the same seconds', async () => {
    const { accountId, hook } = await setup();
    const clock = { now: new Date() };
    const { http } = scripted(clock, [{ status: 503 }]);
    const waits: number[] = [];
    for (let i = 0; i < 2; i++) {
      const delivery = await sendTestEvent({ db, keyring, policy: open }, accountId, hook.id);
      const { attempt } = rig(accountId, http, clock);
      await attempt(delivery.id);
      clock.now = new Date(clock.now.getTime() + 5_000);
      const second = await attempt(delivery.id);
      waits.push((second as { nextAttemptInSeconds: number }).nextAttemptInSeconds);
    }
    expect(waits.every((w) => w >= 270 && w <= 330)).toBe(true);
  });

  it('a success clears failing_since; a 2xx after failures delivers', async () => {
    const { accountId, hook } = await setup();
    const delivery = await sendTestEvent({ db, keyring, policy: open }, accountId, hook.id);
    const clock = { now: new Date() };
    const { http } = scripted(clock, [
      { status: 502 },
      { ok: false, error: 'connection' } as never,
      { status: 204 },
    ]);
    const { attempt } = rig(accountId, http, clock);
    for (let i = 0; i < 3; i++) {
      const outcome = await attempt(delivery.id);
      if (outcome.kind === 'attempted' && outcome.nextAttemptInSeconds)
        clock.now = new Date(clock.now.getTime() + outcome.nextAttemptInSeconds * 1000);
    }
    const webhook = await webhookOf(accountId, hook.id);
    expect(webhook.failing_since).toBeNull();
    expect(new Date(webhook.last_success_at!).getTime()).toBe(clock.now.getTime());
    expect((await attemptsOf(accountId, delivery.id)).map((a) => [a.status_code, a.error])).toEqual([
      [502, 'http_502'],
      [null, 'connection'],
      [204, null],
    ]);
    // Done: a late duplicate job changes nothing.
    expect(await attempt(delivery.id)).toEqual({ kind: 'skipped', reason: 'done' });
  });
});

describe('answers that end or steer the retries', () => {
  it('410 disables the endpoint after that one attempt', async () => {
    const { accountId, hook } = await setup();
    const delivery = await sendTestEvent({ db, keyring, policy: open }, accountId, hook.id);
    const clock = { now: new Date() };
    const { http, sent } = scripted(clock, [{ status: 410 }]);
    const { attempt, scheduled } = rig(accountId, http, clock);
    expect(await attempt(delivery.id)).toMatchObject({
      delivery: 'failed',
      statusCode: 410,
      disabled: 'gone',
    });
    expect(sent).toHaveLength(1);
    expect(scheduled).toEqual([]);
    expect(await webhookOf(accountId, hook.id)).toMatchObject({
      status: 'disabled',
      disabled_reason: 'gone',
    });
    // Later deliveries to it are not attempted.
    const other = await withTenant(db, accountId, (_tx, client) =>
      queueDelivery(client, { accountId, webhookId: hook.id, event: 'webhook.test', data: {} }),
    );
    expect(await attempt(other!)).toEqual({ kind: 'skipped', reason: 'done' });
    expect(sent).toHaveLength(1);
  });

  it('honours Retry-After in seconds and as an HTTP date, bounded to a day', async () => {
    const { accountId, hook } = await setup();
    const clock = { now: new Date(Math.floor(Date.now() / 1000) * 1000) };
    for (const [header, expected] of [
      ['120', 120],
      [new Date(clock.now.getTime() + 3_600_000).toUTCString(), 3600],
      ['99999999', 86400],
    ] as const) {
      const delivery = await sendTestEvent({ db, keyring, policy: open }, accountId, hook.id);
      const { http } = scripted(clock, [{ status: 429, headers: { 'retry-after': header } }]);
      const { attempt, scheduled } = rig(accountId, http, clock);
      expect(await attempt(delivery.id)).toMatchObject({
        delivery: 'pending',
        nextAttemptInSeconds: expected,
      });
      expect(scheduled).toEqual([expected]);
    }
    expect(parseRetryAfter('soon', new Date())).toBeUndefined();
  });

  it('five days of failures disable the endpoint and tell owners and admins, once', async () => {
    const { accountId, owner, hook } = await setup();
    const clock = { now: new Date() };
    const { http } = scripted(clock, [{ status: 500 }]);
    const { attempt, notified } = rig(accountId, http, clock);
    const first = await sendTestEvent({ db, keyring, policy: open }, accountId, hook.id);
    await attempt(first.id);
    // Almost five days later: still active.
    clock.now = new Date(clock.now.getTime() + DISABLE_AFTER_MS - 60_000);
    const second = await sendTestEvent({ db, keyring, policy: open }, accountId, hook.id);
    expect(await attempt(second.id)).toMatchObject({ disabled: null, delivery: 'pending' });
    clock.now = new Date(clock.now.getTime() + 60_000);
    const third = await sendTestEvent({ db, keyring, policy: open }, accountId, hook.id);
    expect(await attempt(third.id)).toMatchObject({ disabled: 'failing', delivery: 'failed' });
    expect(await webhookOf(accountId, hook.id)).toMatchObject({
      status: 'disabled',
      disabled_reason: 'failing',
    });
    // The others' next attempts find the endpoint disabled: no request, no second email.
    clock.now = new Date(clock.now.getTime() + 24 * 3_600_000);
    expect(await attempt(second.id)).toEqual({ kind: 'skipped', reason: 'done' });
    expect(notified).toEqual([hook.id]);

    const mail = {
      email: devEmailProvider(db),
      baseUrl: 'https://app.example',
      emailFrom: 'Porchlight <x@example.test>',
    };
    expect(
      await notifyWebhookDisabled(db, mail, { accountId, webhookId: hook.id, idempotencyKey: 'k1' }),
    ).toBe(1);
    // A retried job sends nothing twice.
    await notifyWebhookDisabled(db, mail, { accountId, webhookId: hook.id, idempotencyKey: 'k1' });
    const emails = (await listOutbox(db)).filter((m) => m.accountId === accountId && m.channel === 'email');
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ to: owner.email, subject: 'A webhook endpoint was disabled' });
    expect(emails[0]!.body).toContain(hook.id);
    expect(emails[0]!.body).not.toContain('whsec_');
  });
});

describe('the network edge of an attempt', () => {
  let server: http.Server;
  let port = 0;
  let landed = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/redirect') res.writeHead(302, { location: `http://127.0.0.1:${port}/landed` }).end();
      else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end(), 3000).unref();
      else {
        if (req.url === '/landed') landed++;
        res.writeHead(200).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('a 302 to loopback is a failed attempt, never followed', async () => {
    const { accountId, hook } = await setup({ url: `http://127.0.0.1:${port}/redirect` });
    const delivery = await sendTestEvent({ db, keyring, policy: open }, accountId, hook.id);
    const { attempt } = rig(accountId, createSafeHttpClient(open), { now: new Date() });
    expect(await attempt(delivery.id)).toMatchObject({
      statusCode: 302,
      error: 'redirect',
      delivery: 'pending',
    });
    expect(landed).toBe(0);
  });

  it('an answer slower than the timeout is a failed attempt (a short timeout injected)', async () => {
    const { accountId, hook } = await setup({ url: `http://127.0.0.1:${port}/slow` });
    const delivery = await sendTestEvent({ db, keyring, policy: open }, accountId, hook.id);
    const { attempt } = rig(accountId, createSafeHttpClient(open), { now: new Date() }, { timeoutMs: 150 });
    const started = Date.now();
    expect(await attempt(delivery.id)).toMatchObject({
      statusCode: null,
      error: 'timeout',
      delivery: 'pending',
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it(`blocks the SSRF corpus (${SSRF_CORPUS.length}) and a rebinding name at delivery, with no connection`, async () => {
    const resolve = fakeResolver();
    const strict: DestinationPolicy = { allowPrivate: false, requireHttps: false, resolve };
    const { accountId, hook } = await setup();
    const { attempt } = rig(accountId, createSafeHttpClient(strict), { now: new Date() });
    const rebinding = `http://rebind.example:${port}/landed`;
    await checkDestination(rebinding, strict); // public when saved
    const onPort = (raw: string) => {
      const u = new URL(raw);
      if (!u.port) u.port = String(port);
      u.pathname = '/landed';
      return u.href;
    };
    for (const url of [...SSRF_CORPUS.map(onPort), rebinding]) {
      // Saved earlier (e.g. while WEBHOOKS_ALLOW_PRIVATE was on), delivered with it off.
      await withTenant(db, accountId, (_tx, client) =>
        client.query('UPDATE webhooks SET url = $3 WHERE account_id = $1 AND id = $2', [
          accountId,
          hook.id,
          url,
        ]),
      );
      const delivery = await sendTestEvent({ db, keyring, policy: open }, accountId, hook.id);
      expect(await attempt(delivery.id), url).toMatchObject({ statusCode: null, error: 'blocked_address' });
    }
    expect(landed).toBe(0);
  });
});

describe('payloads', () => {
  it('a lead event is thin (ids, status, times, link) and well under 20 kB; an oversized one is refused', async () => {
    const { accountId, hook } = await setup();
    const { createLead } = await import('../leads/leads.service.ts');
    const lead = await createLead(db, accountId, {
      source: 'api',
      fullName: 'Ada Lovelace',
      email: 'ada@example.test',
      message: 'x'.repeat(4000),
    });
    await withTenant(db, accountId, (_tx, client) =>
      emitLeadWebhookEvents(client, { accountId, leadId: lead.id, events: ['lead.created'] }),
    );
    const page = await listDeliveries({ db, keyring, policy: open }, accountId, hook.id, { limit: 10 });
    const payload = page.data.find((d) => d.event === 'lead.created')!.payload;
    expect(payload).toMatchObject({
      type: 'lead.created',
      data: { leadId: lead.id, status: 'new', url: `/api/v1/leads/${lead.id}` },
    });
    const text = JSON.stringify(payload);
    expect(Buffer.byteLength(text)).toBeLessThan(MAX_PAYLOAD_BYTES);
    expect(text).not.toContain('Ada');
    expect(text).not.toContain('ada@example.test');
    await expect(
      withTenant(db, accountId, (_tx, client) =>
        queueDelivery(client, {
          accountId,
          webhookId: hook.id,
          event: 'webhook.test',
          data: { big: 'x'.repeat(30_000) },
        }),
      ),
    ).rejects.toThrow(/over 20480 bytes/);
  });
});

describe('porchlight keys rotate', () => {
  it('rewraps webhook secrets, current and previous, under the newest key; both still sign', async () => {
    const { accountId, hook } = await setup();
    await rotateWebhookSecret({ db, keyring, policy: open }, accountId, hook.id);
    const newer = parseEncryptionKeys(
      `1:cG9yY2hsaWdodC10ZXN0LWVuY3J5cHRpb24ta2V5LTE=,${generateEncryptionKey(2)}`,
    );
    const report = await rotateWebhookSecrets(db, newer);
    expect(report.failed).toEqual([]);
    expect(report.rewrapped).toBeGreaterThanOrEqual(2);
    const row = await withTenant(db, accountId, async (_tx, client) => {
      const { rows } = await client.query<WebhookRow>(
        'SELECT * FROM webhooks WHERE account_id = $1 AND id = $2',
        [accountId, hook.id],
      );
      return rows[0]!;
    });
    expect([row.secret_key_version, row.previous_secret_key_version]).toEqual([2, 2]);
    const secrets = signingSecrets(newer, accountId, row, new Date());
    expect(secrets).toHaveLength(2);
    expect(secrets[1]).toBe(hook.secret);
    expect((await rotateWebhookSecrets(db, newer)).rewrapped).toBe(0);
  });
});

describe('the hourly sweep', () => {
  const jobsFor = async (deliveryId: string) =>
    (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'webhooks.deliver' AND data->>'deliveryId' = $1`,
        [deliveryId],
      )
    ).rows[0]!.n;
  const setDue = (accountId: string, deliveryId: string, at: Date, status = 'pending') =>
    withTenant(db, accountId, (_tx, client) =>
      client.query(
        'UPDATE webhook_deliveries SET next_attempt_at = $3, status = $4 WHERE account_id = $1 AND id = $2',
        [accountId, deliveryId, at, status],
      ),
    );

  it('gives a pending delivery more than ten minutes late a new job, and leaves the rest alone', async () => {
    const { accountId, hook } = await setup();
    const deps = { db, keyring, policy: open };
    const lost = await sendTestEvent(deps, accountId, hook.id);
    const recent = await sendTestEvent(deps, accountId, hook.id);
    const done = await sendTestEvent(deps, accountId, hook.id);
    const now = new Date();
    // The lost one's job ran early on a skewed clock: skipped as not due, nothing attempted.
    await setDue(accountId, lost.id, new Date(now.getTime() + 60_000));
    const { http, sent } = scripted({ now }, [{ status: 204 }]);
    expect(await rig(accountId, http, { now }).attempt(lost.id)).toEqual({
      kind: 'skipped',
      reason: 'not_due',
    });
    expect(sent).toHaveLength(0);
    await setDue(accountId, lost.id, new Date(now.getTime() - 11 * 60_000));
    await setDue(accountId, recent.id, new Date(now.getTime() - 60_000));
    await setDue(accountId, done.id, new Date(now.getTime() - 60 * 60_000), 'succeeded');
    const before = await Promise.all([lost.id, recent.id, done.id].map(jobsFor));

    const totals = await requeueOverdueDeliveries(db, { now, logger: createLogger('silent') });
    expect(totals.requeued).toBeGreaterThanOrEqual(1);
    const after = await Promise.all([lost.id, recent.id, done.id].map(jobsFor));
    expect(after.map((n, i) => n - before[i]!)).toEqual([1, 0, 0]);
    // The new job's attempt goes through.
    const outcome = await rig(accountId, http, { now }).attempt(lost.id);
    expect(outcome).toMatchObject({ kind: 'attempted' });
    expect(sent).toHaveLength(1);
  });

  it('runs every hour', () => {
    expect(allJobs.find((j) => j.name === 'webhooks.sweep')?.cron).toBe('11 * * * *');
  });
});
