import { type FakeVerdict, fakeApi } from '../fake-api.ts';

/**
 * A stand-in for Brevo's transactional email API (POST /v3/smtp/email) and its account read
 * (GET /v3/account, which checking a saved key calls), for tests: listens on 127.0.0.1 (a random
 * port) and checks each request as Brevo would (the `api-key` header, path, method, JSON body,
 * required fields, addresses). Whatever it does not expect is answered as Brevo would and
 * recorded in `unexpected`, which tests assert is empty; each request's `api-key` is kept in
 * `authSeen`.
 */
export const FAKE_BREVO_KEY = 'xkeysib-fake0123456789abcdef0123456789abcdef-TestKey01';
const PATH = '/v3/smtp/email';
const ACCOUNT_PATH = '/v3/account';

/** GET /v3/account's answer (https://developers.brevo.com/reference/get-account), abridged. */
const ACCOUNT = {
  organization_id: '5f2a9c0e8b1d4a0012345678',
  user_id: 1234567,
  email: 'owner@brevo-fake.test',
  firstName: 'Fake',
  lastName: 'Owner',
  companyName: 'Fake Realty',
  address: { street: '1 Main Street', city: 'Austin', zipCode: '78701', country: 'United States' },
  plan: [{ type: 'free', creditsType: 'sendLimit', credits: 300 }],
  relay: {
    enabled: true,
    data: { userName: 'fake@smtp-brevo.test', relay: 'smtp-relay.brevo.com', port: 587 },
  },
};

export type BrevoAddress = { email: string; name?: string };
/** A message the fake accepted, as Brevo parsed it. */
export type BrevoMessage = {
  sender: BrevoAddress;
  to: BrevoAddress[];
  subject: string;
  textContent?: string;
  htmlContent?: string;
  headers?: Record<string, string>;
};

const KNOWN_FIELDS = new Set([
  'sender',
  'to',
  'cc',
  'bcc',
  'replyTo',
  'subject',
  'htmlContent',
  'textContent',
  'headers',
  'attachment',
  'templateId',
  'params',
  'messageVersions',
  'tags',
  'scheduledAt',
  'batchId',
]);
// "Standard email headers are not supported" in `headers`: they have fields of their own.
const STANDARD_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'subject',
  'date',
  'message-id',
  'content-type',
  'content-transfer-encoding',
  'mime-version',
]);

const looksLikeEmail = (v: unknown): v is string =>
  typeof v === 'string' && /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/.test(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

type Refusal = { status: number; body: { code: string; message: string } };

/** Brevo's checks of a send request body; the first problem, as Brevo would answer it. */
function check(body: unknown): Refusal | undefined {
  const missing = (message: string) => ({ status: 400, body: { code: 'missing_parameter', message } });
  const invalid = (message: string) => ({ status: 400, body: { code: 'invalid_parameter', message } });
  if (!body || typeof body !== 'object' || Array.isArray(body)) return invalid('Input must be a JSON object');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !KNOWN_FIELDS.has(k));
  if (unknown.length) return invalid(`unknown parameter ${unknown.join(', ')}`);
  const sender = b.sender as { email?: unknown; name?: unknown } | undefined;
  if (!sender || typeof sender !== 'object' || sender.email === undefined)
    return missing('sender email is missing');
  if (!looksLikeEmail(sender.email)) return invalid('valid sender email required');
  if (sender.name !== undefined && !nonEmpty(sender.name)) return invalid('sender name is not valid');
  if (!Array.isArray(b.to) || b.to.length === 0) return missing('to is missing');
  for (const r of b.to as { email?: unknown; name?: unknown }[]) {
    if (!r || typeof r !== 'object' || r.email === undefined) return missing('email is missing in to');
    if (!looksLikeEmail(r.email)) return invalid('email is not valid in to');
  }
  if (!nonEmpty(b.subject)) return missing('subject is missing');
  if (!nonEmpty(b.textContent) && !nonEmpty(b.htmlContent))
    return missing('htmlContent or textContent is missing');
  if (b.headers !== undefined) {
    if (!b.headers || typeof b.headers !== 'object' || Array.isArray(b.headers))
      return invalid('headers must be an object');
    for (const [k, v] of Object.entries(b.headers)) {
      if (typeof v !== 'string') return invalid(`header ${k} must be a string`);
      if (STANDARD_HEADERS.has(k.toLowerCase())) return invalid(`header ${k} is not allowed`);
    }
  }
  return undefined;
}

export function fakeBrevo(
  options: {
    /** The keys Brevo takes (default: FAKE_BREVO_KEY). */
    apiKeys?: readonly string[];
  } = {},
) {
  const apiKeys = options.apiKeys ?? [FAKE_BREVO_KEY];
  const accepted: BrevoMessage[] = [];
  const unexpected: string[] = [];
  /** Each request's `api-key` header, in order (undefined when it had none). */
  const authSeen: (string | undefined)[] = [];
  let seq = 0;
  const api = fakeApi({
    basePath: '/v3',
    failure: (s) => ({
      code: s === 429 ? 'too_many_requests' : s >= 500 ? 'internal_error' : 'invalid_parameter',
      message: s === 429 ? 'Too many requests' : 'Something went wrong',
    }),
    judge: (req, raw, label): FakeVerdict => {
      const path = label.slice(label.indexOf(' ') + 1);
      let refusal: Refusal | undefined;
      let parsed: unknown;
      const key = req.headers['api-key'];
      authSeen.push(typeof key === 'string' ? key : undefined);
      if (typeof key !== 'string' || !apiKeys.includes(key)) {
        unexpected.push(`${label}: api-key ${key === undefined ? 'missing' : 'wrong'}`);
        refusal = { status: 401, body: { code: 'unauthorized', message: 'Key not found' } };
      } else if (req.method === 'GET' && path === ACCOUNT_PATH) {
        if (req.headers.accept !== 'application/json')
          unexpected.push(`${label}: accept ${req.headers.accept}`);
        if (raw !== '') unexpected.push(`${label}: a body on a GET`);
        return { accept: () => ({ status: 200, body: ACCOUNT }) };
      } else if (req.method !== 'POST' || path !== PATH) {
        unexpected.push(`${label}: no such route`);
        refusal = { status: 404, body: { code: 'not_found', message: 'Invalid route' } };
      } else {
        if (!String(req.headers['content-type']).startsWith('application/json'))
          unexpected.push(`${label}: content-type ${req.headers['content-type']}`);
        if (req.headers.accept !== 'application/json')
          unexpected.push(`${label}: accept ${req.headers.accept}`);
        try {
          parsed = JSON.parse(raw);
          refusal = check(parsed);
        } catch {
          refusal = {
            status: 400,
            body: { code: 'bad_request', message: 'Input must be a valid JSON object' },
          };
        }
        if (refusal) unexpected.push(`${label}: ${refusal.body.code}: ${refusal.body.message}`);
      }
      if (refusal) return { refusal };
      return {
        accept: () => {
          accepted.push(parsed as BrevoMessage);
          return {
            status: 201,
            body: { messageId: `<20250101000000.${String(++seq).padStart(11, '0')}@smtp-relay.mailin.fr>` },
          };
        },
      };
    },
  });
  return Object.assign(api, { accepted, unexpected, authSeen });
}
