import OpenAI from 'openai';
import twilio from 'twilio';
import type { CredentialProvider } from './credentials.schema.ts';

/**
 * Checking an account's saved keys with their provider (`POST /api/v1/credentials/:provider/verify`):
 * the cheapest authenticated read each provider has, through its official SDK or documented HTTP
 * API, at the base URL the platform is configured with (tests point these at local fakes).
 *
 * - OpenAI: `GET /v1/models` (the official `openai` SDK, no retries).
 * - Brevo: `GET /v3/account` with the `api-key` header (fetch).
 * - SendGrid: `GET /v3/scopes` with a Bearer key (fetch).
 * - Twilio: `GET /2010-04-01/Accounts/{sid}.json` with HTTP Basic (the `twilio` SDK's RequestClient).
 *
 * A check answers only what the provider said. It never throws, and nothing it returns carries a
 * secret or the provider's own words (OpenAI quotes part of a refused key in its message).
 */

/** How long a check waits for the provider, in all. */
export const VERIFY_TIMEOUT_MS = 10_000;

/** The API bases, as configured: OPENAI_API_URL, BREVO_API_URL, SENDGRID_API_URL, TWILIO_API_URL. */
export type KeyCheckEndpoints = { openai: string; brevo: string; sendgrid: string; twilio: string };

/** What the provider said about a set of keys. */
export type KeyCheck =
  /** An authenticated read succeeded. */
  | { outcome: 'accepted' }
  /** The provider refused the keys (401 or 403). */
  | { outcome: 'rejected'; status: number }
  /** The keys cannot be sent as they are (spaces or characters outside ASCII): no key of the provider's looks so. */
  | { outcome: 'malformed' }
  /** Nothing was learned: no answer in time, no connection, or another status (429, 5xx, …). */
  | {
      outcome: 'unavailable';
      reason: 'timeout' | 'unreachable' | 'status';
      status?: number;
      /** The provider's Retry-After, in seconds, when it gave one. */
      retryAfterSeconds?: number;
    };

export type KeyChecker = {
  /** The provider's name as people write it. */
  label: string;
  /** What the answer says when the provider refuses the keys. */
  refused: string;
  check(keys: Record<string, string>, endpoints: KeyCheckEndpoints, timeoutMs: number): Promise<KeyCheck>;
};

// A header value a provider could have issued: visible ASCII, no spaces.
const SENDABLE = /^[\x21-\x7e]+$/;

function retryAfterSeconds(value: string | null | undefined): number | undefined {
  if (!value || !/^\d{1,6}$/.test(value.trim())) return undefined;
  return Math.min(Number(value.trim()), 3600);
}

/** 2xx accepted, 401/403 rejected, anything else (a redirect too) tells nothing about the keys. */
function byStatus(status: number, retryAfter?: string | null): KeyCheck {
  if (status >= 200 && status < 300) return { outcome: 'accepted' };
  if (status === 401 || status === 403) return { outcome: 'rejected', status };
  const seconds = retryAfterSeconds(retryAfter);
  return {
    outcome: 'unavailable',
    reason: 'status',
    status,
    ...(seconds === undefined ? {} : { retryAfterSeconds: seconds }),
  };
}

const isTimeout = (error: unknown) =>
  error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');

/** One GET over fetch with a deadline; redirects are not followed (a key header must not travel on). */
async function getStatus(url: string, headers: Record<string, string>, timeoutMs: number): Promise<KeyCheck> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'GET',
      headers: { accept: 'application/json', ...headers },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { outcome: 'unavailable', reason: isTimeout(error) ? 'timeout' : 'unreachable' };
  }
  // The body tells nothing more (and may hold account details): not read.
  await res.body?.cancel().catch(() => {});
  return byStatus(res.status, res.headers.get('retry-after'));
}

const base = (url: string) => url.replace(/\/+$/, '');

/** https://platform.openai.com/docs/api-reference/models/list */
async function checkOpenAi(
  keys: Record<string, string>,
  endpoints: KeyCheckEndpoints,
  timeoutMs: number,
): Promise<KeyCheck> {
  const apiKey = keys.api_key ?? '';
  const organization = keys.organization;
  if (!SENDABLE.test(apiKey) || (organization !== undefined && !SENDABLE.test(organization)))
    return { outcome: 'malformed' };
  // Every option is given, so that nothing is read from the environment (OPENAI_API_KEY,
  // OPENAI_ORG_ID, OPENAI_BASE_URL…): only the account's own keys are tried.
  const client = new OpenAI({
    apiKey,
    adminAPIKey: null,
    organization: organization ?? null,
    project: null,
    webhookSecret: null,
    baseURL: base(endpoints.openai),
    timeout: timeoutMs,
    maxRetries: 0,
    logLevel: 'off',
  });
  try {
    await client.models.list({ signal: AbortSignal.timeout(timeoutMs) });
    return { outcome: 'accepted' };
  } catch (error) {
    if (error instanceof OpenAI.APIConnectionTimeoutError || error instanceof OpenAI.APIUserAbortError)
      return { outcome: 'unavailable', reason: 'timeout' };
    if (error instanceof OpenAI.APIConnectionError) return { outcome: 'unavailable', reason: 'unreachable' };
    if (error instanceof OpenAI.APIError && typeof error.status === 'number')
      return byStatus(error.status, error.headers?.get('retry-after'));
    return { outcome: 'unavailable', reason: 'unreachable' };
  }
}

/** https://developers.brevo.com/reference/get-account */
async function checkBrevo(
  keys: Record<string, string>,
  endpoints: KeyCheckEndpoints,
  timeoutMs: number,
): Promise<KeyCheck> {
  const apiKey = keys.api_key ?? '';
  if (!SENDABLE.test(apiKey)) return { outcome: 'malformed' };
  return getStatus(`${base(endpoints.brevo)}/account`, { 'api-key': apiKey }, timeoutMs);
}

/** https://www.twilio.com/docs/sendgrid/api-reference/api-key-permissions/retrieve-a-list-of-scopes-for-which-this-user-has-access */
async function checkSendgrid(
  keys: Record<string, string>,
  endpoints: KeyCheckEndpoints,
  timeoutMs: number,
): Promise<KeyCheck> {
  const apiKey = keys.api_key ?? '';
  if (!SENDABLE.test(apiKey)) return { outcome: 'malformed' };
  return getStatus(`${base(endpoints.sendgrid)}/v3/scopes`, { authorization: `Bearer ${apiKey}` }, timeoutMs);
}

/** https://www.twilio.com/docs/iam/api/account#fetch-an-account-resource */
async function checkTwilio(
  keys: Record<string, string>,
  endpoints: KeyCheckEndpoints,
  timeoutMs: number,
): Promise<KeyCheck> {
  const sid = keys.account_sid ?? '';
  const token = keys.auth_token ?? '';
  if (!sid || !token) return { outcome: 'malformed' };
  // No auto-retry; the deadline covers the whole exchange (axios's own timeout is per socket).
  const client = new twilio.RequestClient({ timeout: timeoutMs, autoRetry: false });
  client.axios.interceptors.request.use((config) => {
    config.signal = AbortSignal.timeout(timeoutMs);
    return config;
  });
  try {
    const res = await client.request({
      method: 'get',
      uri: `${base(endpoints.twilio)}/2010-04-01/Accounts/${encodeURIComponent(sid)}.json`,
      username: sid,
      password: token,
      headers: { Accept: 'application/json' },
    });
    const retryAfter = (res.headers as Record<string, unknown> | undefined)?.['retry-after'];
    return byStatus(res.statusCode, typeof retryAfter === 'string' ? retryAfter : undefined);
  } catch (error) {
    // axios's error holds the request, credentials and all: only its code is read.
    const code = (error as { code?: unknown } | null)?.code;
    const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED';
    return { outcome: 'unavailable', reason: timedOut ? 'timeout' : 'unreachable' };
  } finally {
    // The SDK keeps the last request (the credentials) and answer (Twilio's includes the auth token).
    client.lastRequest = undefined;
    client.lastResponse = undefined;
  }
}

/** The providers whose keys can be checked; the others answer 422 CREDENTIALS_CHECK_UNSUPPORTED. */
export const KEY_CHECKERS: Partial<Record<CredentialProvider, KeyChecker>> = {
  openai: { label: 'OpenAI', refused: 'OpenAI refused this key', check: checkOpenAi },
  brevo: { label: 'Brevo', refused: 'Brevo refused this key', check: checkBrevo },
  sendgrid: { label: 'SendGrid', refused: 'SendGrid refused this key', check: checkSendgrid },
  twilio: {
    label: 'Twilio',
    refused: 'Twilio refused this account SID and auth token',
    check: checkTwilio,
  },
};
