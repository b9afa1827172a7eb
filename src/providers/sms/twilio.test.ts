import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDevSmsProvider, type DevSmsCapture } from './dev.ts';
import { type OutboundCall, type OutboundSms, SmsSendError } from './sms.ts';
import {
  FAKE_TWILIO_ACCOUNT_SID,
  FAKE_TWILIO_AUTH_TOKEN,
  fakeTwilio,
  postSignedWebhook,
  twilioSignature,
} from './twilio.fake.ts';
import { CALL_STATUS_EVENTS, createTwilioSmsProvider } from './twilio.ts';

const SID = FAKE_TWILIO_ACCOUNT_SID;
const TOKEN = FAKE_TWILIO_AUTH_TOKEN;
const TO = '+15550100199';
const FROM = '+15550100123';
const BODY = 'Hi Jane, thanks for asking about 12 Elm Street. Reply STOP to opt out.';
const TWIML = '<Response><Say>Hi, this is Smith Realty about 12 Elm Street.</Say></Response>';
const CALLBACK = 'https://porchlight.test/api/v1/webhooks/twilio/status';
const MESSAGES = `POST /2010-04-01/Accounts/${SID}/Messages.json`;
const CALLS = `POST /2010-04-01/Accounts/${SID}/Calls.json`;

const sms = (over: Partial<OutboundSms> = {}): OutboundSms => ({
  to: TO,
  from: FROM,
  body: BODY,
  statusCallback: CALLBACK,
  accountId: 'acc-1',
  leadId: 'lead-1',
  ...over,
});
const call = (over: Partial<OutboundCall> = {}): OutboundCall => ({
  to: TO,
  from: FROM,
  twiml: TWIML,
  statusCallback: CALLBACK,
  timeoutSeconds: 20,
  ...over,
});

let fake = fakeTwilio();
const provider = (over: { authToken?: string; apiUrl?: string; timeoutMs?: number } = {}) =>
  createTwilioSmsProvider({ accountSid: SID, authToken: TOKEN, apiUrl: fake.url, ...over });

/**
 * Expects an SmsSendError from Twilio whose message names neither the token, a number (in any
 * format) nor the text, carries no cause and stays short; answers the error.
 */
const failure = (send: Promise<unknown>, token = TOKEN) =>
  send.then(
    () => expect.unreachable('the send should have failed'),
    (e: unknown) => {
      expect(e).toBeInstanceOf(SmsSendError);
      const error = e as SmsSendError;
      expect(error.provider).toBe('twilio');
      expect(error.cause).toBeUndefined();
      for (const secret of [token, TO, FROM, '5550100', '555) 010', BODY, 'Elm Street']) {
        expect(error.message).not.toContain(secret);
      }
      expect(error.message.length).toBeLessThanOrEqual(220);
      return error;
    },
  );

beforeEach(async () => {
  fake = fakeTwilio();
  await fake.start();
});
afterEach(async () => {
  await fake.stop();
});

describe('Twilio adapter', () => {
  it('sends a text with exactly the fields Twilio takes and returns its sid', async () => {
    const p = provider({ apiUrl: `${fake.url}/` });
    expect(p.name).toBe('twilio');
    const sent = await p.sendSms(sms(), { idempotencyKey: 'job-1' });
    expect(sent.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(fake.seen).toEqual([MESSAGES]);
    expect(fake.messages).toEqual([{ To: TO, From: FROM, Body: BODY, StatusCallback: CALLBACK }]);
    expect(fake.unexpected).toEqual([]);
  });

  it('sends no StatusCallback when there is none', async () => {
    await provider().sendSms(sms({ statusCallback: undefined }), { idempotencyKey: 'k' });
    expect(fake.messages).toEqual([{ To: TO, From: FROM, Body: BODY }]);
    expect(fake.unexpected).toEqual([]);
  });

  it('starts a call with inline TwiML, progress events and a ring timeout, and returns its sid', async () => {
    const started = await provider().startCall(call({ summary: 'Hi, this is Smith Realty' }), {
      idempotencyKey: 'k',
    });
    expect(started.providerCallId).toMatch(/^CA[0-9a-f]{32}$/);
    expect(fake.seen).toEqual([CALLS]);
    expect(fake.calls).toEqual([
      {
        To: TO,
        From: FROM,
        Twiml: TWIML,
        StatusCallback: CALLBACK,
        StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        Timeout: '20',
      },
    ]);
    expect(CALL_STATUS_EVENTS).toEqual(fake.calls[0]?.StatusCallbackEvent);
    expect(fake.unexpected).toEqual([]);
  });

  it('a call without a callback asks for no events and rings 30 seconds', async () => {
    await provider().startCall(call({ statusCallback: undefined, timeoutSeconds: undefined }), {
      idempotencyKey: 'k',
    });
    expect(fake.calls).toEqual([{ To: TO, From: FROM, Twiml: TWIML, Timeout: '30' }]);
    expect(fake.unexpected).toEqual([]);
  });

  it('a wrong token is refused with 401, not retryable, and the token is not repeated', async () => {
    const wrong = 'wrong0token0000000000000000000000';
    const error = await failure(
      provider({ authToken: wrong }).sendSms(sms(), { idempotencyKey: 'k' }),
      wrong,
    );
    expect(error).toMatchObject({ retryable: false, status: 401, code: 20003 });
    expect(error.message).toBe('twilio: 401 Authenticate');
    expect(fake.unexpected).toEqual([`${MESSAGES}: authorization wrong`]);
    expect(fake.messages).toEqual([]);
  });

  it('an invalid number is refused with 400 and code 21211, not retryable, without the number', async () => {
    const error = await failure(provider().sendSms(sms({ to: '5550100199' }), { idempotencyKey: 'k' }));
    expect(error).toMatchObject({ retryable: false, status: 400, code: 21211 });
    expect(error.message).toBe("twilio: 400 The 'To' number [redacted] is not a valid phone number.");
    expect(fake.unexpected).toEqual([
      `${MESSAGES}: 21211 The 'To' number 5550100199 is not a valid phone number.`,
    ]);
  });

  it('a call to an invalid number is refused the same way', async () => {
    const error = await failure(provider().startCall(call({ to: '+1 555' }), { idempotencyKey: 'k' }));
    expect(error).toMatchObject({ retryable: false, status: 400, code: 21211 });
    expect(fake.calls).toEqual([]);
    expect(fake.unexpected).toHaveLength(1);
  });

  it('never repeats the token, a number or the text, even when Twilio echoes them', async () => {
    fake.failNext(1, 400, {
      code: 21610,
      message: `Attempt to send to unsubscribed recipient +1 (555) 010-0199 from 1-555-010-0123, token ${TOKEN}: ${BODY} ${'x'.repeat(400)}`,
      more_info: 'https://www.twilio.com/docs/errors/21610',
      status: 400,
    });
    const error = await failure(provider().sendSms(sms(), { idempotencyKey: 'k' }));
    expect(error).toMatchObject({ retryable: false, status: 400, code: 21610 });
    expect(error.message).toMatch(
      /^twilio: 400 Attempt to send to unsubscribed recipient \[number\] from \[number\], token \[redacted\]: \[redacted\] x+…$/,
    );
    expect(fake.unexpected).toEqual([]);
  });

  it('a 500 is retryable, and the retry goes through once', async () => {
    fake.failNext(1, 500);
    const error = await failure(provider().sendSms(sms(), { idempotencyKey: 'k' }));
    expect(error).toMatchObject({ retryable: true, status: 500, code: 20500 });
    expect(error.message).toBe('twilio: 500 Internal Server Error');
    await provider().sendSms(sms(), { idempotencyKey: 'k' });
    expect(fake.seen).toEqual([MESSAGES, MESSAGES]);
    expect(fake.messages).toHaveLength(1);
    expect(fake.unexpected).toEqual([]);
  });

  it('a 429 is retryable and is not retried inside the SDK', async () => {
    fake.failNext(1, 429);
    const error = await failure(provider().startCall(call(), { idempotencyKey: 'k' }));
    expect(error).toMatchObject({ retryable: true, status: 429, code: 20429 });
    expect(fake.seen).toEqual([CALLS]);
    expect(fake.unexpected).toEqual([]);
  });

  it('an error body without Twilio’s words still gives the status', async () => {
    fake.failNext(1, 502, {});
    const error = await failure(provider().sendSms(sms(), { idempotencyKey: 'k' }));
    expect(error).toMatchObject({ retryable: true, status: 502, code: undefined });
    expect(error.message).toBe('twilio: 502');
  });

  it('no answer within timeoutMs is retryable, without a status', async () => {
    fake.hangNext();
    const started = Date.now();
    const error = await failure(provider({ timeoutMs: 200 }).sendSms(sms(), { idempotencyKey: 'k' }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({ retryable: true, status: undefined, code: undefined });
    expect(error.message).toBe('twilio: no answer within 200 ms');
    expect(fake.unexpected).toEqual([]);
  });

  it('an unreachable Twilio is retryable, without a status', async () => {
    const error = await failure(
      provider({ apiUrl: 'http://127.0.0.1:9', timeoutMs: 2_000 }).startCall(call(), { idempotencyKey: 'k' }),
    );
    expect(error).toMatchObject({ retryable: true, status: undefined });
    expect(error.message).toBe('twilio: could not be reached (ECONNREFUSED)');
  });

  it('refuses at once a SID that is not an account SID', () => {
    expect(() => createTwilioSmsProvider({ accountSid: 'SK123', authToken: TOKEN })).toThrow(
      /accountSid must start with AC/,
    );
  });
});

describe('the Twilio fake', () => {
  const post = (path: string, form: Record<string, string | string[]>, over: RequestInit = {}) => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const one of [v].flat()) body.append(k, one);
    return fetch(`${fake.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: body.toString(),
      ...over,
    }).then(async (res) => ({ status: res.status, json: (await res.json()) as { code: number } }));
  };
  const messages = `/2010-04-01/Accounts/${SID}/Messages.json`;
  const calls = `/2010-04-01/Accounts/${SID}/Calls.json`;
  const text = { To: TO, From: FROM, Body: BODY };
  const ring = { To: TO, From: FROM, Twiml: TWIML };

  it('refuses what Twilio refuses, with Twilio’s codes, and records it', async () => {
    const cases: [Promise<{ status: number; json: { code: number } }>, number, number][] = [
      [post(messages, { ...text, To: '' }), 400, 21211],
      [post(messages, { To: TO, Body: BODY }), 400, 21603],
      [post(messages, { ...text, From: '555-0101' }), 400, 21212],
      [post(messages, { To: TO, From: FROM }), 400, 21602],
      [post(messages, { ...text, Body: 'x'.repeat(1601) }), 400, 21617],
      [post(messages, { ...text, StatusCallback: 'ftp://x.test/' }), 400, 21609],
      [post(calls, { To: TO, From: FROM }), 400, 21205],
      [post(calls, { ...ring, Url: 'https://x.test/twiml' }), 400, 21205],
      [post(calls, { ...ring, Twiml: 'Say hello' }), 400, 21200],
      [post(calls, { ...ring, StatusCallbackEvent: ['initiated', 'bridged'] }), 400, 21200],
      [post(`/2010-04-01/Accounts/AC${'f'.repeat(32)}/Messages.json`, text), 401, 20003],
      [post('/2010-04-01/Accounts/x/SMS/Messages.json', text), 404, 20404],
      [post(messages, text, { method: 'PUT' }), 405, 20004],
      [post(messages, text, { headers: {} }), 401, 20003],
    ];
    for (const [answer, status, code] of cases) {
      expect(await answer).toMatchObject({ status, json: { code, status } });
    }
    expect(fake.unexpected).toHaveLength(cases.length);
    expect(fake.messages).toEqual([]);
    expect(fake.calls).toEqual([]);
  });

  it('records a field Twilio would ignore, and JSON instead of a form', async () => {
    expect((await post(messages, { ...text, MediaUrl: 'https://x.test/a.png' })).status).toBe(201);
    const json = await post(messages, text, {
      headers: {
        authorization: `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(text),
    });
    expect(json).toMatchObject({ status: 400, json: { code: 21604 } });
    expect(fake.unexpected).toEqual([
      `${MESSAGES}: unknown parameter MediaUrl`,
      `${MESSAGES}: content-type application/json`,
      `${MESSAGES}: 21604 A 'To' phone number is required.`,
    ]);
  });
});

describe('dev adapter', () => {
  it('captures texts and calls, and answers the capture id', async () => {
    const captured: [DevSmsCapture, string][] = [];
    const dev = createDevSmsProvider(async (item, key) => {
      captured.push([item, key]);
      return `id-${captured.length}`;
    });
    expect(dev.name).toBe('dev');
    expect(await dev.sendSms(sms(), { idempotencyKey: 'k1' })).toEqual({ providerMessageId: 'id-1' });
    expect(
      await dev.startCall(call({ summary: 'Hi, this is Smith Realty' }), { idempotencyKey: 'k2' }),
    ).toEqual({
      providerCallId: 'id-2',
    });
    expect(await dev.startCall(call(), { idempotencyKey: 'k3' })).toEqual({ providerCallId: 'id-3' });
    const base = { to: TO, from: FROM };
    expect(captured).toEqual([
      [{ ...base, channel: 'sms', body: BODY, accountId: 'acc-1', leadId: 'lead-1' }, 'k1'],
      [{ ...base, channel: 'voice', body: 'Hi, this is Smith Realty', accountId: null, leadId: null }, 'k2'],
      [{ ...base, channel: 'voice', body: TWIML, accountId: null, leadId: null }, 'k3'],
    ]);
  });
});

describe('webhook signatures', () => {
  it('match the example in Twilio’s documentation', () => {
    const params = {
      CallSid: 'CA1234567890ABCDE',
      Caller: '+14158675310',
      Digits: '1234',
      From: '+14158675310',
      To: '+18005551212',
    };
    expect(twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params)).toBe(
      'GvWf1cFY/Q7PnoempGyD5oXAezc=',
    );
  });

  it('agree with the SDK’s', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.webUrl({ withQueryParameters: true }),
        fc.dictionary(fc.string({ minLength: 1 }), fc.string({ unit: 'binary' })),
        (token, url, params) => {
          expect(twilioSignature(token, url, params)).toBe(
            twilio.getExpectedTwilioSignature(token, url, params),
          );
        },
      ),
    );
  });

  it('are sent with a form-encoded POST, as Twilio calls a webhook', async () => {
    const received: { valid: boolean; contentType: string | undefined; params: Record<string, string> }[] =
      [];
    const server = http.createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        raw += c;
      });
      req.on('end', () => {
        const params = Object.fromEntries(new URLSearchParams(raw));
        const signature = String(req.headers['x-twilio-signature']);
        const valid = twilio.validateRequest(TOKEN, signature, 'https://porchlight.test/hook?x=1', params);
        received.push({ valid, contentType: req.headers['content-type'], params });
        res.writeHead(valid ? 200 : 403, { 'content-type': 'text/xml' });
        res.end('<Response/>');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?x=1`;
    const params = { MessageSid: 'SM123', From: TO, To: FROM, Body: 'Yes & thanks, 10am works + ok' };
    try {
      const ok = await postSignedWebhook(url, params, TOKEN, {
        signatureUrl: 'https://porchlight.test/hook?x=1',
      });
      expect(ok).toEqual({ status: 200, body: '<Response/>', contentType: 'text/xml' });
      const unsigned = await postSignedWebhook(url, params, TOKEN); // signed over the wrong URL
      expect(unsigned.status).toBe(403);
      const forged = await postSignedWebhook(url, params, TOKEN, {
        signatureUrl: 'https://porchlight.test/hook?x=1',
        headers: { 'X-Twilio-Signature': 'AAAA' },
      });
      expect(forged.status).toBe(403);
      expect(received.map((r) => r.valid)).toEqual([true, false, false]);
      expect(received[0]).toEqual({ valid: true, contentType: 'application/x-www-form-urlencoded', params });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
