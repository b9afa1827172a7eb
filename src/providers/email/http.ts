import { EmailSendError } from './email.ts';

/**
 * What the HTTP email adapters (Brevo, SendGrid) share: one JSON POST with a deadline, and a
 * refusal turned into an EmailSendError that says whether a retry can help and never carries
 * the key, an address or the message's content.
 */

/** The longest an EmailSendError message built here gets. */
export const MAX_ERROR_MESSAGE = 300;
// Enough of an error body to find the provider's words; the rest is not read.
const MAX_ERROR_BODY_BYTES = 16_384;

/** 429 and 5xx may succeed later; any other refusal will not. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * POSTs `body` as JSON and returns the response whatever its status. A network failure or the
 * deadline passing throws a retryable EmailSendError without a status. Redirects are not
 * followed: fetch would carry a custom key header (Brevo's `api-key`) to wherever it points.
 */
export async function postJson(
  provider: string,
  url: string,
  headers: Record<string, string>,
  body: unknown,
  timeoutMs: number,
): Promise<Response> {
  try {
    return await fetch(url, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    const code = timedOut ? undefined : networkCode(error);
    throw new EmailSendError(
      provider,
      timedOut
        ? `${provider}: no answer within ${timeoutMs} ms`
        : `${provider}: could not be reached${code ? ` (${code})` : ''}`,
      { retryable: true },
    );
  }
}

/** `ECONNREFUSED` and the like, from fetch's TypeError('fetch failed') and its cause. */
function networkCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = cause?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? code : undefined;
}

/** Up to `maxBytes` of a response body as text; '' if it cannot be read (it may time out too). */
export async function readBodyText(res: Response, maxBytes = MAX_ERROR_BODY_BYTES): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // What arrived before the failure is still worth reading.
  } finally {
    reader.cancel().catch(() => {});
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, maxBytes));
}

/** Parses JSON, or undefined. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * `text` without any of `secrets` (case-insensitive) nor anything that looks like an email
 * address. Secrets shorter than 4 characters are left alone: removing them would shred the text.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  // Longest first: a secret inside another (the subject quoted in the body) must not break it.
  const sorted = secrets
    .map((secret) => secret?.trim() ?? '')
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length);
  for (const s of sorted) {
    // Any run of whitespace in the secret matches any run in the text (bodies get re-wrapped).
    const pattern = s
      .split(/\s+/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('\\s+');
    out = out.replace(new RegExp(pattern, 'gi'), '[redacted]');
  }
  return out.replace(/[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;:]+/g, '[address]');
}

/** The message's own content, as secrets for `redact`: the whole of it and its longer lines. */
export function contentSecrets(...parts: string[]): string[] {
  return parts.flatMap((p) => [p, ...p.split(/\r?\n/).filter((line) => line.trim().length >= 16)]);
}

/**
 * A non-2xx answer as an EmailSendError: the provider, the status and the provider's own words
 * (`describe` picks them from the parsed JSON body; otherwise the body's text), redacted and cut.
 */
export async function refusal(
  provider: string,
  res: Response,
  describe: (json: unknown) => string | undefined,
  secrets: readonly (string | undefined)[],
): Promise<EmailSendError> {
  const raw = await readBodyText(res);
  const json = parseJson(raw);
  let said = (json === undefined ? undefined : describe(json)) ?? raw.replace(/<[^>]*>/g, ' ');
  said = redact(said.replace(/\s+/g, ' ').trim(), secrets);
  let message = `${provider} refused the email (HTTP ${res.status}${said ? `): ${said}` : ')'}`;
  if (message.length > MAX_ERROR_MESSAGE) message = `${message.slice(0, MAX_ERROR_MESSAGE - 1)}…`;
  return new EmailSendError(provider, message, {
    retryable: isRetryableStatus(res.status),
    status: res.status,
  });
}
