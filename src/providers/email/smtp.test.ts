import { createServer } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerError } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmailSendError, type OutboundEmail } from './email.ts';
import { createSmtpEmailProvider } from './smtp.ts';

const USER = 'relay-user';
const PASSWORD = 's3cret-Relay-pw';

/** Messages the server accepted, raw, with their envelope recipients. */
const received: { rcpt: string[]; raw: string }[] = [];
/** Set by a test to refuse RCPT TO; reset after each. */
let refuseRecipient: ((address: SMTPServerAddress) => SMTPServerError | undefined) | undefined;

const server = new SMTPServer({
  logger: false,
  authOptional: false,
  allowInsecureAuth: true,
  disabledCommands: ['STARTTLS'],
  onAuth(auth, _session, callback) {
    if (auth.username === USER && auth.password === PASSWORD) return callback(null, { user: USER });
    callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
  },
  onRcptTo(address, _session, callback) {
    callback(refuseRecipient?.(address) ?? null);
  },
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      received.push({
        rcpt: session.envelope.rcptTo.map((r) => r.address),
        raw: Buffer.concat(chunks).toString('utf8'),
      });
      callback();
    });
  },
});

let port = 0;
let closedPort = 0;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as { port: number }).port;
  // A port nothing listens on: open one, note it, close it.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
afterAll(() => new Promise<void>((resolve) => server.close(resolve)));
afterEach(() => {
  received.length = 0;
  refuseRecipient = undefined;
});

const provider = (password = PASSWORD, p = port) =>
  createSmtpEmailProvider({ url: `smtp://${USER}:${password}@127.0.0.1:${p}`, timeoutMs: 5_000 });

const email: OutboundEmail = {
  from: 'Smith Realty <hello@smith-realty.test>',
  to: 'jane.buyer@example.test',
  subject: 'Your showing on Elm Street',
  text: 'Hi Jane, the showing is confirmed for Saturday at 10.',
  headers: {
    'List-Unsubscribe': '<https://example.test/u/1>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  },
};

/** The failure a send ends in, as an EmailSendError. */
async function failure(promise: Promise<unknown>): Promise<EmailSendError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EmailSendError);
  return error as EmailSendError;
}

function expectNoSecrets(error: EmailSendError) {
  expect(error.provider).toBe('smtp');
  expect(error.message).not.toContain(PASSWORD);
  expect(error.message).not.toContain(email.to);
  expect(error.message).not.toContain(email.text);
}

/** Unfolds the headers of a raw message into name → value. */
function headersOf(raw: string): Map<string, string> {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
  const map = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    map.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  return map;
}

describe('SMTP email adapter', () => {
  it('sends a message with its headers and a Message-ID derived from the idempotency key', async () => {
    const smtp = provider();
    expect(smtp.name).toBe('smtp');
    const { providerMessageId } = await smtp.send(email, { idempotencyKey: 'lead:42/welcome email' });
    expect(providerMessageId).toBe('<lead-42-welcome-email@porchlight.mail>');

    expect(received).toHaveLength(1);
    const [message] = received;
    expect(message!.rcpt).toEqual([email.to]);
    const headers = headersOf(message!.raw);
    expect(headers.get('from')).toBe('Smith Realty <hello@smith-realty.test>');
    expect(headers.get('to')).toBe(email.to);
    expect(headers.get('subject')).toBe(email.subject);
    expect(headers.get('message-id')).toBe(providerMessageId);
    expect(headers.get('list-unsubscribe')).toBe('<https://example.test/u/1>');
    expect(headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(headers.get('content-type')).toMatch(/^text\/plain/);
    expect(message!.raw).toContain(email.text);

    const again = await smtp.send(email, { idempotencyKey: 'lead:42/welcome email' });
    expect(again.providerMessageId).toBe(providerMessageId);
    expect(received).toHaveLength(2);
    expect(headersOf(received[1]!.raw).get('message-id')).toBe(providerMessageId);
  });

  it('a wrong password is a permanent failure (535)', async () => {
    const error = await failure(provider('not-the-password').send(email, { idempotencyKey: 'k-auth' }));
    expect(error).toMatchObject({ retryable: false, status: 535 });
    expect(error.message).toContain('535');
    expect(error.message).not.toContain('not-the-password');
    expectNoSecrets(error);
    expect(received).toHaveLength(0);
  });

  it('a recipient refused with 550 is permanent, with 451 retryable', async () => {
    refuseRecipient = (address) =>
      Object.assign(new Error(`Mailbox unavailable: <${address.address}>`), { responseCode: 550 });
    const permanent = await failure(provider().send(email, { idempotencyKey: 'k-550' }));
    expect(permanent).toMatchObject({ retryable: false, status: 550 });
    expect(permanent.message).toContain('550');
    expectNoSecrets(permanent);

    refuseRecipient = (address) =>
      Object.assign(new Error(`Try again later: <${address.address}>`), { responseCode: 451 });
    const deferred = await failure(provider().send(email, { idempotencyKey: 'k-451' }));
    expect(deferred).toMatchObject({ retryable: true, status: 451 });
    expect(deferred.message).toContain('451');
    expectNoSecrets(deferred);
    expect(received).toHaveLength(0);
  });

  it('a refused connection is retryable and has no status', async () => {
    const error = await failure(provider(PASSWORD, closedPort).send(email, { idempotencyKey: 'k-conn' }));
    expect(error.retryable).toBe(true);
    expect(error.status).toBeUndefined();
    expect(error.message).toMatch(/ESOCKET|ECONNECTION/);
    expect(error.message).toContain('ECONNREFUSED');
    expectNoSecrets(error);
  });
});
