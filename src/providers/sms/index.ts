import type { Config } from '../../config.ts';
import type { SmsProvider } from './sms.ts';
import { createTwilioSmsProvider } from './twilio.ts';

/**
 * The SMS and voice provider SMS_PROVIDER names. `dev` is made by the caller (the outbox module
 * captures into dev_outbox); the config check has already made sure Twilio's SID and token are set.
 */
export function createSmsProvider(config: Config, dev: () => SmsProvider): SmsProvider {
  const { twilio } = config.sms;
  switch (config.providers.sms) {
    case 'dev':
      return dev();
    case 'twilio':
      return createTwilioSmsProvider({
        accountSid: twilio.accountSid!,
        authToken: twilio.authToken!,
        apiUrl: twilio.apiUrl,
      });
  }
}

/** The stand-in sender of the dev provider (Twilio's own test "from" number), so texts show in the outbox. */
export const DEV_SMS_FROM = '+15005550006';
