/** One email to send. Bodies are plain text; providers that take HTML get it escaped from text. */
export type OutboundEmail = {
  to: string;
  /** `Name <address>` or a bare address. */
  from: string;
  subject: string;
  text: string;
  /** Extra headers (List-Unsubscribe, …), passed through as they are. */
  headers?: Record<string, string>;
  /** Who it belongs to, for the dev outbox and later the messages log. */
  accountId?: string | null;
  leadId?: string | null;
};

/**
 * An email provider. `idempotencyKey` must make a retried send a no-op at the provider (the
 * dev adapter keys its store on it; real adapters pass it where the provider takes one).
 * A failed send throws EmailSendError, which says whether trying again can help.
 */
export type EmailProvider = {
  readonly name: string;
  send(email: OutboundEmail, options: { idempotencyKey: string }): Promise<{ providerMessageId: string }>;
};

/**
 * Why a send failed. `retryable`: a timeout, a network error, 429 or 5xx (or an SMTP 4xx reply)
 * may succeed later; any other refusal (a 4xx from an HTTP API, an SMTP 5xx reply) will not.
 * `detail` is the provider's own words, cut short, never with the message's content or a key.
 */
export class EmailSendError extends Error {
  readonly provider: string;
  readonly retryable: boolean;
  readonly status: number | undefined;
  constructor(provider: string, message: string, options: { retryable: boolean; status?: number }) {
    // No `cause`: the provider's own error can quote the recipient, and a logged error's cause
    // chain is logged with it.
    super(message);
    this.name = 'EmailSendError';
    this.provider = provider;
    this.retryable = options.retryable;
    this.status = options.status;
  }
}

/** The text body as HTML, for providers that want both: escaped, lines kept. */
export function textToHtml(text: string): string {
  const escaped = text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<div style="white-space:pre-wrap">${escaped}</div>`;
}

/** How long a provider call may take before it counts as failed (and retryable). */
export const EMAIL_TIMEOUT_MS = 15_000;

/** `Name <a@b>` → { name, email }; a bare address → { email }. */
export function parseAddress(value: string): { name?: string; email: string } {
  const m = /^\s*(?:"?([^"<]*?)"?\s*)?<([^<>\s]+)>\s*$/.exec(value);
  if (m) {
    const name = m[1]?.trim();
    return name ? { name, email: m[2]! } : { email: m[2]! };
  }
  return { email: value.trim() };
}
