import { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';

/**
 * Contact details as Porchlight stores them: phones in E.164 read in the account's country
 * (libphonenumber-js with full metadata, so an unassigned number is refused), emails trimmed
 * and lower-cased. Shared by intake, leads and branding.
 */
const EMAIL = z.email();

/** Reads a phone number in the account's country; null when it cannot be a real number. */
export function normalizePhone(raw: string, country: string): string | null {
  const digits = raw.replace(/[^\d+]/g, '');
  if (digits.replace(/\D/g, '').length < 4) return null;
  const parsed = parsePhoneNumberFromString(raw, {
    defaultCountry: isSupportedCountry(country) ? country : 'US',
    extract: false,
  });
  if (!parsed?.isValid()) return null;
  return parsed.number;
}

/** Lower-cased and checked; null when it is not an address. */
export function normalizeEmail(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  return email.length <= 254 && EMAIL.safeParse(email).success ? email : null;
}
