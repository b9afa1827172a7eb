import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { TIMELINES } from '../intake/fields.ts';
import type { OptionOf } from './weights.ts';

/**
 * What the heuristic reads in a lead's fields. Pure and deterministic: no clock, no network;
 * the word lists are English, as the capture forms are.
 */

/** Full metadata: only it can tell a mobile from a landline (where the numbering plan does). */
export function phoneTypeOf(e164: string): OptionOf<'phone_type'> | null {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed?.isValid()) return 'invalid';
  switch (parsed.getType()) {
    case 'MOBILE':
      return 'mobile';
    // Every +1 number: the North American plan gives no mobile ranges.
    case 'FIXED_LINE_OR_MOBILE':
      return 'mobile_or_landline';
    case 'FIXED_LINE':
      return 'landline';
    case 'VOIP':
      return 'voip';
    case 'TOLL_FREE':
    case 'PREMIUM_RATE':
    case 'SHARED_COST':
    case 'UAN':
    case 'PAGER':
    case 'VOICEMAIL':
      return 'non_personal';
    default:
      return null;
  }
}

/**
 * Throwaway-address services (hand-picked: the big ones that a form sees; a bundled list of
 * thousands would mostly be dead domains). A subdomain of one counts.
 */
const DISPOSABLE_DOMAINS = new Set([
  '10minutemail.com',
  '10minutemail.net',
  'burnermail.io',
  'discard.email',
  'dispostable.com',
  'emailondeck.com',
  'fakeinbox.com',
  'getnada.com',
  'grr.la',
  'guerrillamail.com',
  'guerrillamail.net',
  'guerrillamail.org',
  'inboxkitten.com',
  'mailcatch.com',
  'maildrop.cc',
  'mailinator.com',
  'mailnesia.com',
  'mintemail.com',
  'moakt.com',
  'mohmal.com',
  'mytemp.email',
  'nada.email',
  'sharklasers.com',
  'spamgourmet.com',
  'temp-mail.org',
  'tempinbox.com',
  'tempmail.com',
  'tempmail.net',
  'tempr.email',
  'throwawaymail.com',
  'trashmail.com',
  'trashmail.de',
  'yopmail.com',
  'yopmail.net',
]);

/** Mailboxes that belong to a role, not a person. */
const SHARED_MAILBOXES = new Set([
  'admin',
  'contact',
  'info',
  'noreply',
  'no-reply',
  'office',
  'sales',
  'support',
  'test',
  'webmaster',
]);

export function emailKindOf(email: string): { option: OptionOf<'email'>; detail: string } | null {
  const at = email.lastIndexOf('@');
  if (at < 1) return null;
  const local = email.slice(0, at).toLowerCase();
  const domain = email.slice(at + 1).toLowerCase();
  const labels = domain.split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const parent = labels.slice(i).join('.');
    if (DISPOSABLE_DOMAINS.has(parent)) return { option: 'disposable', detail: parent };
  }
  if (SHARED_MAILBOXES.has(local)) return { option: 'shared', detail: `${local}@` };
  return null;
}

/** Words of Latin letters (accents kept), for counting. */
function wordsOf(text: string): string[] {
  return text.match(/[\p{L}\p{N}'’-]+/gu) ?? [];
}

/** How many names the visitor gave: 0, 1 or 2 (two or more). */
export function nameParts(fullName: string | null): 0 | 1 | 2 {
  const words = wordsOf(fullName ?? '').filter((w) => /\p{L}/u.test(w));
  return words.length >= 2 ? 2 : (words.length as 0 | 1);
}

const FORM_TIMELINES = new Set<string>(TIMELINES.map((t) => t.value));

/**
 * A timeline as one of the form's codes: the code itself, or free text (from the API or an
 * import) read loosely ("0-3 months", "within 90 days", "next year"); null when it says nothing.
 */
export function timelineCodeOf(timeline: string | null): OptionOf<'timeline'> | null {
  if (!timeline) return null;
  const t = timeline.trim().toLowerCase();
  if (FORM_TIMELINES.has(t)) return t as OptionOf<'timeline'>;
  if (/\b(curious|not sure|unsure|just looking|browsing|not yet|not (right )?now)\b/.test(t))
    return 'just_curious';
  if (/\b(asap|immediately|right away|right now|urgent|this week|today)\b|as soon as possible/.test(t))
    return 'asap';
  if (/\b[0-3]\s*(?:-|–|to)\s*3\s*months?\b|\b(?:30|60|90)\s*days\b|\b(this|next) month\b/.test(t))
    return '1_3_months';
  if (/\b3\s*(?:-|–|to)\s*6\s*months?\b/.test(t)) return '3_6_months';
  if (/\b6\s*(?:-|–|to)\s*12\s*months?\b|\bthis year\b/.test(t)) return '6_12_months';
  if (/\b(over|more than) (a|one|1) year\b|\b12\+|\bnext year\b|\b[2-9]\+? years\b/.test(t))
    return 'over_12_months';
  return null;
}

/** The form's words for a timeline code ("In 1–3 months"), else the text as given. */
export function timelineLabelOf(timeline: string): string {
  return TIMELINES.find((t) => t.value === timeline)?.label ?? timeline;
}

/** Word patterns in what the lead wrote (message, urgency), each one signal. */
export const TEXT_PATTERNS = {
  intent_sell: /\b(sell|selling|list (my|our)|listing (my|our)|put (my|our) (house|home) on the market)\b/i,
  intent_buy:
    /\b(buy|buying|purchase|purchasing|first[- ]time (home )?buyer|looking for a (home|house|condo))\b/i,
  intent_cash: /\bcash\b/i,
  intent_relocating: /\b(relocat(e|ing|ion)|moving (to|from|here)|job transfer|transferr(ed|ing))\b/i,
  urgency:
    /\b(asap|a\.s\.a\.p|urgent(ly)?|immediately|right away|this week|today|tomorrow|quickly|emergency|as soon as possible)\b/i,
  browsing: /\b(just (curious|looking|browsing|wondering)|not ready|no rush|someday|down the road)\b/i,
  pre_approved: /\bpre-?\s?approved\b/i,
  links: /\bhttps?:\/\/|\bwww\.|\[url=/i,
} as const;

/** A detailed message: this many words or more. */
export const DETAILED_WORDS = 12;

export function isDetailed(message: string): boolean {
  return wordsOf(message).length >= DETAILED_WORDS;
}

/** Mostly capitals, over enough letters to mean it (not "OK" or an acronym). */
export function isShouting(text: string): boolean {
  const letters = text.match(/\p{L}/gu) ?? [];
  if (letters.length < 12) return false;
  const upper = letters.filter((c) => c !== c.toLowerCase()).length;
  return upper / letters.length > 0.8;
}

/** Rows of a QWERTY keyboard that no English word contains. */
const KEY_RUNS = [
  'qwer',
  'asdf',
  'sdfg',
  'dfgh',
  'fghj',
  'ghjk',
  'hjkl',
  'zxcv',
  'xcvb',
  'cvbn',
  'vbnm',
  'uiop',
];

/**
 * Keyboard mashing: a run along a keyboard row, one letter four times over, a long word with no
 * vowel, or hardly any vowels at all. Read on Latin letters only; other scripts never match.
 */
export function isGibberish(text: string): boolean {
  const lower = text.toLowerCase();
  if (KEY_RUNS.some((run) => lower.includes(run))) return true;
  if (/([a-z])\1{3,}/.test(lower)) return true;
  const words = lower.match(/[a-z]+/g) ?? [];
  if (words.some((word) => word.length >= 6 && !/[aeiouy]/.test(word))) return true;
  const letters = words.join('');
  if (letters.length >= 12) {
    const vowels = letters.match(/[aeiouy]/g)?.length ?? 0;
    if (vowels / letters.length < 0.15) return true;
  }
  return false;
}

const hourFormats = new Map<string, Intl.DateTimeFormat | null>();

/** The hour (0–23) at `at` in `zone`; null for a zone Intl does not know. */
export function hourIn(at: Date, zone: string): number | null {
  let format = hourFormats.get(zone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' });
    } catch {
      format = null;
    }
    hourFormats.set(zone, format);
  }
  if (!format || Number.isNaN(at.getTime())) return null;
  const hour = Number(format.formatToParts(at).find((p) => p.type === 'hour')?.value);
  return Number.isInteger(hour) ? hour % 24 : null;
}

/** "$450,000" (whole dollars, grouped by hand so the text never depends on the locale). */
export function dollarsOf(cents: number): string {
  const whole = Math.round(cents / 100).toString();
  return `$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
}
