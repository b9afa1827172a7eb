import crypto from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { type LeadSource, pageKinds } from '../../db/schema/index.ts';
import { isUuid, withTenant } from '../../db/tenant.ts';
import { AppError } from '../../platform/errors.ts';
import type { PageKind } from '../intake/fields.ts';
import { heuristicScorer } from '../scoring/heuristic.ts';
import {
  type ScoreReason,
  type ScoreResult,
  type Scorer,
  type ScoringInput,
  scoreReasonSchema,
} from '../scoring/scorer.ts';
import {
  getAccountTimeZone,
  getLeadById,
  getLeadForUpdate,
  insertLeadEvent,
  updateLeadRow,
} from './leads.repo.ts';
import { LEAD_NOT_FOUND, type Lead } from './leads.service.ts';

/** Why a lead is scored: intake (a new lead or a merged resubmission) or a member asking. */
export type ScoreTrigger = 'created' | 'merged' | 'updated' | 'manual';

/** `unchanged`: the same score, text and reasons were already stored, so nothing was written. */
export type ScoreOutcome = 'scored' | 'unchanged' | 'spam' | 'missing';

export const LEAD_IS_SPAM = () =>
  new AppError('conflict', 'LEAD_IS_SPAM', 'Spam leads are not scored: move it out of spam first');

const isPageKind = (source: string): source is PageKind => (pageKinds as readonly string[]).includes(source);

/**
 * What the scorer sees of a lead. A capture page's leads have its kind as their source (intake
 * sets it), so the page kind needs no lookup. Time of day is read at the first submission, in
 * the account's zone: a merge adds to `submissionCount`, it does not move the clock.
 */
export function scoringInputOf(lead: Lead, timeZone: string): ScoringInput {
  return {
    source: lead.source as LeadSource,
    pageKind: isPageKind(lead.source) ? lead.source : null,
    fullName: lead.fullName,
    email: lead.email,
    phoneE164: lead.phoneE164,
    addressLine: lead.addressLine,
    city: lead.city,
    state: lead.state,
    postalCode: lead.postalCode,
    message: lead.message,
    timeline: lead.timeline,
    urgency: lead.urgency,
    priceMinCents: lead.priceMinCents,
    priceMaxCents: lead.priceMaxCents,
    details: lead.details,
    consentGiven: lead.consentGiven,
    submissionCount: lead.submissionCount,
    submittedAt: lead.createdAt,
    timeZone,
  };
}

const resultSchema = z.object({
  score: z.number().int().min(0).max(100),
  summary: z.string().max(4000),
  reasons: z.array(scoreReasonSchema).max(100),
});

/** Reasons compared field by field: jsonb gives keys back in its own order. */
function sameReasons(stored: unknown, reasons: ScoreReason[]): boolean {
  const parsed = z.array(scoreReasonSchema).safeParse(stored);
  const norm = (list: ScoreReason[]) => list.map((r) => [r.signal, r.label, r.points, r.detail ?? null]);
  return parsed.success && isDeepStrictEqual(norm(parsed.data), norm(reasons));
}

/** Rounds before giving up on a lead that keeps changing while it is scored (the job then retries). */
const ROUNDS = 3;

/**
 * Scores one of the account's leads and stores the score, summary, reasons, scorer, model and
 * version on it, with a `scored` event `{ score, previousScore, scorer, version, model, trigger,
 * signals }` in the same transaction.
 *
 * - Idempotent: the scorer runs outside any transaction (a model may take seconds), then the lead
 *   is locked and, if its fields changed meanwhile, scored again. When the same score, text and
 *   reasons are already stored nothing is written (a retried job writes no second event); a new
 *   summary or reasons with the same score update the lead without an event. A member's re-score
 *   (`manual`) always records its event, with the member as actor.
 * - Spam leads are skipped (intake queues no scoring for them; one marked spam since is left
 *   alone). Held leads are scored: the heuristic is local and free, and the API masks the summary
 *   and reasons until the lead is released, as it does the contact details.
 */
export async function scoreLead(
  db: Database,
  accountId: string,
  leadId: string,
  options: { trigger: ScoreTrigger; actorUserId?: string | null; scorer?: Scorer },
): Promise<{ outcome: ScoreOutcome; lead: Lead | null }> {
  const scorer = options.scorer ?? heuristicScorer;
  for (let round = 0; round < ROUNDS; round++) {
    const read = await withTenant(db, accountId, async (tx) => {
      const lead = await getLeadById(tx, accountId, leadId);
      return lead ? { lead, input: scoringInputOf(lead, await getAccountTimeZone(tx, accountId)) } : null;
    });
    if (!read) return { outcome: 'missing', lead: null };
    if (read.lead.status === 'spam') return { outcome: 'spam', lead: read.lead };
    const result: ScoreResult = resultSchema.parse(await scorer.score(read.input));

    const stored = await withTenant(db, accountId, async (tx) => {
      const lead = await getLeadForUpdate(tx, accountId, leadId);
      if (!lead) return { outcome: 'missing' as const, lead: null };
      if (lead.status === 'spam') return { outcome: 'spam' as const, lead };
      const input = scoringInputOf(lead, await getAccountTimeZone(tx, accountId));
      if (!isDeepStrictEqual(input, read.input)) return null;

      const sameScore =
        lead.aiScore === result.score &&
        lead.aiScorer === scorer.name &&
        lead.aiVersion === scorer.version &&
        lead.aiModel === scorer.model;
      const sameText = lead.aiSummary === result.summary && sameReasons(lead.aiReasons, result.reasons);
      const manual = options.trigger === 'manual';
      if (sameScore && sameText && !manual) return { outcome: 'unchanged' as const, lead };

      const updated = await updateLeadRow(tx, accountId, lead.id, {
        aiScore: result.score,
        aiSummary: result.summary,
        aiReasons: result.reasons,
        aiScorer: scorer.name,
        aiModel: scorer.model,
        aiVersion: scorer.version,
        aiScoredAt: new Date(),
      });
      if (!sameScore || manual) {
        await insertLeadEvent(tx, {
          accountId,
          id: crypto.randomUUID(),
          leadId: lead.id,
          kind: 'scored',
          // Points per signal, no values: the event stays readable while the lead is held.
          payload: {
            score: result.score,
            previousScore: lead.aiScore,
            scorer: scorer.name,
            version: scorer.version,
            ...(scorer.model ? { model: scorer.model } : {}),
            trigger: options.trigger,
            signals: Object.fromEntries(result.reasons.map((r) => [r.signal, r.points])),
          },
          actorUserId: options.actorUserId ?? null,
        });
      }
      return { outcome: 'scored' as const, lead: updated };
    });
    if (stored) return stored;
  }
  throw new Error(`lead ${leadId} kept changing while it was scored`);
}

/** A member's re-score (POST /api/v1/leads/:id/score): 404 for another account's lead, 409 for spam. */
export async function rescoreLead(
  db: Database,
  accountId: string,
  input: { leadId: string; actorUserId: string | null },
): Promise<Lead> {
  if (!isUuid(input.leadId)) throw LEAD_NOT_FOUND();
  const { outcome, lead } = await scoreLead(db, accountId, input.leadId, {
    trigger: 'manual',
    actorUserId: input.actorUserId,
  });
  if (!lead) throw LEAD_NOT_FOUND();
  if (outcome === 'spam') throw LEAD_IS_SPAM();
  return lead;
}
