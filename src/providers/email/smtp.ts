import { createTransport } from 'nodemailer';
import { EMAIL_TIMEOUT_MS, type EmailProvider, EmailSendError } from './email.ts';

/** Connection settings: `smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://…` (TLS). */
export type SmtpOptions = { url: string; timeoutMs?: number };

/** What nodemailer sets on the errors it reports. */
type SmtpFailure = Error & {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  command?: string;
  response?: string;
};

// Failures without a reply that trying again cannot fix: our own envelope, message or settings.
const LOCAL_REFUSALS = new Set([
  'EENVELOPE',
  'EMESSAGE',
  'EAUTH',
  'ENOAUTH',
  'ECONFIG',
  'EREQUIRETLS',
  'EMAXRECIPIENTS',
]);

/** The Message-ID a send with this idempotency key carries, the same on every retry. */
function smtpMessageId(idempotencyKey: string): string {
  return `<${idempotencyKey.replace(/[^A-Za-z0-9._-]/g, '-')}@porchlight.mail>`;
}

/**
 * Any SMTP relay, through nodemailer, one connection per send. SMTP has no idempotency keys;
 * the key becomes the Message-ID instead, so a retried send can be told apart as a duplicate.
 */
export function createSmtpEmailProvider(options: SmtpOptions): EmailProvider {
  const timeoutMs = options.timeoutMs ?? EMAIL_TIMEOUT_MS;
  const transport = createTransport({
    url: options.url,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  const password = urlPassword(options.url);

  return {
    name: 'smtp',
    async send(email, { idempotencyKey }) {
      try {
        const info = await transport.sendMail({
          from: email.from,
          to: email.to,
          subject: email.subject,
          text: email.text,
          headers: email.headers ?? {},
          messageId: smtpMessageId(idempotencyKey),
        });
        return { providerMessageId: info.messageId };
      } catch (error) {
        throw asSendError(error as SmtpFailure, [password, email.to]);
      }
    },
  };
}

/**
 * A reply code says it all: 4xx is "later", 5xx is "never". Without one the server was not
 * reached (refused, timed out, DNS, TLS) and trying again may help, unless we refused ourselves.
 * The server's words go in cut short, with addresses and the password taken out.
 */
function asSendError(error: SmtpFailure, secrets: string[]): EmailSendError {
  const status = typeof error.responseCode === 'number' ? error.responseCode : undefined;
  const code = error.code ?? 'unknown';
  // ESOCKET wraps the system error: say which (ECONNREFUSED, ECONNRESET, …).
  const why = error.originalCode && error.originalCode !== code ? ` ${error.originalCode}` : '';
  const retryable = status === undefined ? !LOCAL_REFUSALS.has(code) : status < 500;
  let said = error.response ?? '';
  for (const secret of secrets) if (secret) said = said.split(secret).join('[redacted]');
  said = said.replace(/[^\s<>"'()[\]]+@[^\s<>"'()[\]]+/g, '[address]').slice(0, 200);
  const where = error.command ? ` at ${error.command}` : '';
  return new EmailSendError(
    'smtp',
    `SMTP send failed${where}: ${status ?? code + why}${said ? ` (${said})` : ''}`,
    { retryable, ...(status === undefined ? {} : { status }) },
  );
}

function urlPassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}
