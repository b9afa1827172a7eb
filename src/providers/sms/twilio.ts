import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { contentSecrets, isRetryableStatus, redact } from '../email/http.ts';
import { SMS_TIMEOUT_MS, type SmsProvider, SmsSendError } from './sms.ts';

/**
 * Twilio texts and calls through the official SDK (Programmable Messaging's Messages resource,
 * Voice's Calls resource), with the account's SID and auth token as HTTP Basic credentials.
 * https://www.twilio.com/docs/messaging/api/message-resource
 * https://www.twilio.com/docs/voice/api/call-resource
 */
export type TwilioOptions = {
  accountSid: string;
  authToken: string;
  /** https://api.twilio.com in production (the default); a fake's origin in tests. */
  apiUrl?: string;
  timeoutMs?: number;
};

export const TWILIO_API_URL = 'https://api.twilio.com';
/** The call progress Twilio reports to a call's StatusCallback (it reports only `completed` unless asked). */
export const CALL_STATUS_EVENTS: readonly string[] = ['initiated', 'ringing', 'answered', 'completed'];
/** How long a call rings when the caller does not say (Twilio's own default is 60). */
export const DEFAULT_RING_SECONDS = 30;

const NAME = 'twilio';
// Twilio's words in an error message are cut to this.
const MAX_SAID = 200;
// Anything that looks like a phone number, however formatted: Twilio quotes the To number.
const PHONE_NUMBER = /\+?\d[\d\s().-]{6,}\d/g;

/**
 * The SDK's HTTP client, sending to `apiUrl` instead of the host the SDK builds into each URI
 * (api.twilio.com, or an edge/region host from TWILIO_EDGE/TWILIO_REGION): the path and query
 * are kept. `timeoutMs` is a deadline for the whole exchange: axios's own `timeout` only
 * bounds the socket's idle time.
 */
class ApiUrlClient extends twilio.RequestClient {
  readonly #base: string;

  constructor(apiUrl: string, timeoutMs: number) {
    // No auto-retry: the job queue retries, with its own backoff.
    super({ timeout: timeoutMs, autoRetry: false });
    const base = new URL(apiUrl);
    this.#base = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
    this.axios.interceptors.request.use((config) => {
      config.signal = AbortSignal.timeout(timeoutMs);
      return config;
    });
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const { pathname, search } = new URL(opts.uri);
    try {
      return await super.request({ ...opts, uri: `${this.#base}${pathname}${search}` });
    } finally {
      // The SDK keeps the last request (credentials, numbers, text) on the client; drop it.
      this.lastRequest = undefined;
    }
  }
}

/** Twilio's words, without secrets or phone numbers, on one line and cut. */
function scrub(text: string, secrets: readonly string[]): string {
  let out = redact(text.replace(/\s+/g, ' ').trim(), secrets).replace(PHONE_NUMBER, '[number]');
  if (out.length > MAX_SAID) out = `${out.slice(0, MAX_SAID - 1)}…`;
  return out;
}

/**
 * A failed SDK call as an SmsSendError. The SDK throws a RestException (`status`, Twilio's
 * numeric `code`, `message`) or, for an RFC 9457 body, a TwilioServiceException (`detail`
 * too) for a non-2xx answer, and axios's error for a network failure or a timeout. The
 * original is never attached: axios's error holds the request, credentials and all.
 */
function toSmsSendError(error: unknown, timeoutMs: number, secrets: readonly string[]): SmsSendError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  if (e.isAxiosError === true) {
    const code = typeof e.code === 'string' ? e.code : undefined;
    const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED';
    const shown = code && /^[A-Z0-9_]{2,40}$/.test(code) ? ` (${code})` : '';
    return new SmsSendError(
      NAME,
      timedOut ? `${NAME}: no answer within ${timeoutMs} ms` : `${NAME}: could not be reached${shown}`,
      { retryable: true },
    );
  }
  if (typeof e.status === 'number') {
    const status = e.status;
    const code = typeof e.code === 'number' ? e.code : undefined;
    const words = [e.detail, e.message].find((w): w is string => typeof w === 'string' && w !== '') ?? '';
    const said = scrub(words.replace(/^\[HTTP \d+\]\s*/, ''), secrets);
    return new SmsSendError(NAME, `${NAME}: ${status}${said ? ` ${said}` : ''}`, {
      retryable: isRetryableStatus(status),
      status,
      ...(code === undefined ? {} : { code }),
    });
  }
  // Not an answer Twilio gave (a 2xx that is not JSON, say): whether it was sent is unknown.
  const kind = error instanceof Error && /^\w{1,40}$/.test(error.name) ? ` (${error.name})` : '';
  return new SmsSendError(NAME, `${NAME}: failed${kind}`, { retryable: false });
}

export function createTwilioSmsProvider(options: TwilioOptions): SmsProvider {
  const timeoutMs = options.timeoutMs ?? SMS_TIMEOUT_MS;
  // Throws now, not at the first send, for a SID that does not start with AC.
  const client = twilio(options.accountSid, options.authToken, {
    httpClient: new ApiUrlClient(options.apiUrl ?? TWILIO_API_URL, timeoutMs),
  });
  const fail = (error: unknown, secrets: string[]) =>
    toSmsSendError(error, timeoutMs, [options.authToken, ...secrets]);

  return {
    name: NAME,
    async sendSms(sms) {
      try {
        const message = await client.messages.create({
          to: sms.to,
          from: sms.from,
          body: sms.body,
          statusCallback: sms.statusCallback,
        });
        return { providerMessageId: message.sid };
      } catch (error) {
        throw fail(error, [sms.to, sms.from, ...contentSecrets(sms.body)]);
      }
    },
    async startCall(call) {
      try {
        const created = await client.calls.create({
          to: call.to,
          from: call.from,
          twiml: call.twiml,
          timeout: call.timeoutSeconds ?? DEFAULT_RING_SECONDS,
          ...(call.statusCallback
            ? { statusCallback: call.statusCallback, statusCallbackEvent: [...CALL_STATUS_EVENTS] }
            : {}),
        });
        return { providerCallId: created.sid };
      } catch (error) {
        throw fail(error, [call.to, call.from, ...contentSecrets(call.twiml)]);
      }
    },
  };
}
