import { expect } from 'vitest';
import { EmailSendError, type OutboundEmail } from './email.ts';

/** Test support for the email adapters (imported by tests only). */

export const RECIPIENT = 'jane.buyer@example.org';
export const BODY = 'Hi Jane,\nthanks for asking about 12 Elm Street. When can we talk?';

/** A typical email to a lead, with a pass-through header. */
export const sampleEmail = (over: Partial<OutboundEmail> = {}): OutboundEmail => ({
  to: RECIPIENT,
  from: 'Smith Realty <hello@smith-realty.test>',
  subject: 'About 12 Elm Street',
  text: BODY,
  headers: { 'List-Unsubscribe': '<https://porchlight.test/u/abc>' },
  ...over,
});

/**
 * Expects the send to fail with an EmailSendError of `provider` whose message names neither the
 * key, the recipient nor the body (nor any of its lines) and stays short; answers the error.
 */
export const expectSafeFailure = (provider: string, key: string, send: Promise<unknown>) =>
  send.then(
    () => expect.unreachable('the send should have failed'),
    (e: unknown) => {
      expect(e).toBeInstanceOf(EmailSendError);
      const error = e as EmailSendError;
      expect(error.provider).toBe(provider);
      for (const secret of [key, RECIPIENT, BODY, ...BODY.split('\n')]) {
        expect(error.message).not.toContain(secret);
      }
      expect(error.message.length).toBeLessThanOrEqual(300);
      return error;
    },
  );
