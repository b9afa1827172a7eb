import type { Config } from '../../config.ts';
import { createBrevoEmailProvider } from './brevo.ts';
import type { EmailProvider } from './email.ts';
import { createSendgridEmailProvider } from './sendgrid.ts';
import { createSmtpEmailProvider } from './smtp.ts';

/**
 * The email provider EMAIL_PROVIDER names. `dev` is made by the caller (it needs the database:
 * the outbox module captures into dev_outbox); the config check has already made sure the
 * chosen provider's URL or key is set.
 */
export function createEmailProvider(config: Config, dev: () => EmailProvider): EmailProvider {
  const { email } = config;
  switch (config.providers.email) {
    case 'dev':
      return dev();
    case 'smtp':
      return createSmtpEmailProvider({ url: email.smtpUrl! });
    case 'brevo':
      return createBrevoEmailProvider({ apiKey: email.brevo.apiKey!, apiUrl: email.brevo.apiUrl });
    case 'sendgrid':
      return createSendgridEmailProvider({ apiKey: email.sendgrid.apiKey!, apiUrl: email.sendgrid.apiUrl });
  }
}
