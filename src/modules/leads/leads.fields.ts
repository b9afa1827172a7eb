import { type FieldError, invalid } from '../../platform/errors.ts';
import { normalizeEmail, normalizePhone } from '../intake/normalize.ts';

/**
 * The contact fields a person or a program types into the leads API (POST, PATCH), as
 * columns. Phones and emails go through intake's normalizers, so a lead typed by hand and one
 * from a form are stored alike. Unlike a form, `null` here clears a field (PATCH).
 */

/** Trimmed text, or null for nothing but spaces; undefined (not given) stays undefined. */
export function cleanText(value: string | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return value;
  const trimmed = value.normalize('NFC').trim();
  return trimmed === '' ? null : trimmed;
}

export type ContactInput = {
  fullName?: string | null | undefined;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  addressLine?: string | null | undefined;
  city?: string | null | undefined;
  state?: string | null | undefined;
  postalCode?: string | null | undefined;
  message?: string | null | undefined;
  timeline?: string | null | undefined;
};

export type ContactColumns = {
  fullName?: string | null;
  email?: string | null;
  phoneE164?: string | null;
  addressLine?: string | null;
  city?: string | null;
  state?: string | null;
  postalCode?: string | null;
  message?: string | null;
  timeline?: string | null;
};

/**
 * The given fields as column values (only those given: a PATCH leaves the others alone).
 * An unreadable phone number is a 422 naming `body.phone`.
 */
export function contactColumns(input: ContactInput, country: string): ContactColumns {
  const out: ContactColumns = {};
  const errors: FieldError[] = [];
  for (const field of [
    'fullName',
    'addressLine',
    'city',
    'state',
    'postalCode',
    'message',
    'timeline',
  ] as const) {
    const value = cleanText(input[field]);
    if (value !== undefined) out[field] = value;
  }
  const email = cleanText(input.email);
  if (email === null) out.email = null;
  else if (email !== undefined) {
    const normalized = normalizeEmail(email);
    if (normalized) out.email = normalized;
    else errors.push({ path: 'body.email', message: 'is not an email address' });
  }
  const phone = cleanText(input.phone);
  if (phone === null) out.phoneE164 = null;
  else if (phone !== undefined) {
    const e164 = normalizePhone(phone, country);
    if (e164) out.phoneE164 = e164;
    else errors.push({ path: 'body.phone', message: 'is not a phone number we can read' });
  }
  if (errors.length > 0) throw invalid('LEAD_INVALID', errors);
  return out;
}

/** The fields a held lead hides, and so may not be edited while it is held. */
export const MASKED_FIELDS = ['fullName', 'email', 'phone', 'addressLine', 'message'] as const;
