import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLead, makePage, makeUser } from '../../../test/factories.ts';
import { asSession, type SignedUp, signUp, useTestApp } from '../../../test/http.ts';
import { testConfig } from '../../config.ts';
import { withTenant } from '../../db/tenant.ts';
import { routePage } from '../../pages/testing.ts';
import {
  FAKE_TWILIO_ACCOUNT_SID,
  FAKE_TWILIO_AUTH_TOKEN,
  fakeTwilio,
  twilioSignature,
} from '../../providers/sms/twilio.fake.ts';
import { createTwilioSmsProvider } from '../../providers/sms/twilio.ts';
import { setNotificationPreferences } from '../account/notifications.service.ts';
import { recordMessage } from './messages.repo.ts';
import {
  deliverAll,
  deliverMessage,
  type MessagingDeps,
  planLeadNotifications,
} from './messaging.service.ts';
import { isQuietTime } from './quiet-hours.ts';
import { placeVoiceCallback, planCallbackFor } from './voice-callback.service.ts';

const PUBLIC_URL = 'https://leads.example.test';
const twilio = fakeTwilio();
beforeAll(() => twilio.start());
afterAll(() => twilio.stop());

const t = useTestApp({
  withJobs: true,
  makeConfig: () =>
    testConfig({
      BASE_URL: 'http://localhost:3000',
      PUBLIC_URL,
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: FAKE_TWILIO_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: FAKE_TWILIO_AUTH_TOKEN,
      TWILIO_API_URL: twilio.url,
    }),
});

const deps = (): MessagingDeps => ({
  email: { name: 'none', send: () => Promise.reject(new Error('no email in these tests')) },
  sms: createTwilioSmsProvider({
    accountSid: FAKE_TWILIO_ACCOUNT_SID,
    authToken: FAKE_TWILIO_AUTH_TOKEN,
    apiUrl: twilio.url,
  }),
  baseUrl: 'http://localhost:3000',
  publicUrl: PUBLIC_URL,
  emailFrom: 'Porchlight <no-reply@porchlight.local>',
  smsFallbackFrom: null,
});

function sql<T = Record<string, unknown>>(accountId: string, text: string, values: unknown[] = []) {
  return withTenant(t.db, accountId, async (_tx, client) => (await client.query<T>(text, values)).rows);
}

const sid = (prefix: 'SM' | 'CA') => `${prefix}${crypto.randomBytes(16).toString('hex')}`;
let numberSeq = 0;
/** A valid, unused US number (Austin, 512). */
const nextNumber = () => `+1512555${String(2000 + numberSeq++).padStart(4, '0')}`;

/**
 * Zones where it is now daytime, and night, for the lead's quiet hours (a number outside +1
 * has no area code zone, so the lead's zone is the account's).
 */
const ZONES = [
  'America/New_York',
  'America/Los_Angeles',
  'Europe/London',
  'Asia/Tokyo',
  'Pacific/Auckland',
  'Asia/Kolkata',
];
const dayZone = () => ZONES.find((z) => !isQuietTime(new Date(), z))!;
const nightZone = () => ZONES.find((z) => isQuietTime(new Date(), z))!;
/** A UK mobile: no US area code, so quiet hours follow the account's time zone. */
const ukNumber = () => `+447700900${String(100 + numberSeq++).padStart(3, '0')}`;

type Account = SignedUp & { number: string; agentPhone: string };

/** An account with a Twilio number, the agent's phone, and texts for alerts. */
async function accountWithNumber(
  options: { timezone?: string; plan?: string; callback?: boolean; verify?: boolean } = {},
) {
  const owner = await signUp(t.app, 'tel');
  const as = asSession(t.app, owner.cookie);
  const number = nextNumber();
  expect((await as('POST', '/api/v1/phone-numbers', { e164: number, provider: 'twilio' })).statusCode).toBe(
    201,
  );
  const agentPhone = nextNumber();
  const patch = await as('PATCH', '/api/v1/account', {
    phone: agentPhone,
    smsOptIn: true,
    timezone: options.timezone ?? dayZone(),
    ...(options.callback ? { voiceCallback: true } : {}),
  });
  expect(patch.statusCode, patch.body).toBe(200);
  if (options.plan)
    await t.db.query('UPDATE accounts SET plan_code = $2 WHERE id = $1', [owner.accountId, options.plan]);
  if (options.verify !== false) await verifyPhone(owner, agentPhone);
  return { ...owner, number, agentPhone } as Account;
}

/** Proves the agent's phone: the code Twilio was asked to text, typed back. */
async function verifyPhone(owner: SignedUp, phone: string) {
  const as = asSession(t.app, owner.cookie);
  const sent = await as('POST', '/api/v1/account/phone/verification');
  expect(sent.statusCode, sent.body).toBe(202);
  expect(sent.json().sentTo).toBe(phone);
  const text = twilio.messages.filter((m) => m.To === phone).at(-1)!;
  const code = /code is (\d{6})\./.exec(text.Body)![1]!;
  const verified = await as('POST', '/api/v1/account/phone/verify', { code });
  expect(verified.statusCode, verified.body).toBe(200);
  expect(verified.json().phoneVerified).toBe(true);
}

/** A POST as Twilio makes it: form fields, signed over the public URL with the auth token. */
async function webhook(
  path: string,
  fields: Record<string, string>,
  options: { token?: string; signedUrl?: string; signature?: string | null } = {},
) {
  const url = `${PUBLIC_URL}${path}`;
  const signature =
    options.signature === undefined
      ? twilioSignature(options.token ?? FAKE_TWILIO_AUTH_TOKEN, options.signedUrl ?? url, fields)
      : options.signature;
  return t.app.inject({
    method: 'POST',
    url: path,
    payload: new URLSearchParams(fields).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature === null ? {} : { 'x-twilio-signature': signature }),
    },
  });
}

const inboundSms = (a: Account, from: string, body: string, messageSid = sid('SM')) => ({
  MessageSid: messageSid,
  AccountSid: FAKE_TWILIO_ACCOUNT_SID,
  From: from,
  To: a.number,
  Body: body,
  NumMedia: '0',
});

async function waitFor<T>(read: () => Promise<T> | T, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const counts = async (accountId: string) => {
  const [row] = await sql<{ leads: number; messages: number; calls: number; suppressions: number }>(
    accountId,
    `SELECT (SELECT count(*)::int FROM leads WHERE account_id = $1) AS leads,
       (SELECT count(*)::int FROM messages WHERE account_id = $1) AS messages,
       (SELECT count(*)::int FROM calls WHERE account_id = $1) AS calls,
       (SELECT count(*)::int FROM suppressions WHERE account_id = $1) AS suppressions`,
    [accountId],
  );
  return row!;
};

describe('Twilio signatures', () => {
  it('accepts a correctly signed request and refuses a changed field, a wrong token, http for https and a missing header, writing nothing', async () => {
    const a = await accountWithNumber();
    const from = nextNumber();
    const fields = inboundSms(a, from, 'Is the house on Elm still available?');
    const empty = await counts(a.accountId);

    const tampered = { ...fields, Body: 'Something else' };
    const forged = await webhook('/webhooks/twilio/sms', tampered, {
      signature: twilioSignature(FAKE_TWILIO_AUTH_TOKEN, `${PUBLIC_URL}/webhooks/twilio/sms`, fields),
    });
    const wrongToken = await webhook('/webhooks/twilio/sms', fields, {
      token: 'another-token-0123456789abcdef',
    });
    const http = await webhook('/webhooks/twilio/sms', fields, {
      signedUrl: `${PUBLIC_URL.replace('https:', 'http:')}/webhooks/twilio/sms`,
    });
    const unsigned = await webhook('/webhooks/twilio/sms', fields, { signature: null });
    for (const res of [forged, wrongToken, http, unsigned]) {
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect(await counts(a.accountId)).toEqual(empty);

    const ok = await webhook('/webhooks/twilio/sms', fields);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.headers['content-type']).toContain('text/xml');
    expect(ok.body).toContain('<Response');
    const inbound = await sql(
      a.accountId,
      `SELECT 1 FROM messages WHERE account_id = $1 AND direction = 'inbound'`,
      [a.accountId],
    );
    expect(inbound).toHaveLength(1);
  });

  it('answers 404 for a number no account has, and a text to one account never touches another', async () => {
    const a = await accountWithNumber();
    const b = await accountWithNumber();
    const before = await counts(a.accountId);
    const unknown = await webhook('/webhooks/twilio/sms', {
      ...inboundSms(a, nextNumber(), 'hi'),
      To: '+15125559999',
    });
    expect(unknown.statusCode).toBe(404);
    const toB = await webhook('/webhooks/twilio/sms', inboundSms(b, nextNumber(), 'Hello B'));
    expect(toB.statusCode).toBe(200);
    expect(await counts(a.accountId)).toEqual(before);
    expect((await counts(b.accountId)).leads).toBe(1);
  });
});

describe('inbound texts', () => {
  it('makes a lead with source sms from a new number, threads later texts onto it, and records each MessageSid once', async () => {
    const a = await accountWithNumber();
    const from = nextNumber();
    const first = inboundSms(a, from, 'Hi, what would my house sell for?');
    expect((await webhook('/webhooks/twilio/sms', first)).statusCode).toBe(200);
    // Twilio retries a webhook it thinks failed: the same MessageSid writes nothing more.
    expect((await webhook('/webhooks/twilio/sms', first)).statusCode).toBe(200);
    expect((await webhook('/webhooks/twilio/sms', inboundSms(a, from, 'It is 12 Elm St'))).statusCode).toBe(
      200,
    );

    const leads = await sql<{ id: string; source: string; phone_e164: string; message: string }>(
      a.accountId,
      'SELECT id, source, phone_e164, message FROM leads WHERE account_id = $1',
      [a.accountId],
    );
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({
      source: 'sms',
      phone_e164: from,
      message: 'Hi, what would my house sell for?',
    });
    const detail = (await asSession(t.app, a.cookie)('GET', `/api/v1/leads/${leads[0]!.id}`)).json();
    const inbound = detail.messages.filter((m: { direction: string }) => m.direction === 'inbound');
    expect(inbound.map((m: { body: string; status: string }) => [m.body, m.status])).toEqual([
      ['Hi, what would my house sell for?', 'received'],
      ['It is 12 Elm St', 'received'],
    ]);
    expect(detail.events.filter((e: { kind: string }) => e.kind === 'sms_received')).toHaveLength(2);
    // The new lead's alert goes to the agent by text (the account takes alerts by text).
    const alert = await waitFor(
      () => twilio.messages.find((m) => m.To === a.agentPhone && m.Body.startsWith('New lead')),
      (m) => m !== undefined,
    );
    expect(alert?.Body).toMatch(
      /^New lead: \+1512555\d{4}\. http:\/\/localhost:3000\/app\/leads\/[0-9a-f-]{36}$/,
    );
    expect(alert?.From).toBe(a.number);
    // The lead texting back reaches the agent too: a text and an email.
    const replied = await waitFor(
      () => twilio.messages.find((m) => m.To === a.agentPhone && m.Body.startsWith(`${from} texted:`)),
      (m) => m !== undefined,
    );
    expect(replied?.Body).toBe(
      `${from} texted: It is 12 Elm St http://localhost:3000/app/leads/${leads[0]!.id}`,
    );
    const mail = await waitFor(
      async () =>
        (
          (await t.app.inject({ method: 'GET', url: '/api/v1/dev/outbox' })).json().data as {
            to: string;
            subject: string;
            body: string;
          }[]
        ).find((m) => m.to === a.email && m.subject === `${from} texted you`),
      (m) => m !== undefined,
    );
    expect(mail?.body).toContain('It is 12 Elm St');
    // Only the reply is alerted that way: the first text made the lead (its own new-lead alert).
    expect(twilio.messages.filter((m) => m.To === a.agentPhone && m.Body.includes(' texted: '))).toHaveLength(
      1,
    );
    expect(twilio.unexpected).toEqual([]);
  });

  it("a lead's reply emails whom its arrival would (its assignee unless on none, else those on all); the agent's text stays", async () => {
    const a = await accountWithNumber();
    const mia = await makeUser(t.db, { accountId: a.accountId, name: 'Mia' });
    const assigned = nextNumber();
    const unassigned = nextNumber();
    await makeLead(t.db, {
      accountId: a.accountId,
      fullName: 'Rae Assigned',
      phoneE164: assigned,
      assignedUserId: mia.id,
    });
    await makeLead(t.db, { accountId: a.accountId, fullName: 'Sol Open', phoneE164: unassigned });
    /** Sends a reply; answers who was emailed about it and whether the agent's phone was texted. */
    const reply = async (from: string, who: string) => {
      const messageSid = sid('SM');
      expect(
        (await webhook('/webhooks/twilio/sms', inboundSms(a, from, 'Still interested', messageSid)))
          .statusCode,
      ).toBe(200);
      const rows = await sql<{ channel: string; to_address: string }>(
        a.accountId,
        `SELECT channel, to_address FROM messages WHERE account_id = $1 AND kind = 'agent_alert' AND idempotency_key LIKE $2`,
        [a.accountId, `reply:${messageSid}:%`],
      );
      expect(
        rows.filter((m) => m.channel === 'sms').map((m) => m.to_address),
        who,
      ).toEqual([a.agentPhone]);
      return rows.filter((m) => m.channel === 'email').map((m) => m.to_address);
    };
    // The owner is on `all` (from sign-up), Mia on `assigned`.
    expect(await reply(assigned, 'assigned')).toEqual([mia.email]);
    expect(await reply(unassigned, 'unassigned')).toEqual([a.email]);
    await setNotificationPreferences(t.db, a.accountId, mia.id, { newLeadAlerts: 'none' });
    expect(
      (await asSession(t.app, a.cookie)('PUT', '/api/v1/account/notifications', { newLeadAlerts: 'none' }))
        .statusCode,
    ).toBe(200);
    expect(await reply(assigned, 'assigned, on none')).toEqual([]);
    expect(await reply(unassigned, 'unassigned, owner on none')).toEqual([]);
  });

  it('STOP suppresses the number before answering and nothing is texted to it again; START lifts it; HELP names the business', async () => {
    const a = await accountWithNumber();
    const from = ukNumber();
    const stop = await webhook('/webhooks/twilio/sms', inboundSms(a, from, '  stop '));
    expect(stop.statusCode).toBe(200);
    // Twilio confirms the opt-out itself: no second message from us.
    expect(stop.body).not.toContain('<Message');
    const suppressed = await sql(
      a.accountId,
      `SELECT reason FROM suppressions WHERE account_id = $1 AND channel = 'sms' AND address = $2`,
      [a.accountId, from],
    );
    expect(suppressed).toEqual([{ reason: 'stop' }]);
    // A keyword alone makes no lead.
    expect((await counts(a.accountId)).leads).toBe(0);

    // A missed call from that number: the lead is made, the text-back is not sent.
    await missCall(a, from);
    const [textBack] = await sql<{ status: string }>(
      a.accountId,
      `SELECT status FROM messages WHERE account_id = $1 AND kind = 'missed_call_text_back'`,
      [a.accountId],
    );
    expect(textBack?.status).toBe('suppressed');
    await new Promise((r) => setTimeout(r, 300));
    expect(twilio.messages.filter((m) => m.To === from)).toEqual([]);

    for (const word of ['OPT OUT', 'Unsubscribe', 'quit.']) {
      const res = await webhook('/webhooks/twilio/sms', inboundSms(a, nextNumber(), word));
      expect(res.statusCode).toBe(200);
    }
    expect((await counts(a.accountId)).suppressions).toBe(4);

    expect((await webhook('/webhooks/twilio/sms', inboundSms(a, from, 'START'))).statusCode).toBe(200);
    expect(
      await sql(a.accountId, `SELECT 1 FROM suppressions WHERE account_id = $1 AND address = $2`, [
        a.accountId,
        from,
      ]),
    ).toEqual([]);

    const help = await webhook('/webhooks/twilio/sms', inboundSms(a, from, 'help'));
    expect(help.body).toContain(
      `<Message>Account ${a.email.split('@')[0]}: for help, call ${a.agentPhone} or reply to this text. Msg &amp; data rates may apply. Reply STOP to opt out.</Message>`,
    );
    const [reply] = await sql<{ kind: string; status: string }>(
      a.accountId,
      `SELECT kind, status FROM messages WHERE account_id = $1 AND kind = 'auto_reply'`,
      [a.accountId],
    );
    expect(reply).toEqual({ kind: 'auto_reply', status: 'sent' });
  });
});

/** An inbound call to the account's number that the agent does not pick up. */
async function missCall(a: Account, from: string, dialStatus = 'no-answer') {
  const callSid = sid('CA');
  const ring = await webhook('/webhooks/twilio/voice', {
    CallSid: callSid,
    AccountSid: FAKE_TWILIO_ACCOUNT_SID,
    From: from,
    To: a.number,
    CallStatus: 'ringing',
    Direction: 'inbound',
  });
  expect(ring.statusCode, ring.body).toBe(200);
  expect(ring.body).toContain(`<Number>${a.agentPhone}</Number>`);
  const action = /action="([^"]+)"/.exec(ring.body)![1]!.replaceAll('&amp;', '&');
  expect(
    action.startsWith(`${PUBLIC_URL}/webhooks/twilio/voice?step=dialed&account=${a.accountId}&call=`),
  ).toBe(true);
  const fields = {
    CallSid: callSid,
    AccountSid: FAKE_TWILIO_ACCOUNT_SID,
    DialCallStatus: dialStatus,
    DialCallDuration: '0',
  };
  const dialed = await webhook(action.slice(PUBLIC_URL.length), fields);
  expect(dialed.statusCode, dialed.body).toBe(200);
  return { callSid, action, fields, dialed };
}

describe('missed calls', () => {
  it('forwards a call to the agent; unanswered, it becomes a missed_call lead and the text-back goes from the number called', async () => {
    const a = await accountWithNumber({ timezone: dayZone() });
    const from = ukNumber();
    const { action, fields, dialed } = await missCall(a, from);
    expect(dialed.body).toContain('<Say>');
    // Twilio may post the step twice: nothing happens twice.
    expect((await webhook(action.slice(PUBLIC_URL.length), fields)).statusCode).toBe(200);

    const leads = await sql<{ id: string; source: string }>(
      a.accountId,
      'SELECT id, source FROM leads WHERE account_id = $1',
      [a.accountId],
    );
    expect(leads.map((l) => l.source)).toEqual(['missed_call']);
    const textBack = await waitFor(
      () => twilio.messages.filter((m) => m.To === from),
      (m) => m.length > 0,
    );
    expect(textBack).toHaveLength(1);
    expect(textBack[0]!.From).toBe(a.number);
    expect(textBack[0]!.Body).toMatch(/Sorry I missed your call! How can I help\? Reply STOP to opt out\.$/);
    expect(textBack[0]!.StatusCallback).toMatch(
      new RegExp(`^${PUBLIC_URL}/webhooks/twilio/status\\?account=${a.accountId}&message=[0-9a-f-]{36}$`),
    );
    const detail = (await asSession(t.app, a.cookie)('GET', `/api/v1/leads/${leads[0]!.id}`)).json();
    expect(
      detail.calls.map((c: { direction: string; status: string; outcome: string }) => [
        c.direction,
        c.status,
        c.outcome,
      ]),
    ).toEqual([['inbound', 'no-answer', 'missed']]);
    expect(detail.events.map((e: { kind: string }) => e.kind)).toEqual(
      expect.arrayContaining(['created', 'missed_call']),
    );

    // Delivery reports: delivered; a report never moves it back.
    const statusUrl = textBack[0]!.StatusCallback!.slice(PUBLIC_URL.length);
    const [sent] = await waitFor(
      () =>
        sql<{ provider_message_id: string | null }>(
          a.accountId,
          `SELECT provider_message_id FROM messages WHERE account_id = $1 AND kind = 'missed_call_text_back'`,
          [a.accountId],
        ),
      (rows) => rows[0]?.provider_message_id != null,
    );
    const report = (status: string, extra: Record<string, string> = {}) =>
      webhook(statusUrl, {
        MessageSid: sent!.provider_message_id!,
        MessageStatus: status,
        AccountSid: FAKE_TWILIO_ACCOUNT_SID,
        ...extra,
      });
    expect((await report('delivered')).statusCode).toBe(204);
    expect((await report('sent')).statusCode).toBe(204);
    const [after] = await sql(
      a.accountId,
      `SELECT status, provider_status FROM messages WHERE account_id = $1 AND kind = 'missed_call_text_back'`,
      [a.accountId],
    );
    expect(after).toEqual({ status: 'sent', provider_status: 'delivered' });
    // Another message's SID on this message's URL is not taken.
    expect((await webhook(statusUrl, { MessageSid: sid('SM'), MessageStatus: 'failed' })).statusCode).toBe(
      404,
    );
  });

  it('a report that the text was refused for STOP at the carrier (21610) fails it and suppresses the number', async () => {
    const a = await accountWithNumber({ timezone: dayZone() });
    const from = ukNumber();
    await missCall(a, from, 'busy');
    const [m] = await waitFor(
      () =>
        sql<{ id: string; provider_message_id: string | null }>(
          a.accountId,
          `SELECT id, provider_message_id FROM messages WHERE account_id = $1 AND kind = 'missed_call_text_back'`,
          [a.accountId],
        ),
      (rows) => rows[0]?.provider_message_id != null,
    );
    const url = `/webhooks/twilio/status?account=${a.accountId}&message=${m!.id}`;
    const res = await webhook(url, {
      MessageSid: m!.provider_message_id!,
      MessageStatus: 'undelivered',
      ErrorCode: '21610',
    });
    expect(res.statusCode).toBe(204);
    const [after] = await sql(
      a.accountId,
      'SELECT status, error FROM messages WHERE account_id = $1 AND id = $2',
      [a.accountId, m!.id],
    );
    expect(after).toEqual({ status: 'failed', error: 'twilio: undelivered (error 21610)' });
    expect(
      await sql(a.accountId, `SELECT reason FROM suppressions WHERE account_id = $1 AND address = $2`, [
        a.accountId,
        from,
      ]),
    ).toEqual([{ reason: 'stop' }]);
    // A call named for another account's URL is not found.
    const b = await accountWithNumber();
    const cross = await webhook(`/webhooks/twilio/status?account=${b.accountId}&message=${m!.id}`, {
      MessageSid: m!.provider_message_id!,
      MessageStatus: 'delivered',
    });
    expect(cross.statusCode).toBe(404);
  });

  it("at night in the caller's zone the text-back waits (deferred, not dropped) until 8:00 there", async () => {
    const zone = nightZone();
    const a = await accountWithNumber({ timezone: zone });
    const from = ukNumber();
    await missCall(a, from);
    const [m] = await sql<{ status: string; send_after: Date }>(
      a.accountId,
      `SELECT status, send_after FROM messages WHERE account_id = $1 AND kind = 'missed_call_text_back'`,
      [a.accountId],
    );
    expect(m?.status).toBe('queued');
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(m!.send_after);
    expect(local).toBe('08:00');
    await new Promise((r) => setTimeout(r, 500));
    expect(twilio.messages.filter((x) => x.To === from)).toEqual([]);
  });
});

describe('new-lead texts', () => {
  async function leadFor(a: Account, options: { consent?: string; phone?: string } = {}) {
    const page = await makePage(t.db, {
      accountId: a.accountId,
      kind: 'home_valuation',
      title: 'Home value',
    });
    const lead = await makeLead(t.db, {
      accountId: a.accountId,
      pageId: page.id,
      fullName: 'Sam Rivera',
      phoneE164: options.phone ?? ukNumber(),
      addressLine: '4 Birch Road',
    });
    if (options.consent) {
      await sql(
        a.accountId,
        `INSERT INTO lead_consents (account_id, id, lead_id, page_id, given, consent_text, text_hash)
         VALUES ($1, $2, $3, $4, true, $5, 'h')`,
        [a.accountId, crypto.randomUUID(), lead.id, page.id, options.consent],
      );
    }
    return lead;
  }

  it('texts the agent, and the lead only with consent that names texts', async () => {
    const a = await accountWithNumber({ timezone: dayZone() });
    const consenting = await leadFor(a, {
      consent: 'I agree to be contacted by phone, text message and email.',
    });
    const callsOnly = await leadFor(a, { consent: 'I agree to be contacted by phone and email.' });
    for (const lead of [consenting, callsOnly]) {
      const rows = await planLeadNotifications(t.db, deps(), {
        accountId: a.accountId,
        leadId: lead.id,
        event: 'created',
        jobId: crypto.randomUUID(),
      });
      await deliverAll(
        t.db,
        deps(),
        a.accountId,
        rows.filter((r) => r.channel === 'sms'),
        { lastAttempt: false, pepper: 'p' },
      );
    }
    const toLead = twilio.messages.filter((m) => m.To === consenting.phoneE164);
    expect(toLead).toHaveLength(1);
    expect(toLead[0]!.Body).toBe(
      `Hi Sam, this is Owner ${a.email.split('@')[0]} with Account ${a.email.split('@')[0]}. Thanks for your home value request for 4 Birch Road; I'm preparing your estimate and will be in touch shortly. Reply STOP to opt out.`,
    );
    expect(twilio.messages.filter((m) => m.To === callsOnly.phoneE164)).toEqual([]);
    expect(
      twilio.messages.filter((m) => m.To === a.agentPhone && m.Body.startsWith('New lead')),
    ).toHaveLength(2);
    const [usage] = await sql<{ sms_sent: number }>(
      a.accountId,
      'SELECT sms_sent FROM usage_counters WHERE account_id = $1',
      [a.accountId],
    );
    // The lead's text counts against the plan; the agent's alerts do not.
    expect(usage?.sms_sent).toBe(1);
  });

  it("defers the autoresponder text at night in the lead's zone and queues its send for 8:00", async () => {
    const a = await accountWithNumber({ timezone: nightZone() });
    const lead = await leadFor(a, { consent: 'You may text me.' });
    const rows = await planLeadNotifications(t.db, deps(), {
      accountId: a.accountId,
      leadId: lead.id,
      event: 'created',
      jobId: crypto.randomUUID(),
    });
    const deferred: Date[] = [];
    const outcome = await deliverAll(
      t.db,
      deps(),
      a.accountId,
      rows.filter((r) => r.channel === 'sms'),
      {
        lastAttempt: false,
        pepper: 'p',
        defer: async (_id, at) => {
          deferred.push(at);
        },
      },
    );
    // The agent's alert is not bound by quiet hours.
    expect(outcome).toMatchObject({ sent: 1, deferred: 1 });
    expect(deferred).toHaveLength(1);
    expect(deferred[0]!.getTime()).toBeGreaterThan(Date.now());
    expect(twilio.messages.filter((m) => m.To === lead.phoneE164)).toEqual([]);
  });
});

describe('a Twilio outage', () => {
  it('ends with the text sent exactly once: 500, then a timeout-free recovery', async () => {
    const a = await accountWithNumber({ timezone: dayZone() });
    const lead = await makeLead(t.db, { accountId: a.accountId, fullName: 'Out Age', phoneE164: ukNumber() });
    const [m] = await withTenant(t.db, a.accountId, async (_tx, client) => [
      await recordMessage(client, a.accountId, {
        leadId: lead.id,
        channel: 'sms',
        kind: 'manual',
        to: lead.phoneE164!,
        from: a.number,
        subject: null,
        body: 'Are you free at 4?',
        templateId: null,
        idempotencyKey: `manual:${crypto.randomUUID()}`,
        metered: true,
      }),
    ]);
    twilio.failNext(2, 500);
    const options = { lastAttempt: false, pepper: 'p' };
    expect(await deliverMessage(t.db, deps(), a.accountId, m!.id, options)).toBe('retry');
    expect(await deliverMessage(t.db, deps(), a.accountId, m!.id, options)).toBe('retry');
    expect(await deliverMessage(t.db, deps(), a.accountId, m!.id, options)).toBe('sent');
    // The job's later runs find it sent and send nothing.
    expect(await deliverMessage(t.db, deps(), a.accountId, m!.id, options)).toBe('skipped');
    expect(twilio.messages.filter((x) => x.To === lead.phoneE164)).toHaveLength(1);
    const [row] = await sql(
      a.accountId,
      'SELECT status, attempts, error FROM messages WHERE account_id = $1 AND id = $2',
      [a.accountId, m!.id],
    );
    expect(row).toEqual({ status: 'sent', attempts: 3, error: null });
    const [usage] = await sql<{ sms_sent: number }>(
      a.accountId,
      'SELECT sms_sent FROM usage_counters WHERE account_id = $1',
      [a.accountId],
    );
    expect(usage?.sms_sent).toBe(1);
  });

  it('never sends twice after an attempt cut short: the text is dead-lettered for a person to resend', async () => {
    const a = await accountWithNumber({ timezone: dayZone() });
    const lead = await makeLead(t.db, {
      accountId: a.accountId,
      fullName: 'Cut Short',
      phoneE164: ukNumber(),
    });
    const id = crypto.randomUUID();
    // As a crash between the attempt's record and the provider's answer leaves it.
    await sql(
      a.accountId,
      `INSERT INTO messages (account_id, id, lead_id, channel, kind, to_address, from_address, body, status, attempts,
         idempotency_key) VALUES ($1, $2, $3, 'sms', 'manual', $4, $5, 'Hello', 'sending', 1, $6)`,
      [a.accountId, id, lead.id, lead.phoneE164, a.number, `manual:${id}`],
    );
    expect(await deliverMessage(t.db, deps(), a.accountId, id, { lastAttempt: false, pepper: 'p' })).toBe(
      'failed',
    );
    expect(twilio.messages.filter((x) => x.To === lead.phoneE164)).toEqual([]);
    const [row] = await sql<{ status: string; error: string }>(
      a.accountId,
      'SELECT status, error FROM messages WHERE account_id = $1 AND id = $2',
      [a.accountId, id],
    );
    expect(row?.status).toBe('failed');
    expect(row?.error).toMatch(/may have been sent/);
  });
});

describe('voice callback', () => {
  it('rings the agent, announces the lead, bridges on 1, and records the outcome on the lead', async () => {
    const a = await accountWithNumber({ timezone: dayZone(), plan: 'pro', callback: true });
    const page = await makePage(t.db, {
      accountId: a.accountId,
      kind: 'buyer_interest',
      title: 'Find a home',
    });
    const lead = await makeLead(t.db, {
      accountId: a.accountId,
      pageId: page.id,
      fullName: 'Jo March',
      phoneE164: ukNumber(),
    });
    const call = await planCallbackFor(t.db, a.accountId, lead.id, crypto.randomUUID(), async () => {});
    expect(call?.status).toBe('queued');
    expect(await placeVoiceCallback(t.db, deps(), a.accountId, call!.id, { lastAttempt: false })).toBe(
      'placed',
    );
    // Once placed it is not placed again.
    expect(await placeVoiceCallback(t.db, deps(), a.accountId, call!.id, { lastAttempt: false })).toBe(
      'skipped',
    );

    const placed = twilio.calls.filter((c) => c.To === a.agentPhone);
    expect(placed).toHaveLength(1);
    expect(placed[0]!.From).toBe(a.number);
    expect(placed[0]!.Twiml).toContain(
      'New Porchlight lead from Find a home: Jo March. Press 1 to call them now.',
    );
    const gather = /action="([^"]+)"/.exec(placed[0]!.Twiml!)![1]!.replaceAll('&amp;', '&');
    const [row] = await sql<{ provider_call_id: string }>(
      a.accountId,
      'SELECT provider_call_id FROM calls WHERE account_id = $1 AND id = $2',
      [a.accountId, call!.id],
    );
    const callSid = row!.provider_call_id;

    const ringing = await webhook(placed[0]!.StatusCallback!.slice(PUBLIC_URL.length), {
      CallSid: callSid,
      CallStatus: 'in-progress',
    });
    expect(ringing.statusCode).toBe(204);
    const pressed = await webhook(gather.slice(PUBLIC_URL.length), { CallSid: callSid, Digits: '1' });
    expect(pressed.statusCode).toBe(200);
    expect(pressed.body).toContain(`<Dial callerId="${a.number}"`);
    expect(pressed.body).toContain(`<Number>${lead.phoneE164}</Number>`);
    const bridged = /action="([^"]+)"/.exec(pressed.body)![1]!.replaceAll('&amp;', '&');
    expect(
      (
        await webhook(bridged.slice(PUBLIC_URL.length), {
          CallSid: callSid,
          DialCallStatus: 'completed',
          DialCallDuration: '95',
        })
      ).statusCode,
    ).toBe(200);
    const done = await webhook(placed[0]!.StatusCallback!.slice(PUBLIC_URL.length), {
      CallSid: callSid,
      CallStatus: 'completed',
      CallDuration: '120',
    });
    expect(done.statusCode).toBe(204);

    const detail = (await asSession(t.app, a.cookie)('GET', `/api/v1/leads/${lead.id}`)).json();
    expect(detail.calls).toHaveLength(1);
    expect(detail.calls[0]).toMatchObject({
      kind: 'voice_callback',
      status: 'completed',
      outcome: 'connected',
      durationSeconds: 120,
    });
    expect(detail.events.map((e: { kind: string }) => e.kind)).toContain('call_connected');
    expect(detail.speedToLead.firstTouchSeconds).not.toBeNull();
    expect(twilio.unexpected).toEqual([]);
  });

  it("is queued by a form submission on its own: rings the agent at once, or waits out the lead's quiet hours", async () => {
    const a = await accountWithNumber({ plan: 'pro', callback: true });
    const page = await makePage(t.db, { accountId: a.accountId, kind: 'contact', title: 'Contact me' });
    await routePage(t.db, a.accountId, page.id);
    // A ZIP whose zone is in its day now, if any US zone is (there are hours when none is).
    const zips: [string, string][] = [
      ['10001', 'America/New_York'],
      ['60601', 'America/Chicago'],
      ['80202', 'America/Denver'],
      ['90012', 'America/Los_Angeles'],
      ['99501', 'America/Anchorage'],
      ['96813', 'Pacific/Honolulu'],
      ['00901', 'America/Puerto_Rico'],
    ];
    const day = zips.find(([, zone]) => !isQuietTime(new Date(), zone));
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/public/pages/${page.id}/leads`,
      payload: {
        fullName: 'Rae Call',
        phone: '(212) 555-0188',
        postalCode: (day ?? zips[0]!)[0],
        message: 'Call me',
      },
      remoteAddress: '203.0.113.77',
    });
    expect(res.statusCode, res.body).toBe(201);
    const { leadId } = res.json();
    const [call] = await waitFor(
      () =>
        sql<{ status: string; to_number: string }>(
          a.accountId,
          'SELECT status, to_number FROM calls WHERE account_id = $1 AND lead_id = $2',
          [a.accountId, leadId],
        ),
      (rows) => rows.length > 0 && (day === undefined || rows[0]!.status !== 'queued'),
    );
    expect(call?.to_number).toBe(a.agentPhone);
    if (day) {
      const placed = await waitFor(
        () => twilio.calls.filter((c) => c.To === a.agentPhone),
        (c) => c.length > 0,
      );
      expect(placed).toHaveLength(1);
      expect(placed[0]!.Twiml).toContain('Rae Call');
    } else {
      expect(call?.status).toBe('deferred');
    }
  });

  it('is not placed on a plan without it, nor for an agent who did not turn it on', async () => {
    const trial = await accountWithNumber({ callback: true });
    const off = await accountWithNumber({ plan: 'pro' });
    for (const a of [trial, off]) {
      const lead = await makeLead(t.db, {
        accountId: a.accountId,
        fullName: 'No Call',
        phoneE164: ukNumber(),
      });
      expect(
        await planCallbackFor(t.db, a.accountId, lead.id, crypto.randomUUID(), async () => {}),
      ).toBeNull();
    }
  });

  it('an agent who does not answer ends it as agent_no_answer; a step for a call the account does not have is 404', async () => {
    const a = await accountWithNumber({ timezone: dayZone(), plan: 'pro', callback: true });
    const lead = await makeLead(t.db, { accountId: a.accountId, fullName: 'Amy', phoneE164: ukNumber() });
    const call = await planCallbackFor(t.db, a.accountId, lead.id, crypto.randomUUID(), async () => {});
    await placeVoiceCallback(t.db, deps(), a.accountId, call!.id, { lastAttempt: false });
    const placed = twilio.calls.find((c) => c.To === a.agentPhone)!;
    const [row] = await sql<{ provider_call_id: string }>(
      a.accountId,
      'SELECT provider_call_id FROM calls WHERE account_id = $1 AND id = $2',
      [a.accountId, call!.id],
    );
    const status = placed.StatusCallback!.slice(PUBLIC_URL.length);
    expect(
      (await webhook(status, { CallSid: row!.provider_call_id, CallStatus: 'no-answer' })).statusCode,
    ).toBe(204);
    const [after] = await sql(
      a.accountId,
      'SELECT status, outcome FROM calls WHERE account_id = $1 AND id = $2',
      [a.accountId, call!.id],
    );
    expect(after).toEqual({ status: 'no-answer', outcome: 'agent_no_answer' });

    const other = await accountWithNumber();
    const foreign = await webhook(
      `/webhooks/twilio/voice?step=callback&account=${other.accountId}&call=${call!.id}`,
      {
        CallSid: row!.provider_call_id,
        Digits: '1',
      },
    );
    expect(foreign.statusCode).toBe(404);
  });
});

describe('phone numbers API', () => {
  it('normalizes, refuses a bad number by field, refuses a taken one, and disconnects', async () => {
    const owner = await signUp(t.app, 'num');
    const as = asSession(t.app, owner.cookie);
    const added = await as('POST', '/api/v1/phone-numbers', {
      e164: '(512) 555-0177',
      provider: 'twilio',
      purpose: 'main',
    });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toMatchObject({
      e164: '+15125550177',
      provider: 'twilio',
      purpose: 'main',
      providerId: null,
    });
    const bad = await as('POST', '/api/v1/phone-numbers', { e164: '12', provider: 'fax' });
    expect(bad.statusCode).toBe(422);
    expect(
      bad
        .json()
        .errors.map((e: { path: string }) => e.path)
        .sort(),
    ).toEqual(['body.e164', 'body.provider']);
    const invalid = await as('POST', '/api/v1/phone-numbers', {
      e164: '+1 000 000 0000',
      provider: 'twilio',
    });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().errors[0].path).toBe('body.e164');
    const again = await as('POST', '/api/v1/phone-numbers', { e164: '+15125550177', provider: 'vapi' });
    expect(again.statusCode).toBe(409);
    const list = (await as('GET', '/api/v1/phone-numbers')).json();
    expect(list.data).toHaveLength(1);
    expect(list.webhooks).toEqual({
      sms: `${PUBLIC_URL}/webhooks/twilio/sms`,
      voice: `${PUBLIC_URL}/webhooks/twilio/voice`,
      status: `${PUBLIC_URL}/webhooks/twilio/status`,
    });
    expect((await as('DELETE', `/api/v1/phone-numbers/${added.json().id}`)).statusCode).toBe(204);
    expect((await as('DELETE', `/api/v1/phone-numbers/${added.json().id}`)).statusCode).toBe(404);
    expect((await as('DELETE', '/api/v1/phone-numbers/not-a-uuid')).statusCode).toBe(404);
    // Released: texts to it route nowhere now.
    const res = await webhook('/webhooks/twilio/sms', {
      MessageSid: sid('SM'),
      From: nextNumber(),
      To: '+15125550177',
      Body: 'hello?',
    });
    expect(res.statusCode).toBe(404);
  });

  it("proves the agent's phone with a texted code: wrong codes and too many asks are refused, a new phone must prove itself again", async () => {
    const a = await accountWithNumber({ verify: false });
    const as = asSession(t.app, a.cookie);
    expect((await as('GET', '/api/v1/account')).json()).toMatchObject({
      phone: a.agentPhone,
      phoneVerified: false,
    });
    // Unverified: a new lead's alert is not texted to it.
    const lead = await makeLead(t.db, { accountId: a.accountId, phoneE164: ukNumber() });
    const rows = await planLeadNotifications(t.db, deps(), {
      accountId: a.accountId,
      leadId: lead.id,
      event: 'created',
      jobId: crypto.randomUUID(),
    });
    expect(rows.filter((r) => r.channel === 'sms')).toEqual([]);

    expect((await as('POST', '/api/v1/account/phone/verification')).statusCode).toBe(202);
    const again = await as('POST', '/api/v1/account/phone/verification');
    expect(again.statusCode).toBe(429);
    expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);
    const text = twilio.messages.filter((m) => m.To === a.agentPhone).at(-1)!;
    expect(text.Body).toMatch(/^Your Porchlight code is \d{6}\. It expires in 10 minutes\.$/);
    const code = /(\d{6})/.exec(text.Body)![1]!;
    const wrong = await as('POST', '/api/v1/account/phone/verify', {
      code: code === '000000' ? '111111' : '000000',
    });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().errors[0]).toEqual({ path: 'code', message: 'is not the code we texted' });
    const malformed = await as('POST', '/api/v1/account/phone/verify', { code: '12ab' });
    expect(malformed.statusCode).toBe(422);
    // The code is never stored: the message on record does not hold it.
    const [stored] = await sql<{ body: string }>(
      a.accountId,
      `SELECT body FROM messages WHERE account_id = $1 AND kind = 'verification'`,
      [a.accountId],
    );
    expect(stored?.body).not.toContain(code);
    expect((await as('POST', '/api/v1/account/phone/verify', { code })).json().phoneVerified).toBe(true);
    // A code is good once.
    expect((await as('POST', '/api/v1/account/phone/verify', { code })).statusCode).toBe(422);

    const changed = await as('PATCH', '/api/v1/account', { phone: nextNumber() });
    expect(changed.json().phoneVerified).toBe(false);
    const same = await as('PATCH', '/api/v1/account', { name: 'Renamed' });
    expect(same.json().phoneVerified).toBe(false);
  });

  it('refuses texts to the agent without a phone to send them to', async () => {
    const owner = await signUp(t.app, 'nophone');
    const res = await asSession(t.app, owner.cookie)('PATCH', '/api/v1/account', { smsOptIn: true });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0].path).toBe('smsOptIn');
  });
});
