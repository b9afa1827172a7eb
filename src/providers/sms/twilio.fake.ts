import crypto from 'node:crypto';
import http from 'node:http';
import { type FakeAnswer, type FakeVerdict, fakeApi } from '../fake-api.ts';

/**
 * A stand-in for Twilio's REST API (the Messages and Calls resources of /2010-04-01, and the
 * Account itself, fetched when a saved key is checked), for tests: listens on 127.0.0.1 (a
 * random port) and checks each request as Twilio would (HTTP Basic credentials, the account in
 * the path, method, form encoding, required fields, E.164 numbers), answering with Twilio's own
 * error codes. Whatever it does not expect is recorded in `unexpected`, which tests assert is
 * empty; each request's `Authorization` is kept in `authSeen`. Also signs webhooks the way
 * Twilio does.
 */
export const FAKE_TWILIO_ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
export const FAKE_TWILIO_AUTH_TOKEN = 'fa4e0a5c0ffee0123456789abcdef012';

/** A text the fake accepted: the form fields, as Twilio parsed them. */
export type TwilioMessageParams = { To: string; From: string; Body: string; StatusCallback?: string };
/** A call the fake accepted. `StatusCallbackEvent` is a list: the field repeats. */
export type TwilioCallParams = {
  To: string;
  From: string;
  Url?: string;
  Twiml?: string;
  StatusCallback?: string;
  StatusCallbackEvent?: string[];
  Timeout?: string;
};

const API_VERSION = '2010-04-01';
const ROUTE = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json$/;
const ACCOUNT_ROUTE = /^\/2010-04-01\/Accounts\/([^/]+)\.json$/;
const MESSAGE_FIELDS = new Set(['To', 'From', 'Body', 'StatusCallback']);
const CALL_FIELDS = new Set([
  'To',
  'From',
  'Url',
  'Twiml',
  'StatusCallback',
  'StatusCallbackEvent',
  'Timeout',
]);
const CALL_EVENTS = new Set(['initiated', 'ringing', 'answered', 'completed']);
const MAX_BODY = 1600;
const MAX_TWIML = 4000;

const isE164 = (v: string | undefined) => v !== undefined && /^\+[1-9]\d{7,14}$/.test(v);
const isHttpUrl = (v: string) => {
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
};

/** Twilio's error body: `{ code, message, more_info, status }`. */
const twilioError = (status: number, code: number, message: string) => ({
  code,
  message,
  more_info: `https://www.twilio.com/docs/errors/${code}`,
  status,
});

type Problem = { status: number; code: number; message: string };
const bad = (code: number, message: string): Problem => ({ status: 400, code, message });

/** Twilio's checks of a Messages create; the first problem, as Twilio words it. */
function checkMessage(p: URLSearchParams): Problem | undefined {
  const to = p.get('To') ?? undefined;
  const from = p.get('From') ?? undefined;
  const body = p.get('Body');
  const callback = p.get('StatusCallback');
  if (to === undefined) return bad(21604, "A 'To' phone number is required.");
  if (!isE164(to)) return bad(21211, `The 'To' number ${to} is not a valid phone number.`);
  if (from === undefined) return bad(21603, "A 'From' phone number is required.");
  if (!isE164(from))
    return bad(
      21212,
      `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`,
    );
  if (body === null || body === '') return bad(21602, 'Message body is required.');
  if (body.length > MAX_BODY)
    return bad(21617, `The concatenated message body exceeds the ${MAX_BODY} character limit.`);
  if (callback !== null && !isHttpUrl(callback)) return bad(21609, 'The StatusCallback URL is not valid.');
  return undefined;
}

/** Twilio's checks of a Calls create. */
function checkCall(p: URLSearchParams): Problem | undefined {
  const to = p.get('To') ?? undefined;
  const from = p.get('From') ?? undefined;
  const url = p.get('Url');
  const twiml = p.get('Twiml');
  const callback = p.get('StatusCallback');
  const timeout = p.get('Timeout');
  if (to === undefined) return bad(21201, "No 'To' number is specified");
  if (!isE164(to)) return bad(21211, `The 'To' number ${to} is not a valid phone number.`);
  if (from === undefined) return bad(21213, "No 'From' number is specified");
  if (!isE164(from)) return bad(21212, `The 'From' number ${from} is not a valid phone number.`);
  if ((url === null) === (twiml === null)) return bad(21205, 'Exactly one of Url or Twiml is required.');
  if (url !== null && !isHttpUrl(url)) return bad(21205, 'Url is not a valid URL.');
  if (twiml !== null) {
    const t = twiml.trimStart();
    if (!t.startsWith('<Response') && !t.startsWith('<?xml')) return bad(21200, 'Twiml is not valid TwiML.');
    if (twiml.length > MAX_TWIML) return bad(21200, `Twiml exceeds ${MAX_TWIML} characters.`);
  }
  if (callback !== null && !isHttpUrl(callback)) return bad(21205, 'StatusCallback is not a valid URL.');
  for (const event of p.getAll('StatusCallbackEvent')) {
    if (!CALL_EVENTS.has(event)) return bad(21200, `StatusCallbackEvent ${event} is not valid.`);
  }
  if (timeout !== null && !/^\d{1,3}$/.test(timeout)) return bad(21200, 'Timeout must be an integer.');
  return undefined;
}

/** The fields present among `names`, one value each (`lists` keep all their values). */
function pick(p: URLSearchParams, names: Set<string>, lists: readonly string[] = []) {
  const out: Record<string, string | string[]> = {};
  for (const name of names) {
    if (!p.has(name)) continue;
    out[name] = lists.includes(name) ? p.getAll(name) : p.get(name)!;
  }
  return out;
}

/** Twilio's dates: RFC 2822, `Thu, 24 Aug 2023 05:01:45 +0000`. */
const rfc2822 = (d: Date) => d.toUTCString().replace('GMT', '+0000');
const newSid = (prefix: 'SM' | 'CA') => `${prefix}${crypto.randomBytes(16).toString('hex')}`;

function messageResource(account: string, m: TwilioMessageParams) {
  const sid = newSid('SM');
  const now = rfc2822(new Date());
  const uri = `/${API_VERSION}/Accounts/${account}/Messages/${sid}`;
  return {
    account_sid: account,
    api_version: API_VERSION,
    body: m.Body,
    date_created: now,
    date_sent: null,
    date_updated: now,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: m.From,
    messaging_service_sid: null,
    num_media: '0',
    num_segments: String(m.Body.length <= 160 ? 1 : Math.ceil(m.Body.length / 153)),
    price: null,
    price_unit: 'USD',
    sid,
    status: 'queued',
    subresource_uris: { media: `${uri}/Media.json` },
    to: m.To,
    uri: `${uri}.json`,
  };
}

function callResource(account: string, c: TwilioCallParams) {
  const sid = newSid('CA');
  const now = rfc2822(new Date());
  const uri = `/${API_VERSION}/Accounts/${account}/Calls/${sid}`;
  return {
    account_sid: account,
    annotation: null,
    answered_by: null,
    api_version: API_VERSION,
    caller_name: null,
    date_created: now,
    date_updated: now,
    direction: 'outbound-api',
    duration: null,
    end_time: null,
    forwarded_from: null,
    from: c.From,
    from_formatted: c.From,
    group_sid: null,
    parent_call_sid: null,
    phone_number_sid: null,
    price: null,
    price_unit: 'USD',
    queue_time: '0',
    sid,
    start_time: null,
    status: 'queued',
    subresource_uris: { notifications: `${uri}/Notifications.json`, recordings: `${uri}/Recordings.json` },
    to: c.To,
    to_formatted: c.To,
    trunk_sid: null,
    uri: `${uri}.json`,
  };
}

/** The Account resource (https://www.twilio.com/docs/iam/api/account): Twilio's includes the auth token. */
function accountResource(sid: string, authToken: string) {
  const uri = `/${API_VERSION}/Accounts/${sid}`;
  return {
    auth_token: authToken,
    date_created: 'Thu, 24 Aug 2023 05:01:45 +0000',
    date_updated: 'Thu, 24 Aug 2023 05:01:45 +0000',
    friendly_name: 'Fake Realty',
    owner_account_sid: sid,
    sid,
    status: 'active',
    subresource_uris: {
      calls: `${uri}/Calls.json`,
      messages: `${uri}/Messages.json`,
      incoming_phone_numbers: `${uri}/IncomingPhoneNumbers.json`,
    },
    type: 'Full',
    uri: `${uri}.json`,
  };
}

export function fakeTwilio(
  credentials: { accountSid: string; authToken: string } = {
    accountSid: FAKE_TWILIO_ACCOUNT_SID,
    authToken: FAKE_TWILIO_AUTH_TOKEN,
  },
) {
  const messages: TwilioMessageParams[] = [];
  const calls: TwilioCallParams[] = [];
  const unexpected: string[] = [];
  /** Each request's `Authorization` header, in order (undefined when it had none). */
  const authSeen: (string | undefined)[] = [];
  const basic = `Basic ${Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString('base64')}`;

  const api = fakeApi({
    basePath: '',
    failure: (s) => {
      const code = s === 401 ? 20003 : s === 405 ? 20004 : 20000 + s;
      return twilioError(s, code, http.STATUS_CODES[s] ?? 'Error');
    },
    judge: (req, raw, label): FakeVerdict => {
      const path = label.slice(label.indexOf(' ') + 1);
      const refuse = (p: Problem, note = `${p.code} ${p.message}`): FakeVerdict => {
        unexpected.push(`${label}: ${note}`);
        return { refusal: { status: p.status, body: twilioError(p.status, p.code, p.message) } };
      };
      const auth = req.headers.authorization;
      authSeen.push(auth);
      if (auth !== basic)
        return refuse(
          { status: 401, code: 20003, message: 'Authenticate' },
          `authorization ${auth ? 'wrong' : 'missing'}`,
        );
      const account = ACCOUNT_ROUTE.exec(path);
      if (account) {
        if (account[1] !== credentials.accountSid)
          return refuse({ status: 401, code: 20003, message: 'Authenticate' }, 'another account in the path');
        // POST would update the account (its friendly name): nothing Porchlight does.
        if (req.method !== 'GET') return refuse({ status: 405, code: 20004, message: 'Method not allowed' });
        if (raw !== '') unexpected.push(`${label}: a body on a GET`);
        return {
          accept: () => ({
            status: 200,
            body: accountResource(credentials.accountSid, credentials.authToken),
          }),
        };
      }
      const route = ROUTE.exec(path);
      if (!route)
        return refuse({ status: 404, code: 20404, message: `The requested resource ${path} was not found` });
      if (route[1] !== credentials.accountSid)
        return refuse({ status: 401, code: 20003, message: 'Authenticate' }, 'another account in the path');
      if (req.method !== 'POST') return refuse({ status: 405, code: 20004, message: 'Method not allowed' });
      const contentType = String(req.headers['content-type']);
      const isForm = contentType.startsWith('application/x-www-form-urlencoded');
      if (!isForm) unexpected.push(`${label}: content-type ${contentType}`);

      // Twilio reads only a form: in JSON it finds no fields at all.
      const params = new URLSearchParams(isForm ? raw : '');
      const isCall = route[2] === 'Calls';
      const known = isCall ? CALL_FIELDS : MESSAGE_FIELDS;
      for (const name of new Set(params.keys())) {
        // Twilio ignores what it does not know; for us it is a mistake.
        if (!known.has(name)) unexpected.push(`${label}: unknown parameter ${name}`);
        else if (name !== 'StatusCallbackEvent' && params.getAll(name).length > 1)
          unexpected.push(`${label}: ${name} repeated`);
      }
      const problem = isCall ? checkCall(params) : checkMessage(params);
      if (problem) return refuse(problem);

      return {
        accept: (): FakeAnswer => {
          const account = credentials.accountSid;
          if (isCall) {
            const call = pick(params, CALL_FIELDS, ['StatusCallbackEvent']) as TwilioCallParams;
            calls.push(call);
            return { status: 201, body: callResource(account, call) };
          }
          const message = pick(params, MESSAGE_FIELDS) as TwilioMessageParams;
          messages.push(message);
          return { status: 201, body: messageResource(account, message) };
        },
      };
    },
  });
  return Object.assign(api, { messages, calls, unexpected, authSeen });
}

/**
 * The X-Twilio-Signature of a POST webhook, per Twilio's documented algorithm: the full URL,
 * then each parameter's name and value in name order, HMAC-SHA1 with the auth token, base64.
 * Written here from the documentation, not with the SDK, so tests of our validation (which
 * may use the SDK) are not checked against themselves.
 * https://www.twilio.com/docs/usage/security#validating-requests
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, name) => `${acc}${name}${params[name]}`, url);
  return crypto.createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * Calls a webhook as Twilio does: a form-encoded POST signed with `authToken`. The signature
 * covers `signatureUrl` (default `url`): the public URL Twilio was given, when the test reaches
 * the app at another address. `headers` add to or replace Twilio's.
 */
export async function postSignedWebhook(
  url: string,
  params: Record<string, string>,
  authToken: string,
  options: { signatureUrl?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string; contentType: string | null }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      accept: '*/*',
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'TwilioProxy/1.1',
      'i-twilio-idempotency-token': crypto.randomUUID(),
      'x-twilio-signature': twilioSignature(authToken, options.signatureUrl ?? url, params),
      // Lower-cased, so a test's header replaces Twilio's instead of joining it.
      ...Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    },
    body: new URLSearchParams(params).toString(),
    redirect: 'manual',
  });
  return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') };
}
