import { z } from 'zod';
import { normalizeEmail, normalizePhone } from '../../platform/contact.ts';
import type { FieldError } from '../../platform/errors.ts';

/**
 * Validation and normalization of an inquiry's fields, shared by the HTML form, the JSON
 * intake endpoint and leads created through the API: trimmed, whitespace collapsed, control
 * characters removed, emails lower-cased, phones in E.164 (libphonenumber-js, full metadata)
 * read in the account's country. Pure: no database, no clock.
 */

// Control characters other than tab/newline, and the Unicode direction overrides used to
// disguise text; both are removed, never stored.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g;

function clean(value: string, multiline: boolean): string {
  const text = value.normalize('NFC').replace(CONTROL, '').replace(/\r\n?/g, '\n');
  if (!multiline) return text.replace(/\s+/g, ' ').trim();
  return text
    .split('\n')
    .map((line) => line.replace(/[^\S\n]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** A text field: cleaned, then empty means absent; too long after cleaning is an error. */
const text = (max: number, multiline = false) =>
  z
    .string({ error: 'must be text' })
    .max(max * 4, { error: `must be at most ${max} characters` })
    .transform((v) => clean(v, multiline))
    .refine((v) => v.length <= max, { error: `must be at most ${max} characters` })
    .transform((v) => (v === '' ? undefined : v));

const numberLike = (min: number, max: number, step: 'whole' | 'half') =>
  z.union([z.number(), z.string().max(20)], { error: 'must be a number' }).transform((v, ctx) => {
    const raw = typeof v === 'string' ? v.replace(/[$,\s]/g, '') : v;
    if (raw === '') return undefined;
    const n = typeof raw === 'number' ? raw : Number(raw);
    const ok =
      Number.isFinite(n) &&
      n >= min &&
      n <= max &&
      (step === 'whole' ? Number.isInteger(n) : Number.isInteger(n * 2));
    if (!ok) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a ${step === 'whole' ? 'whole number' : 'number'} from ${min} to ${max}`,
      });
      return z.NEVER;
    }
    return n;
  });

const TRUE = ['on', 'yes', 'true', '1'];
const FALSE = ['off', 'no', 'false', '0', ''];
const booleanLike = z
  .union([z.boolean(), z.enum([...TRUE, ...FALSE])], { error: 'must be true or false' })
  .transform((v) => (typeof v === 'boolean' ? v : TRUE.includes(v)));

const consentObject = z.strictObject({
  given: z.boolean({ error: 'must be true or false' }),
  text: z
    .string({ error: 'must be the consent text the visitor saw' })
    .transform((v) => clean(v, true))
    .pipe(z.string().min(1, { error: 'must be the consent text the visitor saw' }).max(5000)),
  version: text(100).optional(),
});

/** Every field an inquiry may carry; the form and the JSON body use the same names. */
export const leadFieldsSchema = z.strictObject({
  fullName: text(120).optional(),
  email: text(254).optional(),
  phone: text(40).optional(),
  addressLine: text(200).optional(),
  city: text(80).optional(),
  state: text(40).optional(),
  postalCode: text(20).optional(),
  message: text(5000, true).optional(),
  timeline: text(80).optional(),
  beds: numberLike(0, 50, 'whole').optional(),
  baths: numberLike(0, 50, 'half').optional(),
  areas: text(300).optional(),
  priceMin: numberLike(0, 1_000_000_000, 'whole').optional(),
  priceMax: numberLike(0, 1_000_000_000, 'whole').optional(),
  preApproved: booleanLike.optional(),
  utmSource: text(200).optional(),
  utmMedium: text(200).optional(),
  utmCampaign: text(200).optional(),
  utmTerm: text(200).optional(),
  utmContent: text(200).optional(),
  referrer: text(2000).optional(),
  pageUrl: text(2000).optional(),
  /** JSON: `{ given, text, version? }`; the form sends its checkbox (`yes` when ticked). */
  consent: z
    .union([consentObject, booleanLike], { error: 'must be { given, text } or a checkbox value' })
    .optional(),
  /** The honeypot (see fields.ts). */
  website: z.string().max(2000).optional(),
  /** When the visitor opened the form (epoch ms or ISO time), from embedded forms. */
  formStartedAt: z.union([z.number(), z.string().max(40)]).optional(),
  /** The HTML form's signed render token and idempotency key. */
  _t: z.string().max(200).optional(),
  _k: z.string().max(300).optional(),
});

export type NormalizedLead = {
  fullName?: string;
  email?: string;
  phoneE164?: string;
  addressLine?: string;
  city?: string;
  state?: string;
  postalCode?: string;
  message?: string;
  timeline?: string;
  priceMinCents?: number;
  priceMaxCents?: number;
  details: Record<string, string | number | boolean>;
  utmSource?: string;
  utmMedium?: string;
  utmCampaign?: string;
  utmTerm?: string;
  utmContent?: string;
  referrer?: string;
  pageUrl?: string;
};

export type NormalizedSubmission = {
  lead: NormalizedLead;
  consent?: { given: boolean; text?: string; version?: string } | undefined;
  honeypot?: string | undefined;
  formStartedAt?: number | undefined;
  token?: string | undefined;
  idempotencyKey?: string | undefined;
};

export { normalizeEmail, normalizePhone };

export type NormalizeResult = { ok: true; value: NormalizedSubmission } | { ok: false; errors: FieldError[] };

function issuesToErrors(issues: z.core.$ZodIssue[]): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors.push({ path: key, message: 'is not a field of this form' });
    } else {
      errors.push({ path: issue.path.map(String).join('.') || 'body', message: issue.message });
    }
  }
  return errors;
}

/** Drops undefined values (the lead's columns keep what a merge would otherwise blank). */
function definedOnly<T extends Record<string, unknown>>(
  obj: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/**
 * Validates and normalizes a submission. `required` names fields the page asks for;
 * at least one of email or phone is always required.
 */
export function normalizeSubmission(
  body: unknown,
  options: { country: string; required?: readonly string[]; ignoreUnknown?: boolean },
): NormalizeResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, errors: [{ path: 'body', message: 'must be an object of fields' }] };
  }
  // JSON clients send null for "not given"; forms send every known key.
  let input = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null));
  if (options.ignoreUnknown) {
    const known = leadFieldsSchema.shape;
    input = Object.fromEntries(Object.entries(input).filter(([k]) => k in known));
  }
  const parsed = leadFieldsSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: issuesToErrors(parsed.error.issues) };
  const f = parsed.data;
  const errors: FieldError[] = [];

  let email: string | undefined;
  if (f.email !== undefined) {
    email = normalizeEmail(f.email) ?? undefined;
    if (!email) errors.push({ path: 'email', message: 'is not an email address' });
  }
  let phoneE164: string | undefined;
  if (f.phone !== undefined) {
    phoneE164 = normalizePhone(f.phone, options.country) ?? undefined;
    if (!phoneE164) errors.push({ path: 'phone', message: 'is not a valid phone number' });
  }
  if (f.email === undefined && f.phone === undefined) {
    errors.push({ path: 'email', message: 'enter an email address or a phone number' });
  }
  for (const name of options.required ?? []) {
    if ((f as Record<string, unknown>)[name] === undefined && !errors.some((e) => e.path === name)) {
      errors.push({ path: name, message: 'is required' });
    }
  }
  if (f.priceMin !== undefined && f.priceMax !== undefined && f.priceMin > f.priceMax) {
    errors.push({ path: 'priceMax', message: 'must not be below the lowest price' });
  }
  let formStartedAt: number | undefined;
  if (f.formStartedAt !== undefined) {
    const t = typeof f.formStartedAt === 'number' ? f.formStartedAt : Date.parse(f.formStartedAt);
    if (!Number.isFinite(t))
      errors.push({ path: 'formStartedAt', message: 'must be a time (epoch ms or ISO 8601)' });
    else formStartedAt = t;
  }
  if (errors.length) return { ok: false, errors };

  const consent =
    f.consent === undefined
      ? undefined
      : typeof f.consent === 'boolean'
        ? { given: f.consent }
        : (definedOnly({ given: f.consent.given, text: f.consent.text, version: f.consent.version }) as {
            given: boolean;
            text?: string;
            version?: string;
          });
  const lead = definedOnly({
    fullName: f.fullName,
    email,
    phoneE164,
    addressLine: f.addressLine,
    city: f.city,
    state: f.state,
    postalCode: f.postalCode,
    message: f.message,
    timeline: f.timeline,
    priceMinCents: f.priceMin === undefined ? undefined : f.priceMin * 100,
    priceMaxCents: f.priceMax === undefined ? undefined : f.priceMax * 100,
    details: definedOnly({ beds: f.beds, baths: f.baths, areas: f.areas, preApproved: f.preApproved }),
    utmSource: f.utmSource,
    utmMedium: f.utmMedium,
    utmCampaign: f.utmCampaign,
    utmTerm: f.utmTerm,
    utmContent: f.utmContent,
    referrer: f.referrer,
    pageUrl: f.pageUrl,
  }) as NormalizedLead;
  return {
    ok: true,
    value: definedOnly({
      lead,
      consent,
      honeypot: f.website?.trim() || undefined,
      formStartedAt,
      token: f._t,
      idempotencyKey: f._k,
    }) as NormalizedSubmission,
  };
}
