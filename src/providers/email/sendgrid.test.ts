import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_SENDGRID_KEY, fakeSendgrid } from './sendgrid.fake.ts';
import { createSendgridEmailProvider } from './sendgrid.ts';
import { BODY, expectSafeFailure, RECIPIENT, sampleEmail } from './testing.ts';

const KEY = FAKE_SENDGRID_KEY;
const email = sampleEmail;

let fake = fakeSendgrid();
const provider = (over: { apiKey?: string; timeoutMs?: number } = {}) =>
  createSendgridEmailProvider({ apiKey: KEY, apiUrl: `${fake.url}/`, ...over });
const failure = (p: Promise<unknown>) => expectSafeFailure('sendgrid', KEY, p);

beforeEach(async () => {
  fake = fakeSendgrid();
  await fake.start();
});
afterEach(async () => {
  await fake.stop();
});

describe('SendGrid adapter', () => {
  it('sends one email with exactly the fields SendGrid takes and returns X-Message-Id', async () => {
    const p = provider();
    expect(p.name).toBe('sendgrid');
    const sent = await p.send(email(), { idempotencyKey: 'job-123' });
    expect(sent.providerMessageId).toMatch(/^fakeSgMsg\d+/);
    expect(fake.seen).toEqual(['POST /v3/mail/send']);
    expect(fake.accepted).toEqual([
      {
        personalizations: [{ to: [{ email: RECIPIENT }] }],
        from: { name: 'Smith Realty', email: 'hello@smith-realty.test' },
        subject: 'About 12 Elm Street',
        content: [{ type: 'text/plain', value: BODY }],
        headers: { 'List-Unsubscribe': '<https://porchlight.test/u/abc>' },
        custom_args: { idempotency_key: 'job-123' },
      },
    ]);
    expect(fake.unexpected).toEqual([]);
  });

  it('sends a bare sender without a name, omits empty headers, and falls back to the key for the id', async () => {
    fake.omitMessageIdNext();
    const sent = await provider().send(email({ from: 'bare@smith-realty.test', headers: {} }), {
      idempotencyKey: 'k2',
    });
    expect(sent.providerMessageId).toBe('k2');
    expect(fake.accepted[0]?.from).toEqual({ email: 'bare@smith-realty.test' });
    expect(fake.accepted[0]).not.toHaveProperty('headers');
    expect(fake.unexpected).toEqual([]);
  });

  it('a wrong key is refused with 401, not retryable', async () => {
    const error = await failure(
      provider({ apiKey: 'SG.wrong.key-000000' }).send(email(), { idempotencyKey: 'k' }),
    );
    expect(error).toMatchObject({ retryable: false, status: 401 });
    expect(error.message).toContain('HTTP 401');
    expect(error.message).toContain('The provided authorization grant is invalid, expired, or revoked');
    expect(error.message).not.toContain('SG.wrong.key-000000');
    expect(fake.unexpected).toEqual(['POST /v3/mail/send: authorization wrong']);
    expect(fake.accepted).toEqual([]);
  });

  it('a missing field is refused with 400 naming the field, not retryable', async () => {
    const error = await failure(provider().send(email({ subject: '' }), { idempotencyKey: 'k' }));
    expect(error).toMatchObject({ retryable: false, status: 400 });
    expect(error.message).toMatch(
      /^sendgrid refused the email \(HTTP 400\): subject: The subject is required\./,
    );
    expect(fake.unexpected).toEqual([expect.stringMatching(/^POST \/v3\/mail\/send: subject: The subject/)]);
  });

  it('a reserved header is refused with 400 naming headers', async () => {
    const error = await failure(
      provider().send(email({ headers: { 'Reply-To': 'x@smith-realty.test' } }), { idempotencyKey: 'k' }),
    );
    expect(error).toMatchObject({ retryable: false, status: 400 });
    expect(error.message).toContain('headers: The following header is reserved and cannot be used: Reply-To');
    expect(fake.unexpected).toHaveLength(1);
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
    expect(error.message).toBe('sendgrid: no answer within 200 ms');
    expect(fake.unexpected).toEqual([]);
  });

  it('an unreachable SendGrid is retryable, without a status', async () => {
    const down = createSendgridEmailProvider({ apiKey: KEY, apiUrl: 'http://127.0.0.1:9', timeoutMs: 2_000 });
    const error = await failure(down.send(email(), { idempotencyKey: 'k' }));
    expect(error).toMatchObject({ retryable: true, status: undefined });
    expect(error.message).toMatch(/^sendgrid: could not be reached/);
  });

  it('never repeats the key, the recipient or the body, even when SendGrid echoes them', async () => {
    fake.failNext(1, 400, {
      errors: [
        { field: 'personalizations.0.to.0.email', message: `${RECIPIENT.toUpperCase()} is not allowed` },
        { field: 'content.0.value', message: `${BODY} was refused for key ${KEY} ${'x'.repeat(400)}` },
      ],
    });
    const error = await failure(provider().send(email(), { idempotencyKey: 'k' }));
    expect(error).toMatchObject({ retryable: false, status: 400 });
    expect(error.message).toContain('personalizations.0.to.0.email');
    expect(error.message.toLowerCase()).not.toContain(RECIPIENT);
    expect(fake.unexpected).toEqual([]);
  });
});
