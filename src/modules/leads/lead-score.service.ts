import crypto from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { type LeadSource, pageKinds } from '../../db/schema/index.ts';
import { isUuid, withTenant } from '../../db/tenant.ts';
import { AppError } from '../../platform/errors.ts';
import {
  finishModelCall,
  type ModelCall,
  type RunOutcome,
  recordSkippedRun,
  reserveModelCall,
} from '../ai/ai-runs.service.ts';
import { type AiDeps, chooseModel } from '../ai/model-choice.ts';
import type { PageKind } from '../intake/fields.ts';
import { heuristicScorer } from '../scoring/heuristic.ts';
import { PROMPT_VERSION, scoreWithFallback } from '../scoring/openai.ts';
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
  options: { trigger: ScoreTrigger; actorUserId?: string | null; scorer?: Scorer; ai?: AiDeps },
): Promise<{ outcome: ScoreOutcome; lead: Lead | null }> {
  for (let round = 0; round < ROUNDS; round++) {
    const read = await withTenant(db, accountId, async (tx) => {
      const lead = await getLeadById(tx, accountId, leadId);
      return lead ? { lead, input: scoringInputOf(lead, await getAccountTimeZone(tx, accountId)) } : null;
    });
    if (!read) return { outcome: 'missing', lead: null };
    if (read.lead.status === 'spam') return { outcome: 'spam', lead: read.lead };
    const scored = await runScorer(db, accountId, read.lead, read.input, options);
    const result: ScoreResult = resultSchema.parse(scored.result);
    const scorer = scored.scorer;

    const stored = await withTenant(db, accountId, async (tx, client) => {
      // The run is closed whatever happens to the score: the call was made.
      if (scored.run) await finishModelCall(client, accountId, scored.run.runId, scored.run.outcome);
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
            ...(scored.fallback ? { fallback: scored.fallback } : {}),
            ...(scored.runId ? { aiRunId: scored.runId } : {}),
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

/** What a scoring round produced, and the model run to close with it. */
type Scored = {
  result: ScoreResult;
  scorer: Pick<Scorer, 'name' | 'version' | 'model'>;
  /** The model that was meant to score and why it did not: the heuristic's score stands. */
  fallback?: { scorer: string; model: string; reason: string };
  runId?: string;
  run?: { runId: string; outcome: RunOutcome };
};

/**
 * One scoring: the given scorer (tests), else the model the account's plan and keys choose
 * (`chooseModel`) with the heuristic as fallback, else the heuristic. A held lead is scored by the
 * heuristic only: its details are hidden until it is released, and it spends no AI call.
 */
async function runScorer(
  db: Database,
  accountId: string,
  lead: Lead,
  input: ScoringInput,
  options: { trigger: ScoreTrigger; scorer?: Scorer; ai?: AiDeps },
): Promise<Scored> {
  const heuristic = async (): Promise<Scored> => ({
    result: await heuristicScorer.score(input),
    scorer: heuristicScorer,
  });
  if (options.scorer) return { result: await options.scorer.score(input), scorer: options.scorer };
  if (!options.ai || lead.isHeld) return heuristic();
  const choice = await chooseModel(db, options.ai, accountId);
  if (!choice) return heuristic();

  const call: ModelCall = {
    agent: 'lead_scorer',
    action: 'score_lead',
    leadId: lead.id,
    input: { leadId: lead.id, trigger: options.trigger },
    provider: 'openai',
    model: choice.kind === 'model' ? choice.scorer.model : choice.model,
    promptVersion: PROMPT_VERSION,
    keySource: choice.keySource,
  };
  if (choice.kind === 'unreadable') {
    const runId = await recordSkippedRun(db, accountId, call, 'credentials_unreadable');
    return { ...(await heuristic()), fallback: fallbackOf(call, 'credentials_unreadable'), runId };
  }
  const reservation = await reserveModelCall(db, accountId, call);
  if (!reservation.ok) {
    return {
      ...(await heuristic()),
      fallback: fallbackOf(call, reservation.reason),
      runId: reservation.runId,
    };
  }
  const started = performance.now();
  let scored: Awaited<ReturnType<typeof scoreWithFallback>>;
  try {
    scored = await scoreWithFallback(choice.scorer, heuristicScorer, input);
  } catch (error) {
    // A bug, not the provider: the run is closed as failed and the job retries.
    await withTenant(db, accountId, (_tx, client) =>
      finishModelCall(client, accountId, reservation.runId, {
        result: 'failed',
        error: 'error',
        durationMs: performance.now() - started,
      }),
    );
    throw error;
  }
  const durationMs = performance.now() - started;
  const { failure } = scored;
  const result = { score: scored.score, summary: scored.summary, reasons: scored.reasons };
  const outcome: RunOutcome = failure
    ? { result: 'failed', error: failure.reason, usage: failure.usage, durationMs }
    : {
        result: 'succeeded',
        usage: scored.usage,
        durationMs,
        output: {
          score: scored.score,
          signals: Object.fromEntries(scored.reasons.map((r) => [r.signal, r.points])),
        },
      };
  return {
    result,
    scorer: { name: scored.scorer, version: scored.version, model: scored.model },
    runId: reservation.runId,
    run: { runId: reservation.runId, outcome },
    ...(failure ? { fallback: fallbackOf(call, failure.reason) } : {}),
  };
}

const fallbackOf = (call: ModelCall, reason: string) => ({
  scorer: call.provider,
  model: call.model,
  reason,
});

/** A member's re-score (POST /api/v1/leads/:id/score): 404 for another account's lead, 409 for spam. */
export async function rescoreLead(
  db: Database,
  accountId: string,
  input: { leadId: string; actorUserId: string | null; ai?: AiDeps },
): Promise<Lead> {
  if (!isUuid(input.leadId)) throw LEAD_NOT_FOUND();
  const { outcome, lead } = await scoreLead(db, accountId, input.leadId, {
    trigger: 'manual',
    actorUserId: input.actorUserId,
    ...(input.ai ? { ai: input.ai } : {}),
  });
  if (!lead) throw LEAD_NOT_FOUND();
  if (outcome === 'spam') throw LEAD_IS_SPAM();
  return lead;
}
