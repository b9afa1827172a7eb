/** One email to send. Bodies are plain text; providers that take HTML get it escaped from text. */
export type OutboundEmail = {
  to: string;
  from: string;
  subject: string;
  text: string;
  /** Who it belongs to, for the dev outbox and later the messages log. */
  accountId?: string | null;
  leadId?: string | null;
};

/**
 * An email provider. `idempotencyKey` must make a retried send a no-op at the provider (the
 * dev adapter keys its store on it; real adapters pass it where the provider takes one).
 */
export type EmailProvider = {
  readonly name: string;
  send(email: OutboundEmail, options: { idempotencyKey: string }): Promise<{ providerMessageId: string }>;
};
