import { createHash, createPublicKey, type KeyObject, timingSafeEqual, verify } from 'node:crypto';

/**
 * Bounce and complaint webhooks from the email providers, checked and read into one shape.
 * No I/O: the route hands over the raw body and the headers, and decides what to suppress.
 *
 * SendGrid signs each POST (Signed Event Webhook: ECDSA P-256 / SHA-256 over timestamp + body).
 * https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
 * https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event
 * Brevo signs nothing; its webhook is created with a bearer token (or user:password in the URL),
 * which it sends back in `Authorization`.
 * https://developers.brevo.com/docs/secured-webhooks
 * https://developers.brevo.com/docs/transactional-webhooks
 */

/**
 * One provider event about one recipient.
 * - `kind`: `bounce` (the address did not take the message), `complaint` (marked as spam),
 *   `unsubscribe`, or `other` (delivered, opened, processed…: nothing to act on).
 * - `hard`: a bounce that will not get better (a permanent rejection, an invalid address, an
 *   address the provider itself refuses to send to). Soft bounces and deferrals are
 *   `kind: 'bounce', hard: false` and are not grounds to suppress. Always false for other kinds.
 * - `email`: the recipient as the provider wrote it (trimmed, case kept).
 * - `accountId`, `messageId`: what our adapters attached at send time, each a uuid (lowercased)
 *   or null when absent or malformed. Both are set only for sends that had an account; trust
 *   `messageId` only together with `accountId` (look the message up by both).
 * - `providerEventId`: the provider's id for this event, for de-duplicating a redelivery.
 * - `at`: when the event happened, or null if the provider did not say.
 */
export type EmailEvent = {
  kind: 'bounce' | 'complaint' | 'unsubscribe' | 'other';
  hard: boolean;
  email: string;
  accountId: string | null;
  messageId: string | null;
  providerEventId: string | null;
  at: Date | null;
};

/** A webhook request checked: its events, or why it was refused (for the log, not the caller). */
export type VerifiedEmailEvents = { ok: true; events: EmailEvent[] } | { ok: false; reason: string };

/** Request headers as Node and Fastify give them (any case is accepted here). */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

/** The header with SendGrid's base64 DER ECDSA signature. */
export const SENDGRID_SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
/** The header with the Unix time (seconds) SendGrid signed along with the body. */
export const SENDGRID_TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';
/** How far the signed timestamp may be from now, either way, by default. */
export const SENDGRID_DEFAULT_TOLERANCE_SECONDS = 600;
/** The `custom_args` keys our SendGrid adapter sets; SendGrid copies them into every event. */
export const SENDGRID_ACCOUNT_ARG = 'accountId';
export const SENDGRID_MESSAGE_ARG = 'messageId';

/** Brevo's custom header: set at send time, returned as a field of every transactional event. */
export const BREVO_CUSTOM_HEADER = 'X-Mailin-custom';
const BREVO_CUSTOM_PREFIX = 'porchlight:';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// sg_event_id is "up to 100 characters"; anything far longer is not SendGrid's.
const MAX_EVENT_ID = 255;
const MAX_EMAIL = 320;
// A DER ECDSA P-256 signature is at most 72 bytes; base64 of that is 96 characters.
const MAX_SIGNATURE_CHARS = 200;

/** The value our Brevo adapter puts in X-Mailin-custom: `porchlight:<accountId>:<messageId>`. */
export function brevoCustomValue(accountId: string, messageId: string): string {
  return `${BREVO_CUSTOM_PREFIX}${accountId}:${messageId}`;
}

/**
 * Reads an X-Mailin-custom value back. Anything not in our format (another integration's value,
 * a truncated one) gives null ids; each id is checked on its own, so a malformed account id
 * does not throw away a good message id.
 */
export function parseBrevoCustomValue(value: unknown): {
  accountId: string | null;
  messageId: string | null;
} {
  if (typeof value !== 'string' || !value.startsWith(BREVO_CUSTOM_PREFIX)) {
    return { accountId: null, messageId: null };
  }
  const rest = value.slice(BREVO_CUSTOM_PREFIX.length);
  const colon = rest.indexOf(':');
  const account = colon === -1 ? rest : rest.slice(0, colon);
  const message = colon === -1 ? '' : rest.slice(colon + 1);
  return { accountId: uuidOrNull(account), messageId: uuidOrNull(message) };
}

/**
 * SendGrid's verification key (base64 DER SubjectPublicKeyInfo, as the app and
 * GET /v3/user/webhooks/event/settings/signed show it; PEM is accepted too) as a KeyObject.
 * Throws if it is not a P-256 public key, so a config check can call it at start-up.
 */
export function parseSendgridPublicKey(publicKey: string): KeyObject {
  const trimmed = publicKey.trim();
  if (!trimmed) throw new TypeError('the SendGrid verification key is empty');
  const key = trimmed.includes('-----BEGIN')
    ? createPublicKey(trimmed)
    : createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new TypeError('the SendGrid verification key is not a P-256 (prime256v1) key');
  }
  return key;
}

/**
 * Whether `signature` (base64 DER) is SendGrid's ECDSA P-256 / SHA-256 signature of the bytes
 * of `timestamp` followed by the raw body. The body must be the bytes as received: parsed and
 * re-serialised JSON will not verify.
 */
export function verifySendgridSignature(input: {
  publicKey: string | KeyObject;
  timestamp: string;
  rawBody: string | Buffer;
  signature: string;
}): boolean {
  const sig = input.signature.trim();
  if (!sig || sig.length > MAX_SIGNATURE_CHARS || !/^[A-Za-z0-9+/]+={0,2}$/.test(sig)) return false;
  try {
    const key =
      typeof input.publicKey === 'string' ? parseSendgridPublicKey(input.publicKey) : input.publicKey;
    const body = typeof input.rawBody === 'string' ? Buffer.from(input.rawBody, 'utf8') : input.rawBody;
    const signed = Buffer.concat([Buffer.from(input.timestamp, 'utf8'), body]);
    // ECDSA signatures from SendGrid are ASN.1 DER (r, s), node's default dsaEncoding.
    return verify('sha256', signed, key, Buffer.from(sig, 'base64'));
  } catch {
    // A bad key or a signature that is not DER: not verified.
    return false;
  }
}

/**
 * Checks a SendGrid Event Webhook POST and reads its events. Refused: a missing or doubled
 * signature or timestamp header, a timestamp more than `toleranceSeconds` (600) old or ahead,
 * a signature that does not verify with `publicKey`, a body that is not a JSON array.
 * Array items that are not objects with an address are skipped (signed, so SendGrid's own).
 */
export function verifySendgridEvents(input: {
  rawBody: string | Buffer;
  headers: WebhookHeaders;
  publicKey: string;
  now?: Date;
  toleranceSeconds?: number;
}): VerifiedEmailEvents {
  let key: KeyObject;
  try {
    key = parseSendgridPublicKey(input.publicKey);
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  const signature = singleHeader(input.headers, SENDGRID_SIGNATURE_HEADER);
  if (!signature.ok) return { ok: false, reason: `${SENDGRID_SIGNATURE_HEADER}: ${signature.reason}` };
  const timestamp = singleHeader(input.headers, SENDGRID_TIMESTAMP_HEADER);
  if (!timestamp.ok) return { ok: false, reason: `${SENDGRID_TIMESTAMP_HEADER}: ${timestamp.reason}` };

  // Whole seconds since the epoch; the value is signed exactly as sent, so it is not trimmed.
  if (!/^\d{1,12}$/.test(timestamp.value)) {
    return { ok: false, reason: `${SENDGRID_TIMESTAMP_HEADER}: not a Unix time` };
  }
  const tolerance = input.toleranceSeconds ?? SENDGRID_DEFAULT_TOLERANCE_SECONDS;
  const skew = (input.now ?? new Date()).getTime() / 1000 - Number(timestamp.value);
  if (skew > tolerance) return { ok: false, reason: `timestamp is ${Math.round(skew)} s old` };
  if (-skew > tolerance) return { ok: false, reason: `timestamp is ${Math.round(-skew)} s in the future` };

  if (
    !verifySendgridSignature({
      publicKey: key,
      timestamp: timestamp.value,
      rawBody: input.rawBody,
      signature: signature.value,
    })
  ) {
    return { ok: false, reason: 'signature does not verify' };
  }

  const body = parseJson(input.rawBody);
  if (!Array.isArray(body)) return { ok: false, reason: 'body is not a JSON array' };
  const events: EmailEvent[] = [];
  for (const item of body) {
    const event = sendgridEvent(item);
    if (event) events.push(event);
  }
  return { ok: true, events };
}

/**
 * Checks a Brevo transactional webhook POST and reads its events. Accepted `Authorization`:
 * `Bearer <token>` (the webhook's `auth: { type: 'bearer', token }`) or Basic with the token as
 * the password (the webhook URL given as `https://<any user>:<token>@host/…`); compared in
 * constant time. The body is one event object (Brevo posts one per request) or an array of them.
 * An empty configured token refuses everything.
 */
export function verifyBrevoEvents(input: {
  rawBody: string | Buffer;
  headers: WebhookHeaders;
  token: string;
}): VerifiedEmailEvents {
  if (!input.token) return { ok: false, reason: 'no Brevo webhook token is configured' };
  const auth = singleHeader(input.headers, 'Authorization');
  if (!auth.ok) return { ok: false, reason: `Authorization: ${auth.reason}` };
  const presented = presentedToken(auth.value);
  if (presented === null) return { ok: false, reason: 'Authorization: neither Bearer nor Basic' };
  if (!sameSecret(presented, input.token)) return { ok: false, reason: 'Authorization: wrong token' };

  const body = parseJson(input.rawBody);
  const items = Array.isArray(body) ? body : isObject(body) ? [body] : null;
  if (!items) return { ok: false, reason: 'body is not a JSON object or array' };
  const events: EmailEvent[] = [];
  for (const item of items) {
    const event = brevoEvent(item);
    if (event) events.push(event);
  }
  return { ok: true, events };
}

/**
 * SendGrid's event as ours.
 * - `bounce`: `type: 'bounce'` (or no type) is a permanent rejection → hard. `type: 'blocked'`
 *   is, per SendGrid's reference, the receiving server refusing "temporarily" → soft.
 * - `deferred` → soft bounce.
 * - `dropped` with reason "Bounced Address" or "Invalid" → hard bounce (SendGrid will keep
 *   dropping the address). Other drop reasons (unsubscribed, spam reporting address, SMTPAPI
 *   header, quota…) → other.
 * - `spamreport` → complaint; `unsubscribe` and `group_unsubscribe` → unsubscribe.
 */
function sendgridEvent(item: unknown): EmailEvent | null {
  if (!isObject(item)) return null;
  const email = address(item.email);
  if (!email) return null;
  const name = typeof item.event === 'string' ? item.event : '';
  let kind: EmailEvent['kind'] = 'other';
  let hard = false;
  if (name === 'bounce') {
    kind = 'bounce';
    hard = item.type !== 'blocked';
  } else if (name === 'deferred') {
    kind = 'bounce';
  } else if (name === 'dropped') {
    const reason = typeof item.reason === 'string' ? item.reason.trim().toLowerCase() : '';
    if (reason === 'bounced address' || reason === 'invalid') {
      kind = 'bounce';
      hard = true;
    }
  } else if (name === 'spamreport') {
    kind = 'complaint';
  } else if (name === 'unsubscribe' || name === 'group_unsubscribe') {
    kind = 'unsubscribe';
  }
  return {
    kind,
    hard,
    email,
    accountId: uuidOrNull(item[SENDGRID_ACCOUNT_ARG]),
    messageId: uuidOrNull(item[SENDGRID_MESSAGE_ARG]),
    providerEventId: eventId(item.sg_event_id),
    at: dateFrom(item.timestamp, 1000),
  };
}

/**
 * Brevo's event as ours: `hard_bounce` → hard bounce; `soft_bounce` and `deferred` → soft;
 * `invalid_email` and `blocked` (Brevo will not send to the address, e.g. it is on its block
 * list) → hard bounce; `spam` (and `complaint`) → complaint; `unsubscribed` (and
 * `unsubscribe`) → unsubscribe; anything else → other.
 */
function brevoEvent(item: unknown): EmailEvent | null {
  if (!isObject(item)) return null;
  const email = address(item.email);
  if (!email) return null;
  const name = typeof item.event === 'string' ? item.event : '';
  let kind: EmailEvent['kind'] = 'other';
  let hard = false;
  if (name === 'hard_bounce' || name === 'invalid_email' || name === 'blocked') {
    kind = 'bounce';
    hard = true;
  } else if (name === 'soft_bounce' || name === 'deferred') {
    kind = 'bounce';
  } else if (name === 'spam' || name === 'complaint') {
    kind = 'complaint';
  } else if (name === 'unsubscribed' || name === 'unsubscribe') {
    kind = 'unsubscribe';
  }
  const { accountId, messageId } = parseBrevoCustomValue(item[BREVO_CUSTOM_HEADER]);
  // `ts_epoch` (ms) and `ts_event` (s) are UTC; `date` and `ts` follow the account's time zone.
  const at = dateFrom(item.ts_epoch, 1) ?? dateFrom(item.ts_event, 1000);
  return { kind, hard, email, accountId, messageId, providerEventId: brevoEventId(item, name), at };
}

/**
 * Brevo's `id` is the webhook's id, the same for every event, so the event is named by its
 * message, its name and its time: a redelivery of the same event gives the same id.
 */
function brevoEventId(item: Record<string, unknown>, name: string): string | null {
  const messageId = item['message-id'];
  if (typeof messageId !== 'string' || !messageId || !name) return null;
  const ts = [item.ts_epoch, item.ts_event, item.ts].find((t) => typeof t === 'number' && Number.isFinite(t));
  if (ts === undefined) return null;
  return eventId(`${messageId}|${name}|${ts}`);
}

/** `Bearer x` → x; `Basic base64(user:x)` → x; anything else → null. */
function presentedToken(header: string): string | null {
  const m = /^(Bearer|Basic)[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!m) return null;
  if (m[1]!.toLowerCase() === 'bearer') return m[2]!;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(m[2]!)) return null;
  const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : decoded.slice(colon + 1);
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
function sameSecret(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The one value of a header, looked up case-insensitively; a missing or doubled one is refused. */
function singleHeader(
  headers: WebhookHeaders,
  name: string,
): { ok: true; value: string } | { ok: false; reason: string } {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== wanted || v === undefined) continue;
    values.push(...(Array.isArray(v) ? v : [v]));
  }
  if (values.length === 0 || values[0] === '') return { ok: false, reason: 'missing' };
  if (values.length > 1) return { ok: false, reason: 'sent more than once' };
  return { ok: true, value: values[0]! };
}

function parseJson(raw: string | Buffer): unknown {
  try {
    return JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function uuidOrNull(v: unknown): string | null {
  return typeof v === 'string' && UUID.test(v) ? v.toLowerCase() : null;
}

function eventId(v: unknown): string | null {
  return typeof v === 'string' && v !== '' && v.length <= MAX_EVENT_ID ? v : null;
}

function address(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const email = v.trim();
  return email.includes('@') && email.length <= MAX_EMAIL ? email : null;
}

/** A Unix time in `unitMs` units (1000 for seconds, 1 for milliseconds), as a number or digits. */
function dateFrom(v: unknown, unitMs: number): Date | null {
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isFinite(n) || n <= 0) return null;
  const date = new Date(n * unitMs);
  return Number.isNaN(date.getTime()) ? null : date;
}
