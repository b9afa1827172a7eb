import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePage } from '../../../test/factories.ts';
import { fakeResolver, SSRF_CORPUS } from '../../../test/fixtures/ssrf.ts';
import { asSession, signUp, useTestApp } from '../../../test/http.ts';
import { buildApp } from '../../app.ts';
import { testConfig } from '../../config.ts';
import { withTenant } from '../../db/tenant.ts';
import type { JobQueue } from '../../platform/jobs.ts';
import { createLogger } from '../../platform/logger.ts';
import { loadKeyring } from '../../platform/secrets.ts';
import { receiveCall } from '../messaging/calls.service.ts';
import { receiveSms } from '../messaging/inbound-sms.service.ts';
import { createWebhook } from './webhooks.service.ts';

/**
 * Outbound webhooks through the API, with a real worker and a local receiver (WEBHOOKS_ALLOW_PRIVATE
 * on) that verifies every delivery with the `standardwebhooks` package.
 */

type Received = { path: string; headers: Record<string, string>; body: string };
const received: Received[] = [];
/** Status the receiver answers per path (default 204). */
const answers = new Map<string, number>();
let receiver: http.Server;
let base = '';

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
      );
      received.push({ path: req.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answers.get(req.url ?? '') ?? 204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

const t = useTestApp({ withJobs: true, makeConfig: () => testConfig({ WEBHOOKS_ALLOW_PRIVATE: 'true' }) });

let ipSeq = 0;
const nextIp = () => `203.0.113.${(ipSeq++ % 250) + 1}`;

async function waitFor(path: string, count: number, timeoutMs = 20_000): Promise<Received[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = received.filter((r) => r.path === path);
    if (got.length >= count) return got;
    if (Date.now() > deadline) throw new Error(`only ${got.length} of ${count} deliveries reached ${path}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Verifies with standardwebhooks; answers the parsed payload. */
function verify(
  secret: string,
  r: Received,
): { type: string; timestamp: string; data: Record<string, unknown> } {
  return new Webhook(secret).verify(r.body, r.headers) as never;
}

async function account(label: string) {
  const owner = await signUp(t.app, label);
  return { ...owner, as: asSession(t.app, owner.cookie) };
}

describe('endpoints', () => {
  it('creates an endpoint with its secret shown once; never shows it again', async () => {
    const a = await account('wh-create');
    const res = await a.as('POST', '/api/v1/webhooks', {
      url: `${base}/create`,
      events: ['lead.created', 'lead.created', 'call.missed'],
      description: 'CRM',
    });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json();
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(created.secret.slice(6), 'base64')).toHaveLength(32);
    expect(created).toMatchObject({
      url: `${base}/create`,
      events: ['lead.created', 'call.missed'],
      description: 'CRM',
      status: 'active',
      secretLast4: created.secret.slice(-4),
      failingSince: null,
    });
    const one = await a.as('GET', `/api/v1/webhooks/${created.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.body).not.toContain(created.secret);
    expect(one.json().secret).toBeUndefined();
    const list = await a.as('GET', '/api/v1/webhooks');
    expect(list.json()).toMatchObject({ data: [{ id: created.id }], nextCursor: null });
    expect(list.body).not.toContain(created.secret.slice(6, 30));
    // Stored sealed: the plaintext is nowhere in the row.
    const row = await withTenant(t.db, a.accountId, async (_tx, client) => {
      const { rows } = await client.query('SELECT * FROM webhooks WHERE account_id = $1', [a.accountId]);
      return JSON.stringify(rows);
    });
    expect(row).not.toContain(created.secret.slice(6, 30));
  });

  it('refuses unknown events and bad URLs naming the field', async () => {
    const a = await account('wh-invalid');
    const bad = await a.as('POST', '/api/v1/webhooks', { url: `${base}/x`, events: ['lead.deleted'] });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors.map((e: { path: string }) => e.path)).toContain('body.events.0');
    expect(JSON.stringify(bad.json().errors)).toContain('body.events');
    const none = await a.as('POST', '/api/v1/webhooks', { url: `${base}/x`, events: [] });
    expect(none.statusCode).toBe(422);
    const scheme = await a.as('POST', '/api/v1/webhooks', {
      url: 'ftp://example.test/',
      events: ['lead.created'],
    });
    expect(scheme.statusCode).toBe(422);
    expect(scheme.json().errors).toEqual([{ path: 'body.url', message: 'must be an http or https URL' }]);
  });

  it('patches, disables, enables again (clearing failingSince), deletes; foreign and malformed ids are 404', async () => {
    const a = await account('wh-patch');
    const b = await account('wh-patch-b');
    const hook = (
      await a.as('POST', '/api/v1/webhooks', { url: `${base}/p`, events: ['lead.created'] })
    ).json();
    const patched = await a.as('PATCH', `/api/v1/webhooks/${hook.id}`, {
      events: ['lead.updated', 'lead.status_changed'],
      description: 'changed',
    });
    expect(patched.json()).toMatchObject({
      events: ['lead.updated', 'lead.status_changed'],
      description: 'changed',
    });
    const off = await a.as('PATCH', `/api/v1/webhooks/${hook.id}`, { status: 'disabled' });
    expect(off.json()).toMatchObject({ status: 'disabled', disabledReason: 'manual' });
    await withTenant(t.db, a.accountId, (_tx, client) =>
      client.query(`UPDATE webhooks SET failing_since = now() - interval '2 days' WHERE account_id = $1`, [
        a.accountId,
      ]),
    );
    const on = await a.as('PATCH', `/api/v1/webhooks/${hook.id}`, { status: 'active' });
    expect(on.json()).toMatchObject({
      status: 'active',
      disabledReason: null,
      disabledAt: null,
      failingSince: null,
    });
    const badEvent = await a.as('PATCH', `/api/v1/webhooks/${hook.id}`, { events: ['nope'] });
    expect(badEvent.statusCode).toBe(422);

    for (const [method, url] of [
      ['GET', `/api/v1/webhooks/${hook.id}`],
      ['PATCH', `/api/v1/webhooks/${hook.id}`],
      ['DELETE', `/api/v1/webhooks/${hook.id}`],
      ['POST', `/api/v1/webhooks/${hook.id}/rotate-secret`],
      ['POST', `/api/v1/webhooks/${hook.id}/test`],
      ['GET', `/api/v1/webhooks/${hook.id}/deliveries`],
      ['GET', '/api/v1/webhooks/not-a-uuid'],
      ['POST', '/api/v1/webhooks/not-a-uuid/deliveries/nope/retry'],
    ] as const) {
      const res = await b.as(method, url, method === 'PATCH' ? { description: 'b' } : undefined);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await a.as('GET', `/api/v1/webhooks/${hook.id}`)).json().description).toBe('changed');
    expect((await a.as('DELETE', `/api/v1/webhooks/${hook.id}`)).statusCode).toBe(204);
    expect((await a.as('GET', `/api/v1/webhooks/${hook.id}`)).statusCode).toBe(404);
  });
});

describe('delivery', () => {
  it('delivers lead events from intake, updates, status changes and notes, every one verified', async () => {
    const a = await account('wh-leads');
    const hook = (
      await a.as('POST', '/api/v1/webhooks', {
        url: `${base}/leads`,
        events: ['lead.created', 'lead.updated', 'lead.status_changed', 'lead.note_added'],
      })
    ).json();
    // A second endpoint takes status changes only: it gets those and nothing else.
    const statusHook = (
      await a.as('POST', '/api/v1/webhooks', { url: `${base}/status-only`, events: ['lead.status_changed'] })
    ).json();
    const page = await makePage(t.db, { accountId: a.accountId, kind: 'contact' });
    const submit = (email: string) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/public/pages/${page.id}/leads`,
        payload: { fullName: 'Grace Hopper', email },
        remoteAddress: nextIp(),
      });
    const first = await submit('grace@example.test');
    expect(first.statusCode, first.body).toBe(201);
    const leadId = first.json().leadId;
    await waitFor('/leads', 1);
    expect((await submit('grace@example.test')).statusCode).toBe(201); // merged: lead.updated
    await waitFor('/leads', 2);
    expect((await a.as('PATCH', `/api/v1/leads/${leadId}`, { status: 'contacted' })).statusCode).toBe(200);
    expect((await a.as('PATCH', `/api/v1/leads/${leadId}`, { city: 'Arlington' })).statusCode).toBe(200);
    expect((await a.as('POST', `/api/v1/leads/${leadId}/notes`, { body: 'called back' })).statusCode).toBe(
      201,
    );
    const got = await waitFor('/leads', 6);
    const events = got.map((r) => verify(hook.secret, r));
    expect(events.map((e) => e.type).sort()).toEqual(
      [
        'lead.created',
        'lead.updated',
        'lead.updated',
        'lead.status_changed',
        'lead.updated',
        'lead.note_added',
      ].sort(),
    );
    for (const e of events) {
      expect(e.data).toMatchObject({ leadId, url: `http://localhost:3000/api/v1/leads/${leadId}` });
      expect(JSON.stringify(e)).not.toMatch(/Grace|grace@|called back|Arlington/);
    }
    expect(events.find((e) => e.type === 'lead.status_changed')!.data).toMatchObject({
      status: 'contacted',
      previousStatus: 'new',
    });
    for (const r of got) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['user-agent']).toMatch(/Porchlight/);
      expect(r.headers['webhook-id']).toMatch(/^msg_/);
    }
    // Each delivery is its own message.
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(got.length);
    const statusOnly = await waitFor('/status-only', 1);
    expect(statusOnly.map((r) => verify(statusHook.secret, r).type)).toEqual(['lead.status_changed']);
  });

  it('signs with both secrets for a day after a rotation; both verify', async () => {
    const a = await account('wh-rotate');
    const hook = (
      await a.as('POST', '/api/v1/webhooks', { url: `${base}/rotate`, events: ['call.missed'] })
    ).json();
    expect((await a.as('POST', `/api/v1/webhooks/${hook.id}/test`)).statusCode).toBe(202);
    const [before] = await waitFor('/rotate', 1);
    expect(verify(hook.secret, before!).type).toBe('webhook.test');
    expect(before!.headers['webhook-signature']!.split(' ')).toHaveLength(1);

    const rotated = await a.as('POST', `/api/v1/webhooks/${hook.id}/rotate-secret`);
    expect(rotated.statusCode).toBe(200);
    const next = rotated.json();
    expect(next.secret).not.toBe(hook.secret);
    expect(Date.parse(next.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    expect((await a.as('POST', `/api/v1/webhooks/${hook.id}/test`)).statusCode).toBe(202);
    const after = (await waitFor('/rotate', 2))[1]!;
    expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verify(hook.secret, after).type).toBe('webhook.test');
    expect(verify(next.secret, after).type).toBe('webhook.test');
    expect(() => verify(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, after)).toThrow();

    // Once the day is over only the new secret signs.
    await withTenant(t.db, a.accountId, (_tx, client) =>
      client.query(
        `UPDATE webhooks SET previous_secret_expires_at = now() - interval '1 second' WHERE account_id = $1`,
        [a.accountId],
      ),
    );
    expect((await a.as('POST', `/api/v1/webhooks/${hook.id}/test`)).statusCode).toBe(202);
    const later = (await waitFor('/rotate', 3))[2]!;
    expect(later.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(verify(next.secret, later).type).toBe('webhook.test');
    expect(() => verify(hook.secret, later)).toThrow();
  });

  it('lists deliveries newest first with their attempts; a retry attempts now with the same webhook-id', async () => {
    const a = await account('wh-retry');
    answers.set('/retry', 500);
    const hook = (
      await a.as('POST', '/api/v1/webhooks', { url: `${base}/retry`, events: ['lead.created'] })
    ).json();
    const test = (await a.as('POST', `/api/v1/webhooks/${hook.id}/test`)).json();
    expect(test).toMatchObject({ event: 'webhook.test', status: 'pending', attempts: 0, attemptLog: [] });
    await waitFor('/retry', 1);
    await new Promise((r) => setTimeout(r, 300));
    const failed = (await a.as('GET', `/api/v1/webhooks/${hook.id}/deliveries`)).json().data[0];
    expect(failed).toMatchObject({
      id: test.id,
      status: 'pending',
      attempts: 1,
      lastStatusCode: 500,
      lastError: 'http_500',
      attemptLog: [{ attempt: 1, statusCode: 500, error: 'http_500' }],
    });
    answers.set('/retry', 200);
    const retried = await a.as('POST', `/api/v1/webhooks/${hook.id}/deliveries/${test.id}/retry`);
    expect(retried.statusCode, retried.body).toBe(202);
    const got = await waitFor('/retry', 2);
    expect(got[1]!.headers['webhook-id']).toBe(got[0]!.headers['webhook-id']);
    expect(got.every((r) => verify(hook.secret, r).type === 'webhook.test')).toBe(true);
    let done: { status: string } | undefined;
    for (let i = 0; i < 50 && done?.status !== 'succeeded'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      done = (await a.as('GET', `/api/v1/webhooks/${hook.id}/deliveries`)).json().data[0];
    }
    expect(done).toMatchObject({ status: 'succeeded', lastStatusCode: 200 });
    const again = await a.as('POST', `/api/v1/webhooks/${hook.id}/deliveries/${test.id}/retry`);
    expect(again.statusCode).toBe(409);

    // Paging: newest first, a cursor to the next page.
    await a.as('POST', `/api/v1/webhooks/${hook.id}/test`);
    await a.as('POST', `/api/v1/webhooks/${hook.id}/test`);
    const p1 = (await a.as('GET', `/api/v1/webhooks/${hook.id}/deliveries?limit=2`)).json();
    expect(p1.data).toHaveLength(2);
    expect(p1.nextCursor).toBeTruthy();
    const p2 = (
      await a.as('GET', `/api/v1/webhooks/${hook.id}/deliveries?limit=2&cursor=${p1.nextCursor}`)
    ).json();
    expect(p2.data.map((d: { id: string }) => d.id)).toEqual([test.id]);
    expect(p2.nextCursor).toBeNull();
    const all = [...p1.data, ...p2.data].map((d: { createdAt: string }) => d.createdAt);
    expect([...all].sort().reverse()).toEqual(all);
  });
});

describe('messaging events', () => {
  it('delivers message.received for an inbound text and call.missed for a missed call, ids only', async () => {
    const a = await account('wh-messaging');
    const hook = (
      await a.as('POST', '/api/v1/webhooks', {
        url: `${base}/messaging`,
        events: ['message.received', 'call.missed', 'lead.created'],
      })
    ).json();
    const deps = {
      db: t.db,
      jobs: (t as { jobs?: JobQueue }).jobs,
      publicUrl: 'http://localhost:3000',
      baseUrl: 'http://localhost:3000',
      emailFrom: 'Porchlight <noreply@example.test>',
    };
    await receiveSms(deps, a.accountId, {
      messageSid: `SM${Date.now()}`,
      from: '+15125550188',
      to: '+15125550100',
      body: 'Is the house still for sale?',
    });
    await receiveCall(deps, a.accountId, {
      callSid: `CA${Date.now()}`,
      from: '+15125550177',
      to: '+15125550100',
    });
    // The text and the call each made a lead (lead.created from intake's job) besides their own event.
    const got = await waitFor('/messaging', 4);
    const events = got.map((r) => verify(hook.secret, r));
    expect(events.map((e) => e.type).sort()).toEqual([
      'call.missed',
      'lead.created',
      'lead.created',
      'message.received',
    ]);
    const text = events.find((e) => e.type === 'message.received')!;
    expect(text.data).toMatchObject({
      channel: 'sms',
      messageId: expect.any(String),
      leadId: expect.any(String),
    });
    const call = events.find((e) => e.type === 'call.missed')!;
    expect(call.data).toMatchObject({
      callId: expect.any(String),
      leadId: expect.any(String),
      status: 'no-answer',
    });
    expect(JSON.stringify(events)).not.toMatch(/still for sale|5550188|5550177/);
  });
});

describe('SSRF at registration', () => {
  it(`refuses the corpus (${SSRF_CORPUS.length}) and a rebinding name's loopback answer, naming body.url`, async () => {
    const a = await account('wh-ssrf');
    const keyring = loadKeyring(testConfig()).keyring;
    const strict = { allowPrivate: false, requireHttps: false, resolve: fakeResolver() };
    for (const url of SSRF_CORPUS) {
      const error = await createWebhook({ db: t.db, keyring, policy: strict }, a.accountId, {
        url,
        events: ['lead.created'],
      }).catch((e: unknown) => e);
      expect(error, url).toMatchObject({ code: 'WEBHOOK_URL_INVALID', errors: [{ path: 'body.url' }] });
    }
    // The rebinding name passes once (public) and is refused when it answers loopback.
    const rebind = { url: 'http://rebind.example/hook', events: ['lead.created' as const] };
    await expect(
      createWebhook({ db: t.db, keyring, policy: strict }, a.accountId, rebind),
    ).resolves.toBeTruthy();
    await expect(
      createWebhook({ db: t.db, keyring, policy: strict }, a.accountId, rebind),
    ).rejects.toMatchObject({
      code: 'WEBHOOK_URL_INVALID',
    });
  });

  it('refuses literal and local destinations through the API when WEBHOOKS_ALLOW_PRIVATE is off (POST and PATCH)', async () => {
    const strictApp = await buildApp({ db: t.db, logger: createLogger('silent'), config: testConfig() });
    try {
      const owner = await signUp(strictApp, 'wh-ssrf-http');
      const as = asSession(strictApp, owner.cookie);
      const offline = SSRF_CORPUS.filter((u) => !u.includes('.example'));
      expect(offline.length).toBeGreaterThanOrEqual(20);
      for (const url of offline) {
        const res = await as('POST', '/api/v1/webhooks', { url, events: ['lead.created'] });
        expect(res.statusCode, url).toBe(422);
        expect(res.json().errors, url).toEqual([{ path: 'body.url', message: expect.any(String) }]);
      }
      // Saved while private addresses were allowed; moved to one with them off.
      const hook = (
        await asSession(t.app, owner.cookie)('POST', '/api/v1/webhooks', {
          url: `${base}/x`,
          events: ['lead.created'],
        })
      ).json();
      expect(hook.id).toBeTruthy();
      const moved = await as('PATCH', `/api/v1/webhooks/${hook.id}`, {
        url: 'http://169.254.169.254/latest/',
      });
      expect(moved.statusCode).toBe(422);
      expect(moved.json().errors[0].path).toBe('body.url');
    } finally {
      await strictApp.close();
    }
  });
});
