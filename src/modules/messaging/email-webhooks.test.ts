import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { makeAccount, makeLead } from '../../../test/factories.ts';
import { captureLogs, useTestApp } from '../../../test/http.ts';
import { type Config, testConfig } from '../../config.ts';
import type { Database } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import type { Logger } from '../../platform/logger.ts';
import { brevoRequest, sendgridEventKeys, signedSendgridRequest } from '../../providers/email/events.fake.ts';
import { BREVO_CUSTOM_HEADER, brevoCustomValue } from '../../providers/email/events.ts';
import { registerEmailWebhookRoutes } from './email-webhooks.routes.ts';

const keys = sendgridEventKeys();
const BREVO_TOKEN = 'brevo-webhook-token-for-tests-0001';
const config = testConfig({ SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey, BREVO_WEBHOOK_TOKEN: BREVO_TOKEN });
const logs = captureLogs();

/** The routes as app.ts will register them, plus a copy under /broken whose database always fails. */
function withWebhooks(config: Config, logger: Logger) {
  return async (app: FastifyInstance, { db }: { db: Database }) => {
    const deps = { config, db, logger, jobs: undefined, pepper: 'test-pepper' };
    // Until app.ts registers the routes itself (then this is skipped, not declared twice).
    if (!app.hasRoute({ method: 'POST', url: '/webhooks/email/:provider' })) {
      await registerEmailWebhookRoutes(app, deps);
    }
    const broken: Database = {
      engine: db.engine,
      query: (text, values) => db.query(text, values),
      transaction: async () => {
        throw new Error('connection terminated');
      },
      close: async () => {},
    };
    await app.register(async (scope) => registerEmailWebhookRoutes(scope, { ...deps, db: broken }), {
      prefix: '/broken',
    });
  };
}

const t = useTestApp({ config, logger: logs.logger, configure: withWebhooks(config, logs.logger) });

/** Every address the tests use: none may reach the log. */
const addresses: string[] = [];

/** An account, a lead and a sent email to the lead (the row the send pipeline leaves). */
async function sentEmail() {
  const { account } = await makeAccount(t.db);
  const lead = await makeLead(t.db, { accountId: account.id });
  const messageId = crypto.randomUUID();
  const email = lead.email!;
  addresses.push(email);
  await withTenant(t.db, account.id, (_tx, client) =>
    client.query(
      `INSERT INTO messages (account_id, id, lead_id, channel, kind, to_address, from_address, body, status,
         idempotency_key, sent_at)
       VALUES ($1, $2, $3, 'email', 'autoresponder', $4, 'agent@example.test', 'Hi', 'sent', $5, now())`,
      [account.id, messageId, lead.id, email, crypto.randomUUID()],
    ),
  );
  return { accountId: account.id, leadId: lead.id, messageId, email };
}
type Sent = Awaited<ReturnType<typeof sentEmail>>;

/** What the webhook can have changed for a sent email. */
async function stateOf(s: Sent) {
  return withTenant(t.db, s.accountId, async (_tx, client) => {
    const suppressions = (
      await client.query<{ address: string; reason: string }>(
        `SELECT address, reason FROM suppressions WHERE account_id = $1 ORDER BY address`,
        [s.accountId],
      )
    ).rows;
    const events = (
      await client.query<{ kind: string; payload: unknown; actor_user_id: string | null }>(
        `SELECT kind, payload, actor_user_id FROM lead_events
         WHERE account_id = $1 AND lead_id = $2 AND kind LIKE 'email%' ORDER BY kind`,
        [s.accountId, s.leadId],
      )
    ).rows;
    const [message] = (
      await client.query<{ status: string; provider_status: string | null; error: string | null }>(
        `SELECT status, provider_status, error FROM messages WHERE account_id = $1 AND id = $2`,
        [s.accountId, s.messageId],
      )
    ).rows;
    return { suppressions, events, message };
  });
}

/** A sent email the webhook has not touched. */
const UNTOUCHED = {
  suppressions: [],
  events: [],
  message: { status: 'sent', provider_status: null, error: null },
};

/** A SendGrid event about a sent email, with the custom args our adapter sets. */
function sg(s: Sent, event: string, extra: Record<string, unknown> = {}) {
  return {
    email: s.email,
    event,
    accountId: s.accountId,
    messageId: s.messageId,
    sg_event_id: crypto.randomUUID(),
    timestamp: Math.floor(Date.now() / 1000),
    ...extra,
  };
}

function postSendgrid(events: object[], signWith = keys, path = '/webhooks/email/sendgrid') {
  const { rawBody, headers } = signedSendgridRequest(events, signWith);
  return t.app.inject({ method: 'POST', url: path, payload: rawBody, headers });
}

function postBrevo(event: object, token = BREVO_TOKEN) {
  const { rawBody, headers } = brevoRequest(event, token);
  return t.app.inject({ method: 'POST', url: '/webhooks/email/brevo', payload: rawBody, headers });
}

describe('POST /webhooks/email/sendgrid', () => {
  it('a hard bounce suppresses the address, marks the message and tells the lead timeline', async () => {
    const s = await sentEmail();
    // Providers may change the case of an address; the match is case-blind.
    const res = await postSendgrid([sg(s, 'bounce', { type: 'bounce', email: s.email.toUpperCase() })]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ received: 1, applied: 1 });
    expect(await stateOf(s)).toEqual({
      suppressions: [{ address: s.email.toLowerCase(), reason: 'bounce' }],
      events: [{ kind: 'email_bounced', payload: { messageId: s.messageId }, actor_user_id: null }],
      message: {
        status: 'sent',
        provider_status: 'bounced',
        error: 'bounced: hard bounce reported by sendgrid',
      },
    });
  });

  it('a spam report suppresses the address as a complaint', async () => {
    const s = await sentEmail();
    const res = await postSendgrid([sg(s, 'spamreport')]);
    expect(res.json()).toEqual({ received: 1, applied: 1 });
    expect(await stateOf(s)).toEqual({
      suppressions: [{ address: s.email.toLowerCase(), reason: 'complaint' }],
      events: [{ kind: 'email_complaint', payload: { messageId: s.messageId }, actor_user_id: null }],
      message: { status: 'sent', provider_status: 'complained', error: null },
    });
  });

  it('an unsubscribe suppresses the address and writes no lead event', async () => {
    const s = await sentEmail();
    const res = await postSendgrid([sg(s, 'group_unsubscribe')]);
    expect(res.json()).toEqual({ received: 1, applied: 1 });
    const state = await stateOf(s);
    expect(state.suppressions).toEqual([{ address: s.email.toLowerCase(), reason: 'unsubscribe' }]);
    expect(state.events).toEqual([]);
  });

  it('a soft bounce marks the message only, and never hides a hard bounce already recorded', async () => {
    const s = await sentEmail();
    const soft = await postSendgrid([sg(s, 'deferred'), sg(s, 'bounce', { type: 'blocked' })]);
    expect(soft.json()).toEqual({ received: 2, applied: 2 });
    expect(await stateOf(s)).toEqual({
      ...UNTOUCHED,
      message: { ...UNTOUCHED.message, provider_status: 'soft_bounce' },
    });

    await postSendgrid([sg(s, 'bounce')]);
    await postSendgrid([sg(s, 'deferred')]);
    expect((await stateOf(s)).message?.provider_status).toBe('bounced');
  });

  it('delivered, opened and other events change nothing', async () => {
    const s = await sentEmail();
    const res = await postSendgrid([
      sg(s, 'delivered'),
      sg(s, 'open'),
      sg(s, 'dropped', { reason: 'Unsubscribed Address' }),
    ]);
    expect(res.json()).toEqual({ received: 3, applied: 0 });
    expect(await stateOf(s)).toEqual(UNTOUCHED);
  });

  it('a bad signature is 401 problem+json and writes nothing', async () => {
    const s = await sentEmail();
    const res = await postSendgrid([sg(s, 'bounce')], sendgridEventKeys());
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 401, code: 'EMAIL_WEBHOOK_UNVERIFIED' });
    expect(await stateOf(s)).toEqual(UNTOUCHED);
  });

  it('a body changed after signing, or unsigned, is 401', async () => {
    const s = await sentEmail();
    const { rawBody, headers } = signedSendgridRequest([sg(s, 'bounce')], keys);
    const tampered = await t.app.inject({
      method: 'POST',
      url: '/webhooks/email/sendgrid',
      payload: rawBody.replace('"bounce"', '"spamreport"'),
      headers,
    });
    expect(tampered.statusCode).toBe(401);
    const unsigned = await t.app.inject({
      method: 'POST',
      url: '/webhooks/email/sendgrid',
      payload: rawBody,
      headers: { 'content-type': 'application/json' },
    });
    expect(unsigned.statusCode).toBe(401);
    expect(await stateOf(s)).toEqual(UNTOUCHED);
  });

  it("naming account A with account B's message writes nothing in either", async () => {
    const a = await sentEmail();
    const b = await sentEmail();
    const res = await postSendgrid([
      sg(b, 'bounce', { accountId: a.accountId }),
      sg(b, 'spamreport', { accountId: a.accountId }),
    ]);
    expect(res.json()).toEqual({ received: 2, applied: 0 });
    expect(await stateOf(a)).toEqual(UNTOUCHED);
    expect(await stateOf(b)).toEqual(UNTOUCHED);
  });

  it('an event whose address is not the message recipient writes nothing', async () => {
    const s = await sentEmail();
    const other = `someone-else-${crypto.randomBytes(3).toString('hex')}@example.test`;
    addresses.push(other);
    const res = await postSendgrid([
      sg(s, 'bounce', { email: other }),
      sg(s, 'spamreport', { email: other }),
    ]);
    expect(res.json()).toEqual({ received: 2, applied: 0 });
    expect(await stateOf(s)).toEqual(UNTOUCHED);
  });

  it('events without our ids are counted and ignored', async () => {
    const s = await sentEmail();
    const res = await postSendgrid([
      sg(s, 'bounce', { accountId: undefined }),
      sg(s, 'bounce', { messageId: 'not-a-uuid' }),
      sg(s, 'bounce', { accountId: "x'; DROP TABLE messages; --" }),
    ]);
    expect(res.json()).toEqual({ received: 3, applied: 0 });
    expect(await stateOf(s)).toEqual(UNTOUCHED);
  });

  it('the same batch twice leaves one suppression and one lead event per kind', async () => {
    const s = await sentEmail();
    const batch = [sg(s, 'bounce'), sg(s, 'spamreport')];
    const first = await postSendgrid(batch);
    const second = await postSendgrid(batch);
    expect(first.json()).toEqual({ received: 2, applied: 2 });
    expect(second.statusCode).toBe(200);
    const state = await stateOf(s);
    // The first reason stays.
    expect(state.suppressions).toEqual([{ address: s.email.toLowerCase(), reason: 'bounce' }]);
    expect(state.events.map((e) => e.kind)).toEqual(['email_bounced', 'email_complaint']);
  });

  it('applies each account of a batch to its own account', async () => {
    const a = await sentEmail();
    const b = await sentEmail();
    const res = await postSendgrid([sg(a, 'bounce'), sg(b, 'spamreport')]);
    expect(res.json()).toEqual({ received: 2, applied: 2 });
    expect((await stateOf(a)).suppressions).toEqual([{ address: a.email.toLowerCase(), reason: 'bounce' }]);
    expect((await stateOf(b)).suppressions).toEqual([
      { address: b.email.toLowerCase(), reason: 'complaint' },
    ]);
  });

  it('takes a batch larger than the app body limit, up to 5 MB', async () => {
    const s = await sentEmail();
    // ~2 MB of events SendGrid could not attribute: past the 1 MB default, under the route's 5 MB.
    const filler = Array.from({ length: 9000 }, () => ({ ...sg(s, 'processed'), accountId: undefined }));
    const big = await postSendgrid(filler);
    expect(big.statusCode, big.body.slice(0, 200)).toBe(200);
    expect(big.json()).toEqual({ received: 9000, applied: 0 });

    const tooBig = await postSendgrid(Array.from({ length: 4 }, () => ({ pad: 'x'.repeat(1_400_000) })));
    expect(tooBig.statusCode).toBe(413);
  });

  it('a database error is a 500, so SendGrid delivers the batch again', async () => {
    const s = await sentEmail();
    const res = await postSendgrid([sg(s, 'bounce')], keys, '/broken/webhooks/email/sendgrid');
    expect(res.statusCode).toBe(500);
    expect(await stateOf(s)).toEqual(UNTOUCHED);
  });
});

describe('POST /webhooks/email/brevo', () => {
  const brevo = (s: Sent, event: string) => ({
    event,
    email: s.email,
    id: 123456,
    'message-id': `<${crypto.randomUUID()}@smtp-relay.mailin.fr>`,
    ts_epoch: Date.now(),
    [BREVO_CUSTOM_HEADER]: brevoCustomValue(s.accountId, s.messageId),
  });

  it('with the right bearer token, a hard bounce suppresses the address', async () => {
    const s = await sentEmail();
    const res = await postBrevo(brevo(s, 'hard_bounce'));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ received: 1, applied: 1 });
    expect(await stateOf(s)).toEqual({
      suppressions: [{ address: s.email.toLowerCase(), reason: 'bounce' }],
      events: [{ kind: 'email_bounced', payload: { messageId: s.messageId }, actor_user_id: null }],
      message: {
        status: 'sent',
        provider_status: 'bounced',
        error: 'bounced: hard bounce reported by brevo',
      },
    });
  });

  it('a wrong token is 401 and writes nothing', async () => {
    const s = await sentEmail();
    const res = await postBrevo(brevo(s, 'spam'), 'not-the-brevo-webhook-token');
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await stateOf(s)).toEqual(UNTOUCHED);
  });
});

describe('POST /webhooks/email/:provider, not found', () => {
  it('an unknown provider is 404 problem+json', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/webhooks/email/mailgun',
      payload: '[]',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('POST /webhooks/email/:provider on an install without webhook secrets', () => {
  const bare = testConfig();
  const u = useTestApp({ config: bare, configure: withWebhooks(bare, logs.logger) });

  it('is 404 for both providers, and writes nothing', async () => {
    const { account } = await makeAccount(u.db);
    const lead = await makeLead(u.db, { accountId: account.id });
    const s = { accountId: account.id, leadId: lead.id, messageId: crypto.randomUUID(), email: lead.email! };
    const signed = signedSendgridRequest([sg(s, 'bounce')], keys);
    const sendgrid = await u.app.inject({
      method: 'POST',
      url: '/webhooks/email/sendgrid',
      payload: signed.rawBody,
      headers: signed.headers,
    });
    expect(sendgrid.statusCode).toBe(404);
    expect(sendgrid.headers['content-type']).toMatch(/^application\/problem\+json/);
    const b = brevoRequest({ event: 'hard_bounce', email: s.email }, BREVO_TOKEN);
    const brevo = await u.app.inject({
      method: 'POST',
      url: '/webhooks/email/brevo',
      payload: b.rawBody,
      headers: b.headers,
    });
    expect(brevo.statusCode).toBe(404);
    const rows = await withTenant(
      u.db,
      account.id,
      async (_tx, client) =>
        (await client.query('SELECT 1 FROM suppressions WHERE account_id = $1', [account.id])).rows,
    );
    expect(rows).toEqual([]);
  });
});

describe('the log', () => {
  it('says why a request was refused, at warn, and never names an address', async () => {
    const s = await sentEmail();
    await postSendgrid([sg(s, 'bounce')], sendgridEventKeys());
    const refused = logs.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'email webhook refused');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.at(-1)).toMatchObject({
      level: 40,
      provider: 'sendgrid',
      reason: 'signature does not verify',
    });

    const text = logs.lines.join('\n').toLowerCase();
    for (const address of addresses) expect(text).not.toContain(address.toLowerCase());
  });
});
