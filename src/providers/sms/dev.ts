import type { SmsProvider } from './sms.ts';

/** One text or call as the dev outbox stores it: a call's `body` is what would be spoken. */
export type DevSmsCapture = {
  channel: 'sms' | 'voice';
  to: string;
  from: string;
  body: string;
  accountId: string | null;
  leadId: string | null;
};

/**
 * The embedded default: nothing leaves the machine; every text and call is handed to `capture`
 * (the outbox module stores it for /dev/outbox) and its id is the provider's id. Knows nothing
 * of the database itself.
 */
export function createDevSmsProvider(
  capture: (item: DevSmsCapture, idempotencyKey: string) => Promise<string>,
): SmsProvider {
  return {
    name: 'dev',
    sendSms: async (sms, { idempotencyKey }) => ({
      providerMessageId: await capture(
        {
          channel: 'sms',
          to: sms.to,
          from: sms.from,
          body: sms.body,
          accountId: sms.accountId ?? null,
          leadId: sms.leadId ?? null,
        },
        idempotencyKey,
      ),
    }),
    startCall: async (call, { idempotencyKey }) => ({
      providerCallId: await capture(
        {
          channel: 'voice',
          to: call.to,
          from: call.from,
          // The words, when the caller has them; the TwiML otherwise.
          body: call.summary ?? call.twiml,
          accountId: call.accountId ?? null,
          leadId: call.leadId ?? null,
        },
        idempotencyKey,
      ),
    }),
  };
}
