import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_BREVO_KEY, fakeBrevo } from './brevo.fake.ts';
import { createBrevoEmailProvider } from './brevo.ts';
import { brevoRequest, sendgridEventKeys, signedSendgridRequest } from './events.fake.ts';
import {
  brevoCustomValue,
  type EmailEvent,
  parseBrevoCustomValue,
  parseSendgridPublicKey,
  verifyBrevoEvents,
  verifySendgridEvents,
  verifySendgridSignature,
} from './events.ts';
import { FAKE_SENDGRID_KEY, fakeSendgrid } from './sendgrid.fake.ts';
import { createSendgridEmailProvider } from './sendgrid.ts';
import { RECIPIENT, sampleEmail } from './testing.ts';

const ACCOUNT = '0b7f4c1e-2d3a-4e5f-8a9b-0c1d2e3f4a5b';
const MESSAGE = '9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';
const TS = 1_700_000_000;
const NOW = new Date((TS + 5) * 1000);
const keys = sendgridEventKeys();

/** A SendGrid event as it arrives: SendGrid's fields, our custom args at the top level. */
const sg = (event: string, over: Record<string, unknown> = {}) => ({
  email: RECIPIENT,
  timestamp: TS - 60,
  'smtp-id': '<14c5d75ce93.dfd.64b469@ismtpd-555>',
  event,
  category: 'cat facts',
  sg_event_id: `evt-${event}`,
  sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0',
  idempotency_key: MESSAGE,
  accountId: ACCOUNT,
  messageId: MESSAGE,
  ...over,
});

const verifySg = (
  req: { rawBody: string; headers: Record<string, string | string[] | undefined> },
  over = {},
) => verifySendgridEvents({ ...req, publicKey: keys.publicKey, now: NOW, ...over });

/** A raw body signed as SendGrid would sign it, whatever it holds. */
const signRaw = (rawBody: string, timestamp = TS) => ({
  rawBody,
  headers: {
    'x-twilio-email-event-webhook-signature': keys.sign(timestamp, rawBody),
    'x-twilio-email-event-webhook-timestamp': String(timestamp),
  },
});

const okEvents = (result: ReturnType<typeof verifySendgridEvents>): EmailEvent[] => {
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result.events;
};
const refused = (result: ReturnType<typeof verifySendgridEvents>): string => {
  if (result.ok) throw new Error('accepted, should have been refused');
  return result.reason;
};

describe('SendGrid signature', () => {
  it('verifies the sample signature from SendGrid’s own helper tests, and nothing else', () => {
    // Public test vector from sendgrid/sendgrid-nodejs packages/eventwebhook (made with a key
    // SendGrid generated): proves the algorithm is the one SendGrid uses, not just self-consistent.
    const publicKey =
      'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==';
    const signature =
      'MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=';
    const rawBody = '{"category":"example_payload","event":"test_event","message_id":"message_id"}';
    const ok = { publicKey, timestamp: '1588788367', rawBody, signature };
    expect(verifySendgridSignature(ok)).toBe(true);
    expect(verifySendgridSignature({ ...ok, timestamp: '1588788368' })).toBe(false);
    expect(verifySendgridSignature({ ...ok, rawBody: `${rawBody} ` })).toBe(false);
    expect(verifySendgridSignature({ ...ok, publicKey: keys.publicKey })).toBe(false);
    expect(verifySendgridSignature({ ...ok, signature: 'not base64!' })).toBe(false);
    expect(verifySendgridSignature({ ...ok, signature: Buffer.from('junk').toString('base64') })).toBe(false);
  });

  it('reads the key as SendGrid shows it (base64 DER) or as PEM, and refuses anything but P-256', () => {
    expect(parseSendgridPublicKey(keys.publicKey).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const pem = parseSendgridPublicKey(keys.publicKey).export({ format: 'pem', type: 'spki' }).toString();
    expect(parseSendgridPublicKey(pem).asymmetricKeyType).toBe('ec');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
      .publicKey.export({ format: 'der', type: 'spki' })
      .toString('base64');
    expect(() => parseSendgridPublicKey(p384)).toThrow(/P-256/);
    expect(() => parseSendgridPublicKey('')).toThrow(/empty/);
    expect(() => parseSendgridPublicKey('bm90IGEga2V5')).toThrow();
  });
});

describe('verifySendgridEvents', () => {
  it('accepts a signed batch and maps each event', () => {
    const batch = [
      sg('bounce', { type: 'bounce', reason: '550 5.1.1 unknown recipient', status: '5.1.1' }),
      sg('bounce', { type: 'blocked', reason: '421 try later' }),
      sg('bounce', { reason: '550 no such user' }),
      sg('deferred', { response: '400 try again later', attempt: '5' }),
      sg('dropped', { reason: 'Bounced Address', status: '5.0.0' }),
      sg('dropped', { reason: 'Invalid' }),
      sg('dropped', { reason: 'Unsubscribed Address' }),
      sg('spamreport'),
      sg('unsubscribe'),
      sg('group_unsubscribe', { asm_group_id: 10 }),
      sg('delivered', { response: '250 OK' }),
      sg('open', { useragent: 'Mozilla/5.0' }),
    ];
    const events = okEvents(verifySg(signedSendgridRequest(batch, keys, TS)));
    expect(events.map((e) => [e.kind, e.hard])).toEqual([
      ['bounce', true],
      ['bounce', false],
      ['bounce', true],
      ['bounce', false],
      ['bounce', true],
      ['bounce', true],
      ['other', false],
      ['complaint', false],
      ['unsubscribe', false],
      ['unsubscribe', false],
      ['other', false],
      ['other', false],
    ]);
    expect(events[0]).toEqual({
      kind: 'bounce',
      hard: true,
      email: RECIPIENT,
      accountId: ACCOUNT,
      messageId: MESSAGE,
      providerEventId: 'evt-bounce',
      at: new Date((TS - 60) * 1000),
    });
  });

  it('gives null ids for events without our custom args or with malformed ones, and lowercases uuids', () => {
    const { accountId: _a, messageId: _m, ...bare } = sg('bounce', { type: 'bounce' });
    const batch = [
      bare,
      sg('spamreport', { accountId: 'acct-1', messageId: `${MESSAGE}x`, sg_event_id: '' }),
      sg('spamreport', { accountId: ACCOUNT.toUpperCase(), messageId: 42, timestamp: 'soon' }),
    ];
    const events = okEvents(verifySg(signedSendgridRequest(batch, keys, TS)));
    expect(events.map((e) => [e.accountId, e.messageId])).toEqual([
      [null, null],
      [null, null],
      [ACCOUNT, null],
    ]);
    expect(events[1]?.providerEventId).toBeNull();
    expect(events[2]?.at).toBeNull();
  });

  it('skips array items that are not events with an address', () => {
    const batch = [
      sg('bounce', { type: 'bounce' }),
      sg('bounce', { email: 42 }),
      sg('bounce', { email: '' }),
    ];
    const rawBody = JSON.stringify([...batch, null, 'x', [1]]);
    expect(okEvents(verifySg(signRaw(rawBody)))).toHaveLength(1);
  });

  it('finds the headers whatever their case', () => {
    const req = signedSendgridRequest([sg('spamreport')], keys, TS);
    const headers = {
      'X-Twilio-Email-Event-Webhook-Signature': req.headers['x-twilio-email-event-webhook-signature'],
      'X-TWILIO-EMAIL-EVENT-WEBHOOK-TIMESTAMP': String(TS),
    };
    expect(okEvents(verifySg({ rawBody: req.rawBody, headers }))).toHaveLength(1);
  });

  it('takes the raw body as a Buffer too', () => {
    const req = signedSendgridRequest([sg('spamreport', { email: 'zoë@example.org' })], keys, TS);
    const events = okEvents(
      verifySendgridEvents({
        rawBody: Buffer.from(req.rawBody),
        headers: req.headers,
        publicKey: keys.publicKey,
        now: NOW,
      }),
    );
    expect(events[0]?.email).toBe('zoë@example.org');
  });

  it('refuses a changed body', () => {
    const req = signedSendgridRequest([sg('delivered')], keys, TS);
    const rawBody = req.rawBody.replace('delivered', 'spamreport');
    expect(refused(verifySg({ ...req, rawBody }))).toBe('signature does not verify');
    // Even a change JSON does not see (re-serialised, spaced out) breaks it: bytes are signed.
    const spaced = JSON.stringify(JSON.parse(req.rawBody), null, 1);
    expect(refused(verifySg({ ...req, rawBody: spaced }))).toBe('signature does not verify');
  });

  it('refuses a signature made with another key', () => {
    const other = sendgridEventKeys();
    const req = signedSendgridRequest([sg('spamreport')], other, TS);
    expect(refused(verifySg(req))).toBe('signature does not verify');
  });

  it('refuses a signature over another timestamp', () => {
    const req = signedSendgridRequest([sg('spamreport')], keys, TS);
    req.headers['x-twilio-email-event-webhook-timestamp'] = String(TS + 1);
    expect(refused(verifySg(req))).toBe('signature does not verify');
  });

  it('refuses a missing, empty, doubled or garbled header', () => {
    const req = signedSendgridRequest([sg('spamreport')], keys, TS);
    const sig = req.headers['x-twilio-email-event-webhook-signature']!;
    const without = (name: string) => {
      const { [name]: _drop, ...rest } = req.headers;
      return { rawBody: req.rawBody, headers: rest };
    };
    expect(refused(verifySg(without('x-twilio-email-event-webhook-signature')))).toBe(
      'X-Twilio-Email-Event-Webhook-Signature: missing',
    );
    expect(refused(verifySg(without('x-twilio-email-event-webhook-timestamp')))).toBe(
      'X-Twilio-Email-Event-Webhook-Timestamp: missing',
    );
    expect(
      refused(
        verifySg({ ...req, headers: { ...req.headers, 'x-twilio-email-event-webhook-signature': '' } }),
      ),
    ).toMatch(/missing/);
    expect(
      refused(
        verifySg({
          ...req,
          headers: { ...req.headers, 'x-twilio-email-event-webhook-signature': [sig, sig] },
        }),
      ),
    ).toMatch(/more than once/);
    expect(
      refused(
        verifySg({ ...req, headers: { ...req.headers, 'x-twilio-email-event-webhook-timestamp': ' 1' } }),
      ),
    ).toMatch(/not a Unix time/);
    expect(
      refused(
        verifySg({ ...req, headers: { ...req.headers, 'x-twilio-email-event-webhook-signature': 'AAAA' } }),
      ),
    ).toBe('signature does not verify');
  });

  it('refuses a stale timestamp and one from the future, with a tolerance that can be set', () => {
    const old = signedSendgridRequest([sg('spamreport')], keys, TS - 601);
    expect(
      refused(verifySendgridEvents({ ...old, publicKey: keys.publicKey, now: new Date(TS * 1000) })),
    ).toBe('timestamp is 601 s old');
    expect(
      verifySendgridEvents({
        ...old,
        publicKey: keys.publicKey,
        now: new Date(TS * 1000),
        toleranceSeconds: 900,
      }).ok,
    ).toBe(true);
    const edge = signedSendgridRequest([sg('spamreport')], keys, TS - 600);
    expect(verifySendgridEvents({ ...edge, publicKey: keys.publicKey, now: new Date(TS * 1000) }).ok).toBe(
      true,
    );
    const ahead = signedSendgridRequest([sg('spamreport')], keys, TS + 601);
    expect(
      refused(verifySendgridEvents({ ...ahead, publicKey: keys.publicKey, now: new Date(TS * 1000) })),
    ).toBe('timestamp is 601 s in the future');
    // Without `now`, the clock: a request signed just now passes.
    const fresh = signedSendgridRequest([sg('spamreport')], keys);
    expect(verifySendgridEvents({ ...fresh, publicKey: keys.publicKey }).ok).toBe(true);
  });

  it('refuses a signed body that is not a JSON array', () => {
    const sign = (rawBody: string) => signRaw(rawBody);
    expect(refused(verifySg(sign('[{"event":"bounce",')))).toBe('body is not a JSON array');
    expect(refused(verifySg(sign(JSON.stringify(sg('bounce')))))).toBe('body is not a JSON array');
    expect(refused(verifySg(sign('')))).toBe('body is not a JSON array');
    expect(okEvents(verifySg(sign('[]')))).toEqual([]);
  });

  it('refuses everything when the configured key is empty or not a P-256 key', () => {
    const req = signedSendgridRequest([sg('spamreport')], keys, TS);
    expect(refused(verifySg(req, { publicKey: '' }))).toMatch(/empty/);
    expect(refused(verifySg(req, { publicKey: 'bm90IGEga2V5' }))).toBeTruthy();
  });
});

const TOKEN = 'brevo-webhook-token-0123456789abcdef';

/** A Brevo transactional event as documented, with our X-Mailin-custom value. */
const bv = (event: string, over: Record<string, unknown> = {}) => ({
  event,
  email: RECIPIENT,
  id: 123456,
  date: '2024-05-01 12:00:00',
  ts: 1714557600,
  'message-id': '<202405011200.12345678901@smtp-relay.mailin.fr>',
  ts_event: 1714557600,
  subject: 'About 12 Elm Street',
  'X-Mailin-custom': brevoCustomValue(ACCOUNT, MESSAGE),
  sending_ip: '185.41.28.109',
  ts_epoch: 1714557600123,
  ...over,
});

const okBrevo = (result: ReturnType<typeof verifyBrevoEvents>): EmailEvent[] => {
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result.events;
};
const refusedBrevo = (result: ReturnType<typeof verifyBrevoEvents>): string => {
  if (result.ok) throw new Error('accepted, should have been refused');
  return result.reason;
};
const withAuth = (authorization: string | string[] | undefined, body: object = bv('hard_bounce')) => ({
  rawBody: JSON.stringify(body),
  headers: { 'content-type': 'application/json', authorization },
  token: TOKEN,
});

describe('verifyBrevoEvents', () => {
  it('accepts the right bearer token and maps the event, ids from X-Mailin-custom', () => {
    const events = okBrevo(verifyBrevoEvents({ ...brevoRequest(bv('hard_bounce'), TOKEN), token: TOKEN }));
    expect(events).toEqual([
      {
        kind: 'bounce',
        hard: true,
        email: RECIPIENT,
        accountId: ACCOUNT,
        messageId: MESSAGE,
        providerEventId: '<202405011200.12345678901@smtp-relay.mailin.fr>|hard_bounce|1714557600123',
        at: new Date(1714557600123),
      },
    ]);
  });

  it('refuses a wrong, missing, doubled or unknown-scheme Authorization', () => {
    expect(refusedBrevo(verifyBrevoEvents(withAuth(`Bearer ${TOKEN}x`)))).toBe('Authorization: wrong token');
    expect(refusedBrevo(verifyBrevoEvents(withAuth('Bearer nope')))).toBe('Authorization: wrong token');
    expect(refusedBrevo(verifyBrevoEvents(withAuth(undefined)))).toBe('Authorization: missing');
    expect(refusedBrevo(verifyBrevoEvents(withAuth('')))).toBe('Authorization: missing');
    expect(refusedBrevo(verifyBrevoEvents(withAuth([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`])))).toMatch(
      /more than once/,
    );
    expect(refusedBrevo(verifyBrevoEvents(withAuth(`Token ${TOKEN}`)))).toMatch(/neither Bearer nor Basic/);
    expect(refusedBrevo(verifyBrevoEvents(withAuth(TOKEN)))).toMatch(/neither Bearer nor Basic/);
    expect(refusedBrevo(verifyBrevoEvents(withAuth(`Bearer ${TOKEN} extra`)))).toMatch(/neither/);
  });

  it('accepts the scheme in any case and Basic with the token as password (user:token@ in the URL)', () => {
    expect(verifyBrevoEvents(withAuth(`bearer ${TOKEN}`)).ok).toBe(true);
    const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
    expect(verifyBrevoEvents(withAuth(basic(`brevo:${TOKEN}`))).ok).toBe(true);
    expect(verifyBrevoEvents(withAuth(basic(`:${TOKEN}`))).ok).toBe(true);
    expect(refusedBrevo(verifyBrevoEvents(withAuth(basic(`${TOKEN}:wrong`))))).toBe(
      'Authorization: wrong token',
    );
    expect(refusedBrevo(verifyBrevoEvents(withAuth(basic(TOKEN))))).toMatch(/neither/);
    expect(refusedBrevo(verifyBrevoEvents(withAuth('Basic !!!not-base64!!!')))).toMatch(/neither/);
  });

  it('refuses everything when no token is configured, even an empty bearer', () => {
    const req = { ...withAuth('Bearer '), token: '' };
    expect(refusedBrevo(verifyBrevoEvents(req))).toBe('no Brevo webhook token is configured');
    expect(refusedBrevo(verifyBrevoEvents({ ...withAuth(`Bearer ${TOKEN}`), token: '' }))).toMatch(
      /no Brevo/,
    );
  });

  it('maps each Brevo event name', () => {
    const names = [
      'hard_bounce',
      'soft_bounce',
      'deferred',
      'invalid_email',
      'blocked',
      'spam',
      'complaint',
      'unsubscribed',
      'unsubscribe',
      'delivered',
      'request',
      'opened',
      'click',
      'error',
    ];
    const events = okBrevo(
      verifyBrevoEvents(
        withAuth(
          `Bearer ${TOKEN}`,
          names.map((n) => bv(n)),
        ),
      ),
    );
    expect(Object.fromEntries(names.map((n, i) => [n, [events[i]?.kind, events[i]?.hard]]))).toEqual({
      hard_bounce: ['bounce', true],
      soft_bounce: ['bounce', false],
      deferred: ['bounce', false],
      invalid_email: ['bounce', true],
      blocked: ['bounce', true],
      spam: ['complaint', false],
      complaint: ['complaint', false],
      unsubscribed: ['unsubscribe', false],
      unsubscribe: ['unsubscribe', false],
      delivered: ['other', false],
      request: ['other', false],
      opened: ['other', false],
      click: ['other', false],
      error: ['other', false],
    });
  });

  it('gives null ids, not a throw, for a malformed or foreign X-Mailin-custom', () => {
    const values: unknown[] = [
      undefined,
      'some_custom_header',
      '{"porchlight":"x"}',
      'porchlight:',
      'porchlight:not-a-uuid:also-not',
      `PORCHLIGHT:${ACCOUNT}:${MESSAGE}`,
      `x-porchlight:${ACCOUNT}:${MESSAGE}`,
      42,
      { accountId: ACCOUNT },
    ];
    for (const value of values) {
      const events = okBrevo(
        verifyBrevoEvents(withAuth(`Bearer ${TOKEN}`, bv('spam', { 'X-Mailin-custom': value }))),
      );
      expect(events[0], String(value)).toMatchObject({ kind: 'complaint', accountId: null, messageId: null });
    }
  });

  it('keeps a good id when the other half is missing or not a uuid', () => {
    expect(parseBrevoCustomValue(`porchlight:${ACCOUNT}`)).toEqual({ accountId: ACCOUNT, messageId: null });
    expect(parseBrevoCustomValue(`porchlight:${ACCOUNT}:invitation:${MESSAGE}`)).toEqual({
      accountId: ACCOUNT,
      messageId: null,
    });
    expect(parseBrevoCustomValue(`porchlight:acct:${MESSAGE.toUpperCase()}`)).toEqual({
      accountId: null,
      messageId: MESSAGE,
    });
    expect(parseBrevoCustomValue(brevoCustomValue(ACCOUNT, MESSAGE))).toEqual({
      accountId: ACCOUNT,
      messageId: MESSAGE,
    });
  });

  it('takes the time from ts_epoch, else ts_event, and names the event only when it can', () => {
    const { ts_epoch: _e, ...noEpoch } = bv('hard_bounce');
    const { ts_epoch: _e2, ts_event: _t, ts: _s, ...noTime } = bv('hard_bounce');
    const { 'message-id': _m, ...noMessage } = bv('hard_bounce');
    const events = okBrevo(verifyBrevoEvents(withAuth(`Bearer ${TOKEN}`, [noEpoch, noTime, noMessage])));
    expect(events[0]?.at).toEqual(new Date(1714557600 * 1000));
    expect(events[0]?.providerEventId).toBe(
      '<202405011200.12345678901@smtp-relay.mailin.fr>|hard_bounce|1714557600',
    );
    expect(events[1]?.at).toBeNull();
    expect(events[1]?.providerEventId).toBeNull();
    expect(events[2]?.providerEventId).toBeNull();
  });

  it('accepts an array, skips items without an address, and refuses a body that is not JSON or an object', () => {
    const events = okBrevo(
      verifyBrevoEvents(withAuth(`Bearer ${TOKEN}`, [bv('spam'), bv('spam', { email: null }), 'x', null])),
    );
    expect(events).toHaveLength(1);
    const raw = (rawBody: string) => verifyBrevoEvents({ ...withAuth(`Bearer ${TOKEN}`), rawBody });
    expect(refusedBrevo(raw('{"event":'))).toBe('body is not a JSON object or array');
    expect(refusedBrevo(raw('"hard_bounce"'))).toBe('body is not a JSON object or array');
    expect(refusedBrevo(raw('null'))).toBe('body is not a JSON object or array');
    expect(refusedBrevo(raw(''))).toBe('body is not a JSON object or array');
  });

  it('checks the token before reading the body', () => {
    expect(refusedBrevo(verifyBrevoEvents({ ...withAuth('Bearer nope'), rawBody: '{' }))).toBe(
      'Authorization: wrong token',
    );
  });
});

describe('what the adapters send comes back on the webhooks', () => {
  let brevo = fakeBrevo();
  let sendgrid = fakeSendgrid();
  beforeEach(async () => {
    brevo = fakeBrevo();
    sendgrid = fakeSendgrid();
    await Promise.all([brevo.start(), sendgrid.start()]);
  });
  afterEach(async () => {
    await Promise.all([brevo.stop(), sendgrid.stop()]);
  });

  it('Brevo: X-Mailin-custom carries the account and message ids, and only for an account’s send', async () => {
    const provider = createBrevoEmailProvider({ apiKey: FAKE_BREVO_KEY, apiUrl: brevo.url });
    await provider.send(sampleEmail({ accountId: ACCOUNT }), { idempotencyKey: MESSAGE });
    await provider.send(sampleEmail(), { idempotencyKey: 'verify-job-1' });
    expect(brevo.unexpected).toEqual([]);
    const headers = brevo.accepted[0]?.headers ?? {};
    expect(headers['X-Mailin-custom']).toBe(`porchlight:${ACCOUNT}:${MESSAGE}`);
    expect(headers['Idempotency-Key']).toBe(MESSAGE);
    expect(brevo.accepted[1]?.headers).not.toHaveProperty('X-Mailin-custom');

    const event = bv('hard_bounce', { 'X-Mailin-custom': headers['X-Mailin-custom'] });
    const events = okBrevo(verifyBrevoEvents({ ...brevoRequest(event, TOKEN), token: TOKEN }));
    expect(events[0]).toMatchObject({ accountId: ACCOUNT, messageId: MESSAGE, hard: true });
  });

  it('SendGrid: custom_args carry the account and message ids, and come back in each event', async () => {
    const provider = createSendgridEmailProvider({ apiKey: FAKE_SENDGRID_KEY, apiUrl: sendgrid.url });
    await provider.send(sampleEmail({ accountId: ACCOUNT }), { idempotencyKey: MESSAGE });
    await provider.send(sampleEmail(), { idempotencyKey: 'verify-job-1' });
    expect(sendgrid.unexpected).toEqual([]);
    const args = sendgrid.accepted[0]?.custom_args;
    expect(args).toEqual({ idempotency_key: MESSAGE, accountId: ACCOUNT, messageId: MESSAGE });
    expect(sendgrid.accepted[1]?.custom_args).toEqual({ idempotency_key: 'verify-job-1' });

    // SendGrid copies custom args to the top level of every event.
    const event = {
      email: RECIPIENT,
      timestamp: TS,
      event: 'bounce',
      type: 'bounce',
      sg_event_id: 'e1',
      ...args,
    };
    const events = okEvents(verifySg(signedSendgridRequest([event], keys, TS)));
    expect(events[0]).toMatchObject({ accountId: ACCOUNT, messageId: MESSAGE, hard: true });
  });
});
