import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Brevo's transactional email API (POST /v3/smtp/email), for tests: listens on
 * 127.0.0.1 (a random port) and checks each request as Brevo would (the `api-key` header, path,
 * method, JSON body, required fields, addresses). Whatever it does not expect is answered as
 * Brevo would and recorded in `unexpected`, which tests assert is empty.
 */
export const FAKE_BREVO_KEY = 'xkeysib-fake0123456789abcdef0123456789abcdef-TestKey01';
const PATH = '/v3/smtp/email';

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

export function fakeBrevo() {
  const accepted: BrevoMessage[] = [];
  const unexpected: string[] = [];
  const seen: string[] = [];
  const hung: http.ServerResponse[] = [];
  let failing: { count: number; status: number; body?: object } = { count: 0, status: 500 };
  let hangs = 0;
  let seq = 0;
  let url = '';

  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      raw += c;
    });
    req.on('end', () => {
      const send = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      const label = `${req.method} ${path}`;
      seen.push(label);

      let refusal: Refusal | undefined;
      let parsed: unknown;
      if (req.headers['api-key'] !== FAKE_BREVO_KEY) {
        unexpected.push(`${label}: api-key ${req.headers['api-key'] === undefined ? 'missing' : 'wrong'}`);
        refusal = { status: 401, body: { code: 'unauthorized', message: 'Key not found' } };
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

      if (hangs > 0) {
        hangs--;
        hung.push(res);
        return;
      }
      if (failing.count > 0) {
        failing.count--;
        const s = failing.status;
        return send(
          s,
          failing.body ?? {
            code: s === 429 ? 'too_many_requests' : s >= 500 ? 'internal_error' : 'invalid_parameter',
            message: s === 429 ? 'Too many requests' : 'Something went wrong',
          },
        );
      }
      if (refusal) return send(refusal.status, refusal.body);
      accepted.push(parsed as BrevoMessage);
      return send(201, {
        messageId: `<20250101000000.${String(++seq).padStart(11, '0')}@smtp-relay.mailin.fr>`,
      });
    });
  });

  return {
    /** The API base, like https://api.brevo.com/v3; set by start(). */
    get url() {
      return url;
    },
    accepted,
    unexpected,
    seen,
    /** The next `n` requests get `status` (and `body`, or a Brevo-like error), whatever they hold. */
    failNext(n: number, status: number, body?: object) {
      failing = { count: n, status, ...(body ? { body } : {}) };
    },
    /** The next request is never answered (until stop()). */
    hangNext() {
      hangs++;
    },
    start: () =>
      new Promise<void>((resolve) =>
        server.listen(0, '127.0.0.1', () => {
          url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3`;
          resolve();
        }),
      ),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of hung.splice(0)) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
