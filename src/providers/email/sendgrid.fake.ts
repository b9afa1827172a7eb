import { type FakeVerdict, fakeApi } from '../fake-api.ts';

/**
 * A stand-in for SendGrid's v3 Mail Send API (POST /v3/mail/send) and its key's scopes (GET
 * /v3/scopes, which checking a saved key calls), for tests: listens on 127.0.0.1 (a random port)
 * and checks each request as SendGrid would (bearer key, path, method, JSON body, required
 * fields, addresses, reserved headers). Whatever it does not expect is answered as SendGrid would
 * and recorded in `unexpected`, which tests assert is empty; each request's `Authorization` is
 * kept in `authSeen`.
 */
export const FAKE_SENDGRID_KEY = 'SG.fakeKeyId0123456789.fakeSecret0123456789abcdefghijklmnopq';
const PATH = '/v3/mail/send';
const SCOPES_PATH = '/v3/scopes';
/** GET /v3/scopes's answer for a Mail Send key (https://www.twilio.com/docs/sendgrid/api-reference/api-key-permissions). */
const SCOPES = { scopes: ['mail.send', 'user.profile.read', 'user.scheduled_sends.read'] };

export type SendgridAddress = { email: string; name?: string };
/** A message the fake accepted, as SendGrid parsed it. */
export type SendgridMessage = {
  personalizations: { to: SendgridAddress[] }[];
  from: SendgridAddress;
  subject: string;
  content: { type: string; value: string }[];
  headers?: Record<string, string>;
  custom_args?: Record<string, string>;
};

type SgError = { message: string; field: string | null; help?: string | null };
type Refusal = { status: number; body: { errors: SgError[] } };

const KNOWN_FIELDS = new Set([
  'personalizations',
  'from',
  'reply_to',
  'reply_to_list',
  'subject',
  'content',
  'attachments',
  'template_id',
  'headers',
  'categories',
  'custom_args',
  'send_at',
  'batch_id',
  'asm',
  'ip_pool_name',
  'mail_settings',
  'tracking_settings',
]);
const RESERVED_HEADERS = new Set([
  'x-sg-id',
  'x-sg-eid',
  'received',
  'dkim-signature',
  'content-type',
  'content-transfer-encoding',
  'to',
  'from',
  'subject',
  'reply-to',
  'cc',
  'bcc',
]);
const MAX_CUSTOM_ARGS_BYTES = 10_000;

const looksLikeEmail = (v: unknown): v is string =>
  typeof v === 'string' && /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/.test(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** SendGrid's checks of a mail send body: every problem, each naming its field. */
function check(body: unknown): SgError[] {
  const errors: SgError[] = [];
  const err = (field: string | null, message: string) => errors.push({ field, message, help: null });
  if (!isObject(body)) {
    err(null, 'Bad Request');
    return errors;
  }
  for (const k of Object.keys(body)) if (!KNOWN_FIELDS.has(k)) err(k, 'Unknown field.');

  const ps = body.personalizations;
  if (!Array.isArray(ps) || ps.length === 0) {
    err(
      'personalizations',
      'The personalizations field is required and must have at least one personalization.',
    );
  } else {
    ps.forEach((p: unknown, i) => {
      const to = isObject(p) ? p.to : undefined;
      if (!Array.isArray(to) || to.length === 0) {
        err(
          `personalizations.${i}.to`,
          'The to array is required for all personalization objects, and must have at least one email object with a valid email address.',
        );
        return;
      }
      to.forEach((r: unknown, j) => {
        if (!isObject(r) || !looksLikeEmail(r.email))
          err(`personalizations.${i}.to.${j}.email`, 'Does not contain a valid address.');
      });
    });
  }

  if (!isObject(body.from) || body.from.email === undefined) {
    err(
      'from',
      'The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.',
    );
  } else if (!looksLikeEmail(body.from.email)) {
    err('from.email', 'The from email does not contain a valid address.');
  }

  if (!nonEmpty(body.subject)) {
    err(
      'subject',
      'The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.',
    );
  }

  const content = body.content;
  if (!Array.isArray(content) || content.length === 0) {
    err(
      'content',
      'Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block.',
    );
  } else {
    content.forEach((c: unknown, i) => {
      if (!isObject(c) || !nonEmpty(c.type) || /[;\r\n]/.test(c.type))
        err(`content.${i}.type`, 'The content type must be a string at least one character in length.');
      if (!isObject(c) || typeof c.value !== 'string' || c.value === '')
        err(`content.${i}.value`, 'The content value must be a string at least one character in length.');
    });
    const plain = content.findIndex((c: unknown) => isObject(c) && c.type === 'text/plain');
    if (plain > 0)
      err(
        'content',
        'If present, text/plain content must be first, followed by text/html, followed by any other content.',
      );
  }

  if (body.headers !== undefined) {
    if (!isObject(body.headers)) err('headers', 'Invalid type. Expected: object.');
    else
      for (const [k, v] of Object.entries(body.headers)) {
        if (typeof v !== 'string') err(`headers.${k}`, 'Invalid type. Expected: string.');
        if (RESERVED_HEADERS.has(k.toLowerCase()))
          err('headers', `The following header is reserved and cannot be used: ${k}`);
      }
  }

  if (body.custom_args !== undefined) {
    if (!isObject(body.custom_args)) err('custom_args', 'Invalid type. Expected: object.');
    else {
      for (const [k, v] of Object.entries(body.custom_args))
        if (typeof v !== 'string') err(`custom_args.${k}`, 'Invalid type. Expected: string.');
      if (Buffer.byteLength(JSON.stringify(body.custom_args)) > MAX_CUSTOM_ARGS_BYTES)
        err('custom_args', 'The custom_args may not exceed 10,000 bytes.');
    }
  }
  return errors;
}

export function fakeSendgrid(
  options: {
    /** The keys SendGrid takes (default: FAKE_SENDGRID_KEY). */
    apiKeys?: readonly string[];
  } = {},
) {
  const bearers = (options.apiKeys ?? [FAKE_SENDGRID_KEY]).map((k) => `Bearer ${k}`);
  const accepted: SendgridMessage[] = [];
  const unexpected: string[] = [];
  /** Each request's `Authorization` header, in order (undefined when it had none). */
  const authSeen: (string | undefined)[] = [];
  let omitIds = 0;
  let seq = 0;
  const api = fakeApi({
    basePath: '',
    failure: (s) => ({
      errors: [{ message: s === 429 ? 'too many requests' : 'Internal Server Error', field: null }],
    }),
    judge: (req, raw, label): FakeVerdict => {
      const path = label.slice(label.indexOf(' ') + 1);
      let refusal: Refusal | undefined;
      let parsed: unknown;
      authSeen.push(req.headers.authorization);
      if (!bearers.includes(req.headers.authorization ?? '')) {
        unexpected.push(
          `${label}: authorization ${req.headers.authorization === undefined ? 'missing' : 'wrong'}`,
        );
        refusal = {
          status: 401,
          body: {
            errors: [
              {
                message: 'The provided authorization grant is invalid, expired, or revoked',
                field: null,
                help: null,
              },
            ],
          },
        };
      } else if (req.method === 'GET' && path === SCOPES_PATH) {
        if (raw !== '') unexpected.push(`${label}: a body on a GET`);
        return { accept: () => ({ status: 200, body: SCOPES }) };
      } else if (req.method !== 'POST' || path !== PATH) {
        unexpected.push(`${label}: no such route`);
        refusal = { status: 404, body: { errors: [{ message: 'resource not found', field: null }] } };
      } else {
        if (!String(req.headers['content-type']).startsWith('application/json'))
          unexpected.push(`${label}: content-type ${req.headers['content-type']}`);
        try {
          parsed = JSON.parse(raw);
          const errors = check(parsed);
          if (errors.length) refusal = { status: 400, body: { errors } };
        } catch {
          refusal = { status: 400, body: { errors: [{ message: 'Bad Request', field: null }] } };
        }
        if (refusal)
          unexpected.push(
            `${label}: ${refusal.body.errors.map((e) => `${e.field ?? '-'}: ${e.message}`).join('; ')}`,
          );
      }
      if (refusal) return { refusal };
      return {
        accept: () => {
          accepted.push(parsed as SendgridMessage);
          const headers: Record<string, string> = {};
          if (omitIds > 0) omitIds--;
          else headers['x-message-id'] = `fakeSgMsg${String(++seq).padStart(6, '0')}Ab-cD_12`;
          return { status: 202, headers };
        },
      };
    },
  });
  return Object.assign(api, {
    accepted,
    unexpected,
    authSeen,
    /** The next accepted request is answered without an `X-Message-Id` header. */
    omitMessageIdNext() {
      omitIds++;
    },
  });
}
