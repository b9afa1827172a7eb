import type { ScoreReason, ScoringInput } from './scorer.ts';
import {
  dollarsOf,
  emailKindOf,
  phoneTypeOf,
  TEXT_PATTERNS,
  timelineCodeOf,
  timelineLabelOf,
} from './signals.ts';

/**
 * One plain paragraph for the agent, built from the lead's own fields: who, what they asked,
 * how soon, how to reach them, what their message is about, and what moved the score most.
 * It names no more than the lead detail already shows the agent (name, address, price range),
 * never the email address or phone number themselves. Deterministic, like the score.
 */
export function summarize(input: ScoringInput, score: number, reasons: ScoreReason[]): string {
  return [
    opening(input),
    timing(input),
    reach(input),
    repeats(input),
    topics(input, reasons),
    closing(score, reasons),
  ]
    .filter(Boolean)
    .join(' ');
}

const SOURCE_WORDS: Partial<Record<ScoringInput['source'], string>> = {
  google_ads: 'your Google ad',
  website: 'your website',
  property_report: 'a property report',
  consumer_report: 'a home value report',
  property_search: 'a property search',
  marketplace: 'the marketplace',
};

/** Keeps a field from running away with the paragraph. */
function clip(text: string, max = 80): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return t.length > max ? `${t.slice(0, max - 1).trimEnd()}…` : t;
}

function priceWords(min: number | null, max: number | null): string | null {
  if (min !== null && max !== null) return `between ${dollarsOf(min)} and ${dollarsOf(max)}`;
  if (max !== null) return `up to ${dollarsOf(max)}`;
  if (min !== null) return `from ${dollarsOf(min)}`;
  return null;
}

function opening(input: ScoringInput): string {
  const who = input.fullName?.trim() ? clip(input.fullName, 60) : 'This lead';
  const place = [input.addressLine, input.city].filter(Boolean).join(', ');
  switch (input.pageKind ?? input.source) {
    case 'home_valuation':
      return `${who} asked what their home${place ? ` at ${clip(place)}` : ''} is worth.`;
    case 'buyer_interest': {
      const areas = typeof input.details.areas === 'string' ? input.details.areas.trim() : '';
      const price = priceWords(input.priceMinCents, input.priceMaxCents);
      return `${who} is looking to buy${areas ? ` in ${clip(areas)}` : ''}${price ? `, ${price}` : ''}.`;
    }
    case 'contact':
      return `${who} wrote through your contact form.`;
    case 'custom':
      return `${who} filled in one of your forms.`;
    case 'missed_call':
      return `${who} called you and the call was missed.`;
    case 'phone_call':
      return `${who} called you.`;
    case 'sms':
      return `${who} texted you.`;
    case 'voice_assistant':
      return `${who} spoke with your voice assistant.`;
    case 'referral':
      return `${who} was referred to you.`;
    case 'api':
      return `${who} was added through the API.`;
    case 'import':
      return `${who} was imported from a list.`;
    default:
      return `${who} came in from ${SOURCE_WORDS[input.source] ?? 'your pages'}.`;
  }
}

function timing(input: ScoringInput): string {
  const sentences: string[] = [];
  const code = timelineCodeOf(input.timeline);
  const selling = (input.pageKind ?? input.source) === 'home_valuation';
  if (code === 'just_curious') sentences.push('They say they are just curious.');
  else if (code === 'asap') sentences.push(`They want to ${selling ? 'sell' : 'move'} as soon as possible.`);
  else if (input.timeline) {
    const when = timelineLabelOf(input.timeline);
    // A form's code reads as its label; free text (API, import) is quoted as given.
    sentences.push(
      when !== input.timeline
        ? `They ${selling ? 'might sell' : 'plan to move'} ${when.toLowerCase()}.`
        : `Their timeline: “${clip(input.timeline)}”.`,
    );
  }
  if (input.details.preApproved === true || TEXT_PATTERNS.pre_approved.test(input.message ?? '')) {
    sentences.push('They are pre-approved for a mortgage.');
  }
  return sentences.join(' ');
}

const PHONE_WORDS = {
  mobile: 'a mobile number',
  mobile_or_landline: 'a phone number',
  landline: 'a landline',
  voip: 'an internet phone number',
  non_personal: 'a toll-free or premium-rate number',
  invalid: 'a phone number that does not look real',
} as const;

function reach(input: ScoringInput): string {
  const phoneType = input.phoneE164 ? phoneTypeOf(input.phoneE164) : null;
  const phone = input.phoneE164 ? PHONE_WORDS[phoneType ?? 'mobile_or_landline'] : null;
  const kind = input.email ? emailKindOf(input.email)?.option : undefined;
  const email =
    kind === 'disposable' ? 'a throwaway email address' : kind === 'shared' ? 'a shared mailbox' : 'an email';
  const left =
    input.email && phone
      ? `They left ${email} and ${phone}`
      : phone
        ? `They left ${phone} but no email`
        : input.email
          ? `They left ${email} but no phone number`
          : 'They left no way to reach them';
  return `${left}${input.consentGiven ? ', and agreed to be contacted' : ''}.`;
}

function repeats(input: ScoringInput): string {
  return input.submissionCount >= 2 ? `They have reached out ${input.submissionCount} times.` : '';
}

const TOPICS: [signal: string, words: string][] = [
  ['intent_sell', 'selling'],
  ['intent_buy', 'buying'],
  ['intent_cash', 'cash'],
  ['intent_relocating', 'relocating'],
  ['urgency', 'urgency'],
];
const WARNINGS: [signal: string, words: string][] = [
  ['links', 'links'],
  ['gibberish', 'random keys'],
  ['shouting', 'all capitals'],
];

/** "a", "a and b", "a, b and c". */
function listOf(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function topics(input: ScoringInput, reasons: ScoreReason[]): string {
  if (!input.message && !input.urgency) return '';
  const has = new Set(reasons.map((r) => r.signal));
  const sentences: string[] = [];
  const mentioned = TOPICS.filter(([s]) => has.has(s)).map(([, words]) => words);
  if (mentioned.length > 0) sentences.push(`Their message mentions ${listOf(mentioned)}.`);
  if (has.has('browsing')) sentences.push('Their message suggests they are only browsing.');
  const warnings = WARNINGS.filter(([s]) => has.has(s)).map(([, words]) => words);
  if (warnings.length > 0) sentences.push(`It has ${listOf(warnings)}, as spam often does.`);
  return sentences.join(' ');
}

const signed = (points: number) => (points > 0 ? `+${points}` : `−${Math.abs(points)}`);
const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

function closing(score: number, reasons: ScoreReason[]): string {
  // Reasons come biggest effect first; the base is not a factor.
  const top = reasons.filter((r) => r.signal !== 'base').slice(0, 3);
  if (top.length === 0) return `Scored ${score} of 100.`;
  const factors = top.map((r) => `${lowerFirst(r.label)} (${signed(r.points)})`);
  return `Scored ${score} of 100, mostly because of: ${factors.join('; ')}.`;
}
