import { z } from 'zod';
import type { LeadSource } from '../../db/schema/index.ts';
import type { PageKind } from '../intake/fields.ts';

/**
 * What every lead scorer answers, whatever it runs on (the heuristic here; a model later):
 * a whole score from 0 to 100, one paragraph for the agent, and the named signals behind it,
 * each with the points it added or took away. Stored on the lead (`ai_score`, `ai_summary`,
 * `ai_reasons`) with the scorer's name and version, so a score can always be traced back.
 */
export const scoreReasonSchema = z.object({
  /** A stable id of the signal (`timeline`, `contact`…); one reason per signal. */
  signal: z.string(),
  /** What it means, in words the agent reads. */
  label: z.string(),
  /** What it added (positive) or took away (negative); the `base` reason is the starting score. */
  points: z.number().int(),
  /** The value behind it, when that helps ("In 1–3 months", "mailinator.com"). */
  detail: z.string().optional(),
});
export type ScoreReason = z.infer<typeof scoreReasonSchema>;

export type ScoreResult = {
  /** A whole number from 0 to 100. */
  score: number;
  summary: string;
  reasons: ScoreReason[];
};

/** The lead as a scorer sees it: its fields and where and when it came in; no ids, no database. */
export type ScoringInput = {
  source: LeadSource;
  /** The kind of capture page it came from (home valuation, buyer interest…), if any. */
  pageKind: PageKind | null;
  fullName: string | null;
  email: string | null;
  /** E.164. */
  phoneE164: string | null;
  addressLine: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  message: string | null;
  /** A form's timeline code (`1_3_months`…) or free text from the API. */
  timeline: string | null;
  /** A contractor lead's urgency, as given. */
  urgency: string | null;
  priceMinCents: number | null;
  priceMaxCents: number | null;
  /** The page kind's extra fields: beds, baths, areas, preApproved. */
  details: Record<string, unknown>;
  consentGiven: boolean;
  /** 1 for a first submission; each merged resubmission adds one. */
  submissionCount: number;
  /** When the lead first came in. */
  submittedAt: Date;
  /** The IANA zone its time of day is read in (the account's). */
  timeZone: string;
};

export type Scorer = {
  /** Stored as `ai_scorer`: `heuristic`, `openai`… */
  name: string;
  /** Stored as `ai_version`: bumped whenever the same lead would score differently. */
  version: string;
  /** Stored as `ai_model`: the model a network scorer asked; null for the heuristic. */
  model: string | null;
  score(input: ScoringInput): Promise<ScoreResult>;
};
