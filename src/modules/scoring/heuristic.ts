import type { ScoreReason, ScoreResult, Scorer, ScoringInput } from './scorer.ts';
import {
  dollarsOf,
  emailKindOf,
  hourIn,
  isDetailed,
  isGibberish,
  isShouting,
  nameParts,
  phoneTypeOf,
  TEXT_PATTERNS,
  timelineCodeOf,
  timelineLabelOf,
} from './signals.ts';
import { summarize } from './summary.ts';
import { BASE_SCORE, HEURISTIC_VERSION, type Hit, weightOf } from './weights.ts';

/** The signals that apply to a lead, in the table's order. */
export function findSignals(input: ScoringInput): Hit[] {
  const hits: Hit[] = [];
  const message = input.message ?? '';
  const written = [input.message, input.urgency].filter(Boolean).join('\n');

  if (input.email && input.phoneE164) hits.push({ signal: 'contact', option: 'both' });
  else if (input.phoneE164) hits.push({ signal: 'contact', option: 'phone_only' });

  const names = nameParts(input.fullName);
  hits.push({ signal: 'name', option: names === 2 ? 'full' : names === 1 ? 'partial' : 'missing' });

  const phoneType = input.phoneE164 ? phoneTypeOf(input.phoneE164) : null;
  if (phoneType) hits.push({ signal: 'phone_type', option: phoneType });

  const email = input.email ? emailKindOf(input.email) : null;
  if (email) hits.push({ signal: 'email', option: email.option, detail: email.detail });

  if (input.consentGiven) hits.push({ signal: 'consent', option: 'given' });

  const timeline = timelineCodeOf(input.timeline);
  if (timeline && input.timeline) {
    hits.push({ signal: 'timeline', option: timeline, detail: timelineLabelOf(input.timeline) });
  }

  if (input.details.preApproved === true) {
    hits.push({ signal: 'pre_approved', option: 'yes', detail: 'ticked on the form' });
  } else if (TEXT_PATTERNS.pre_approved.test(message)) {
    hits.push({ signal: 'pre_approved', option: 'yes', detail: 'said so in the message' });
  }

  const { priceMinCents: min, priceMaxCents: max } = input;
  if (min !== null && max !== null) {
    hits.push({ signal: 'price_range', option: 'both', detail: `${dollarsOf(min)}–${dollarsOf(max)}` });
  } else if (min !== null || max !== null) {
    const detail = max !== null ? `up to ${dollarsOf(max)}` : `from ${dollarsOf(min!)}`;
    hits.push({ signal: 'price_range', option: 'one', detail });
  }

  if (input.addressLine) hits.push({ signal: 'address', option: 'street' });
  else if (input.city || input.postalCode) hits.push({ signal: 'address', option: 'area' });

  const rooms = homeDetailsOf(input.details);
  if (rooms) hits.push({ signal: 'home_details', option: 'given', detail: rooms });

  if (typeof input.details.areas === 'string' && input.details.areas.trim()) {
    hits.push({ signal: 'areas', option: 'given' });
  }

  for (const signal of ['intent_sell', 'intent_buy', 'intent_cash', 'intent_relocating'] as const) {
    if (TEXT_PATTERNS[signal].test(message)) hits.push({ signal, option: 'found' });
  }
  if (TEXT_PATTERNS.urgency.test(written)) hits.push({ signal: 'urgency', option: 'found' });
  // "Just curious" as the timeline already says it.
  if (timeline !== 'just_curious' && TEXT_PATTERNS.browsing.test(message)) {
    hits.push({ signal: 'browsing', option: 'found' });
  }
  if (isDetailed(message)) hits.push({ signal: 'detailed_message', option: 'found' });
  if (isShouting(message)) hits.push({ signal: 'shouting', option: 'found' });
  if (isGibberish(input.fullName ?? '') || isGibberish(message)) {
    hits.push({ signal: 'gibberish', option: 'found' });
  }
  if (TEXT_PATTERNS.links.test(message)) hits.push({ signal: 'links', option: 'found' });

  hits.push({ signal: 'source', option: input.source });

  if (input.submissionCount >= 3) {
    hits.push({ signal: 'repeat', option: 'three_plus', detail: `${input.submissionCount} submissions` });
  } else if (input.submissionCount === 2) {
    hits.push({ signal: 'repeat', option: 'twice' });
  }

  const hour = hourIn(input.submittedAt, input.timeZone);
  if (hour !== null && hour >= 8 && hour < 21) hits.push({ signal: 'time_of_day', option: 'daytime' });
  else if (hour !== null && hour >= 2 && hour < 5) {
    hits.push({ signal: 'time_of_day', option: 'small_hours' });
  }
  return hits;
}

function homeDetailsOf(details: Record<string, unknown>): string | null {
  const parts: string[] = [];
  if (typeof details.beds === 'number') parts.push(`${details.beds} ${details.beds === 1 ? 'bed' : 'beds'}`);
  if (typeof details.baths === 'number') {
    parts.push(`${details.baths} ${details.baths === 1 ? 'bath' : 'baths'}`);
  }
  return parts.length > 0 ? parts.join(', ') : null;
}

/**
 * Scores a lead from its fields alone: BASE_SCORE plus the points of every signal that applies
 * (weights.ts), clamped to 0–100. The reasons list the base first, then each signal worth
 * something, biggest effect first; the same input always gives the same score, reasons and
 * summary.
 */
export function scoreHeuristically(input: ScoringInput): ScoreResult {
  const reasons: ScoreReason[] = [];
  for (const hit of findSignals(input)) {
    const { points, label } = weightOf(hit);
    if (points === 0) continue;
    reasons.push({ signal: hit.signal, label, points, ...(hit.detail ? { detail: hit.detail } : {}) });
  }
  reasons.sort((a, b) => Math.abs(b.points) - Math.abs(a.points) || (a.signal < b.signal ? -1 : 1));
  const total = reasons.reduce((sum, r) => sum + r.points, BASE_SCORE);
  const score = Math.max(0, Math.min(100, total));
  return {
    score,
    summary: summarize(input, score, reasons),
    reasons: [{ signal: 'base', label: 'Starting score', points: BASE_SCORE }, ...reasons],
  };
}

/** The default scorer: local, free, no network. */
export const heuristicScorer: Scorer = {
  name: 'heuristic',
  version: HEURISTIC_VERSION,
  model: null,
  score: async (input) => scoreHeuristically(input),
};
