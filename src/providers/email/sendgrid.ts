import { EMAIL_TIMEOUT_MS, type EmailProvider, parseAddress } from './email.ts';
import { SENDGRID_ACCOUNT_ARG, SENDGRID_MESSAGE_ARG } from './events.ts';
import { contentSecrets, postJson, refusal } from './http.ts';

/**
 * Twilio SendGrid over its documented v3 Mail Send API (POST /v3/mail/send), with the global
 * fetch and an API key as a bearer token.
 * https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send
 *
 * SendGrid takes no idempotency key: the key rides in `custom_args` (it comes back on the
 * Event Webhook), so a retry after a lost answer can be recognised, not prevented. A send that
 * belongs to an account also carries `accountId` and `messageId` (the key: our message id), which
 * is how a bounce or complaint event finds its way back (see events.ts).
 */
export type SendgridOptions = {
  apiKey: string;
  /** https://api.sendgrid.com in production (https://api.eu.sendgrid.com for EU subusers). */
  apiUrl: string;
  timeoutMs?: number;
};

/** SendGrid's error body: `{ errors: [{ message, field, help }] }`. */
function describeSendgridError(json: unknown): string | undefined {
  const errors = (json as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return undefined;
  const said = errors
    .map((e: { message?: unknown; field?: unknown } | null) => {
      const message = typeof e?.message === 'string' ? e.message : '';
      const field = typeof e?.field === 'string' && e.field ? e.field : '';
      return field && message ? `${field}: ${message}` : field || message;
    })
    .filter((s) => s !== '')
    .join('; ');
  return said || undefined;
}

export function createSendgridEmailProvider(options: SendgridOptions): EmailProvider {
  const url = `${options.apiUrl.replace(/\/+$/, '')}/v3/mail/send`;
  const timeoutMs = options.timeoutMs ?? EMAIL_TIMEOUT_MS;
  const name = 'sendgrid';

  return {
    name,
    async send(email, { idempotencyKey }) {
      const to = parseAddress(email.to).email;
      const headers = email.headers && Object.keys(email.headers).length > 0 ? email.headers : undefined;
      const body = {
        personalizations: [{ to: [{ email: to }] }],
        from: parseAddress(email.from),
        subject: email.subject,
        content: [{ type: 'text/plain', value: email.text }],
        ...(headers ? { headers } : {}),
        custom_args: {
          idempotency_key: idempotencyKey,
          ...(email.accountId
            ? { [SENDGRID_ACCOUNT_ARG]: email.accountId, [SENDGRID_MESSAGE_ARG]: idempotencyKey }
            : {}),
        },
      };
      const res = await postJson(name, url, { authorization: `Bearer ${options.apiKey}` }, body, timeoutMs);
      if (!res.ok) {
        throw await refusal(name, res, describeSendgridError, [
          options.apiKey,
          to,
          email.to,
          email.subject,
          ...contentSecrets(email.text),
        ]);
      }
      // 202 with an empty body; the id is in a header.
      await res.body?.cancel().catch(() => {});
      return { providerMessageId: res.headers.get('x-message-id') || idempotencyKey };
    },
  };
}
