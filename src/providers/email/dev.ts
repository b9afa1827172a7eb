import type { EmailProvider, OutboundEmail } from './email.ts';

/**
 * The embedded default: nothing leaves the machine; every email is handed to `capture`
 * (the outbox module stores it for /dev/outbox). Knows nothing of the database itself.
 */
export function createDevEmailProvider(
  capture: (email: OutboundEmail, idempotencyKey: string) => Promise<string>,
): EmailProvider {
  return {
    name: 'dev',
    send: async (email, { idempotencyKey }) => ({ providerMessageId: await capture(email, idempotencyKey) }),
  };
}
