import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_BREVO_KEY, fakeBrevo } from './brevo.fake.ts';
import { createBrevoEmailProvider } from './brevo.ts';
import { textToHtml } from './email.ts';
import { BODY, expectSafeFailure, RECIPIENT, sampleEmail } from './testing.ts';

const KEY = FAKE_BREVO_KEY;
const email = sampleEmail;

let fake = fakeBrevo();
const provider = (over: { apiKey?: string; timeoutMs?: number } = {}) =>
  createBrevoEmailProvider({ apiKey: KEY, apiUrl: `${fake.url}/`, ...over });
const failure = (p: Promise<unknown>) => expectSafeFailure('brevo', KEY, p);

beforeEach(async () => {
  fake = fakeBrevo();
  await fake.start();
});
afterEach(async () => {
  await fake.stop();
});

describe('Brevo adapter', () => {
  it('sends one email with exactly the fields Brevo takes and returns its messageId', async () => {
    const p = provider();
    expect(p.name).toBe('brevo');
    const sent = await p.send(email(), { idempotencyKey: 'job-123' });
    expect(sent.providerMessageId).toMatch(/^<.+@smtp-relay\.mailin\.fr>$/);
    expect(fake.seen).toEqual(['POST /v3/smtp/email']);
    expect(fake.accepted).toEqual([
      {
        sender: { name: 'Smith Realty', email: 'hello@smith-realty.test' },
        to: [{ email: RECIPIENT }],
        subject: 'About 12 Elm Street',
        textContent: BODY,
        htmlContent: textToHtml(BODY),
        headers: {
          'List-Unsubscribe': '<https://porchlight.test/u/abc>',
          'Idempotency-Key': 'job-123',
          'X-Porchlight-Idempotency-Key': 'job-123',
        },
      },
    ]);
    expect(fake.unexpected).toEqual([]);
  });

  it('sends a bare sender address without a name, and no caller headers', async () => {
    await provider().send(email({ from: 'bare@smith-realty.test', headers: undefined }), {
      idempotencyKey: 'k2',
    });
    expect(fake.accepted[0]?.sender).toEqual({ email: 'bare@smith-realty.test' });
    expect(fake.accepted[0]?.headers).toEqual({
      'Idempotency-Key': 'k2',
      'X-Porchlight-Idempotency-Key': 'k2',
    });
    expect(fake.unexpected).toEqual([]);
  });

  it('a wrong key is refused with 401, not retryable', async () => {
    const error = await failure(
      provider({ apiKey: 'xkeysib-wrong-key-0000' }).send(email(), { idempotencyKey: 'k' }),
    );
    expect(error).toMatchObject({ retryable: false, status: 401 });
    expect(error.message).toContain('401');
    expect(error.message).toContain('unauthorized: Key not found');
    expect(error.message).not.toContain('xkeysib-wrong-key-0000');
    expect(fake.unexpected).toEqual(['POST /v3/smtp/email: api-key wrong']);
    expect(fake.accepted).toEqual([]);
  });

  it('a missing field is refused with 400 and Brevo’s words, not retryable', async () => {
    const error = await failure(provider().send(email({ subject: '' }), { idempotencyKey: 'k' }));
    expect(error).toMatchObject({ retryable: false, status: 400 });
    expect(error.message).toBe('brevo refused the email (HTTP 400): missing_parameter: subject is missing');
    expect(fake.unexpected).toEqual(['POST /v3/smtp/email: missing_parameter: subject is missing']);
  });

  it('a 500 is retryable, and the retry goes through once', async () => {
    fake.failNext(1, 500);
    const error = await failure(provider().send(email(), { idempotencyKey: 'k-500' }));
    expect(error).toMatchObject({ retryable: true, status: 500 });
    expect(error.message).toContain('HTTP 500');
    const sent = await provider().send(email(), { idempotencyKey: 'k-500' });
    expect(sent.providerMessageId).toBeTruthy();
    expect(fake.accepted).toHaveLength(1);
    expect(fake.seen).toHaveLength(2);
    expect(fake.unexpected).toEqual([]);
  });

  it('a 429 is retryable', async () => {
    fake.failNext(1, 429);
    const error = await failure(provider().send(email(), { idempotencyKey: 'k' }));
    expect(error).toMatchObject({ retryable: true, status: 429 });
    expect(fake.unexpected).toEqual([]);
  });

  it('no answer within timeoutMs is retryable, without a status', async () => {
    fake.hangNext();
    const started = Date.now();
    const error = await failure(provider({ timeoutMs: 200 }).send(email(), { idempotencyKey: 'k' }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({ retryable: true, status: undefined });
    expect(error.message).toBe('brevo: no answer within 200 ms');
    expect(fake.unexpected).toEqual([]);
  });

  it('an unreachable Brevo is retryable, without a status', async () => {
    const down = createBrevoEmailProvider({ apiKey: KEY, apiUrl: 'http://127.0.0.1:9/v3', timeoutMs: 2_000 });
    const error = await failure(down.send(email(), { idempotencyKey: 'k' }));
    expect(error).toMatchObject({ retryable: true, status: undefined });
    expect(error.message).toMatch(/^brevo: could not be reached/);
  });

  it('never repeats the key, the recipient or the body, even when Brevo echoes them', async () => {
    fake.failNext(1, 400, {
      code: 'invalid_parameter',
      message: `key ${KEY} cannot send to ${RECIPIENT.toUpperCase()}: ${BODY} ${'x'.repeat(400)}`,
    });
    const error = await failure(provider().send(email(), { idempotencyKey: 'k' }));
    expect(error).toMatchObject({ retryable: false, status: 400 });
    expect(error.message).toContain('invalid_parameter');
    expect(error.message.toLowerCase()).not.toContain(RECIPIENT);
    expect(fake.unexpected).toEqual([]);
  });
});
