import { EMAIL_TIMEOUT_MS, type EmailProvider, parseAddress, textToHtml } from './email.ts';
import { BREVO_CUSTOM_HEADER, brevoCustomValue } from './events.ts';
import { contentSecrets, parseJson, postJson, readBodyText, refusal } from './http.ts';

/**
 * Brevo transactional email over its documented HTTP API (POST /v3/smtp/email), with the
 * global fetch and an API key in the `api-key` header.
 * https://developers.brevo.com/reference/send-transac-email
 */
export type BrevoOptions = {
  apiKey: string;
  /** https://api.brevo.com/v3 in production. */
  apiUrl: string;
  timeoutMs?: number;
};

/** Marks every attempt at one send with the same key, so a retry can be told from a new email. */
export const IDEMPOTENCY_MARKER_HEADER = 'X-Porchlight-Idempotency-Key';
/** The header Brevo's reference names for de-duplicating a retried send (kept 15 minutes). */
export const BREVO_IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** Brevo's error body: `{ code: 'missing_parameter', message: '…' }`. */
function describeBrevoError(json: unknown): string | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const { code, message } = json as { code?: unknown; message?: unknown };
  const parts = [code, message].filter((p): p is string => typeof p === 'string' && p !== '');
  return parts.length ? parts.join(': ') : undefined;
}

export function createBrevoEmailProvider(options: BrevoOptions): EmailProvider {
  const url = `${options.apiUrl.replace(/\/+$/, '')}/smtp/email`;
  const timeoutMs = options.timeoutMs ?? EMAIL_TIMEOUT_MS;
  const name = 'brevo';

  return {
    name,
    async send(email, { idempotencyKey }) {
      const to = parseAddress(email.to).email;
      const body = {
        sender: parseAddress(email.from),
        to: [{ email: to }],
        subject: email.subject,
        textContent: email.text,
        htmlContent: textToHtml(email.text),
        headers: {
          ...email.headers,
          // Brevo returns this value on every webhook event: how a bounce finds its account and
          // message (see events.ts). Only for sends that belong to an account.
          ...(email.accountId
            ? { [BREVO_CUSTOM_HEADER]: brevoCustomValue(email.accountId, idempotencyKey) }
            : {}),
          [BREVO_IDEMPOTENCY_HEADER]: idempotencyKey,
          [IDEMPOTENCY_MARKER_HEADER]: idempotencyKey,
        },
      };
      const res = await postJson(name, url, { 'api-key': options.apiKey }, body, timeoutMs);
      if (!res.ok) {
        throw await refusal(name, res, describeBrevoError, [
          options.apiKey,
          to,
          email.to,
          email.subject,
          ...contentSecrets(email.text),
        ]);
      }
      // 201 { messageId: '<…@smtp-relay.mailin.fr>' }. A 2xx without one was still accepted.
      const json = parseJson(await readBodyText(res)) as { messageId?: unknown } | null | undefined;
      const messageId = json?.messageId;
      return { providerMessageId: typeof messageId === 'string' && messageId ? messageId : idempotencyKey };
    },
  };
}
