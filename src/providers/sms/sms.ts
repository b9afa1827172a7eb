/** One text message to send. `to` and `from` are E.164. */
export type OutboundSms = {
  to: string;
  from: string;
  body: string;
  /** Where the provider reports delivery (Twilio's StatusCallback); absent: no reports. */
  statusCallback?: string;
  /** Who it belongs to, for the dev outbox. */
  accountId?: string | null;
  leadId?: string | null;
};

/**
 * One outbound call: the provider rings `to` from `from` and, when it is answered, follows
 * `twiml` (the instructions: say, gather, dial).
 */
export type OutboundCall = {
  to: string;
  from: string;
  twiml: string;
  /** Where the provider reports the call's progress (Twilio's StatusCallback). */
  statusCallback?: string;
  /** Ring this many seconds before giving up (Twilio's Timeout; default 30). */
  timeoutSeconds?: number;
  accountId?: string | null;
  leadId?: string | null;
  /** What the dev outbox shows for the call: the words that would be spoken. */
  summary?: string;
};

/**
 * Texts and calls. `idempotencyKey` makes a retried send a no-op where the provider can tell
 * (the dev adapter keys its store on it; Twilio takes no key on these APIs, so the caller does
 * not retry a send whose outcome it does not know). A failed send throws SmsSendError.
 */
export type SmsProvider = {
  readonly name: string;
  sendSms(sms: OutboundSms, options: { idempotencyKey: string }): Promise<{ providerMessageId: string }>;
  startCall(call: OutboundCall, options: { idempotencyKey: string }): Promise<{ providerCallId: string }>;
};

/**
 * Why a send failed. `retryable`: a timeout, a network error, 429 or 5xx may succeed later; any
 * other refusal (a 4xx: a bad number, an unverified sender, a number that opted out at the
 * carrier) will not. `code` is the provider's own error code (Twilio's 21610: the recipient
 * replied STOP). The message never holds the key, the message's text or a phone number.
 */
export class SmsSendError extends Error {
  readonly provider: string;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly code: number | undefined;
  constructor(
    provider: string,
    message: string,
    options: { retryable: boolean; status?: number; code?: number },
  ) {
    super(message);
    this.name = 'SmsSendError';
    this.provider = provider;
    this.retryable = options.retryable;
    this.status = options.status;
    this.code = options.code;
  }
}

/** How long a provider call may take before it counts as failed (and retryable). */
export const SMS_TIMEOUT_MS = 15_000;
