import crypto from 'node:crypto';
import type { Database, SqlClient } from '../../db/client.ts';
import type { AiKeySource, AiRunResult } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { periodMonthOf } from '../leads/leads.service.ts';
import type { ModelUsage } from '../scoring/openai.ts';

/**
 * The AI runs log (`ai_runs`) and the plan's AI calls: every model call is reserved before it is
 * made, in one transaction that counts it in `usage_counters.ai_calls` (only while the month's
 * count is under the plan's limit) and inserts its `running` row; past the limit the same
 * transaction records a `skipped` run (`over_limit`) and nothing is counted. The call itself
 * happens outside any transaction; `finishModelCall` then records how it went, with its tokens
 * and cost, in the caller's transaction (the one that stores what the call produced).
 *
 * A call counts when it is made, whatever comes of it: the provider may bill a timeout or an
 * answer that did not fit. A run left `running` (the process died mid-call) stays counted.
 */

/** What a run is about and with what: ids only in `input`, never personal data. */
export type ModelCall = {
  agent: string;
  action: string;
  leadId: string | null;
  input: Record<string, unknown>;
  provider: string;
  model: string;
  promptVersion: string;
  keySource: AiKeySource;
};

export type Reservation = { ok: true; runId: string } | { ok: false; runId: string; reason: 'over_limit' };

/** The price list's action a chat model's tokens are costed under. */
export const CHAT_TOKENS_PRICE = 'ai_chat_1k_tokens';

const INSERT_RUN = `INSERT INTO ai_runs (account_id, id, agent, action, lead_id, input, provider, model,
    prompt_version, key_source, result, error, completed_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, CASE WHEN $11 = 'running' THEN NULL ELSE now() END)`;

function insertRun(
  client: SqlClient,
  accountId: string,
  call: ModelCall,
  result: AiRunResult,
  error: string | null,
) {
  const id = crypto.randomUUID();
  return client
    .query(INSERT_RUN, [
      accountId,
      id,
      call.agent,
      call.action,
      call.leadId,
      JSON.stringify(call.input),
      call.provider,
      call.model,
      call.promptVersion,
      call.keySource,
      result,
      error,
    ])
    .then(() => id);
}

/**
 * Counts one model call against this month's AI calls and opens its run, or, when the plan's
 * limit is reached, records the skipped run instead. The count and the limit check are one
 * statement (an upsert whose update only applies under the limit), so two jobs at once cannot
 * both take the last call.
 */
export async function reserveModelCall(
  db: Database,
  accountId: string,
  call: ModelCall,
  now = new Date(),
): Promise<Reservation> {
  return withTenant(db, accountId, async (_tx, client) => {
    const { rows: plan } = await client.query<{ limit: number | null }>(
      `SELECT (p.limits ->> 'aiCalls')::int AS "limit" FROM accounts a JOIN plans p ON p.code = a.plan_code
        WHERE a.id = $1`,
      [accountId],
    );
    const limit = plan[0]?.limit ?? null;
    const { rows } = await client.query<{ ai_calls: number }>(
      `INSERT INTO usage_counters (account_id, id, period_month, ai_calls)
         SELECT $1, $2, $3, 1 WHERE $4::int IS NULL OR $4::int > 0
       ON CONFLICT (account_id, period_month) DO UPDATE
         SET ai_calls = usage_counters.ai_calls + 1, updated_at = now()
         WHERE $4::int IS NULL OR usage_counters.ai_calls < $4::int
       RETURNING ai_calls`,
      [accountId, crypto.randomUUID(), periodMonthOf(now), limit],
    );
    if (rows.length === 0) {
      return {
        ok: false,
        reason: 'over_limit',
        runId: await insertRun(client, accountId, call, 'skipped', 'over_limit'),
      };
    }
    return { ok: true, runId: await insertRun(client, accountId, call, 'running', null) };
  });
}

/** A run that made no call (the account's key could not be read…): recorded, not counted. */
export async function recordSkippedRun(db: Database, accountId: string, call: ModelCall, reason: string) {
  return withTenant(db, accountId, (_tx, client) => insertRun(client, accountId, call, 'skipped', reason));
}

export type RunOutcome = {
  result: Extract<AiRunResult, 'succeeded' | 'failed'>;
  /** Why it failed (`timeout`, `malformed_output`…). */
  error?: string | null;
  /** Numbers and names only (a score, signal ids): the text stays on the lead it belongs to. */
  output?: Record<string, unknown> | null;
  usage?: ModelUsage | undefined;
  durationMs: number;
};

/**
 * Closes a `running` run with its outcome, tokens and cost (tokens × the price list's real cost
 * per 1,000, rounded up to a whole micro-dollar), in the caller's transaction. A run already
 * closed is left alone (a retried job that reserved again has its own run).
 */
export async function finishModelCall(
  client: SqlClient,
  accountId: string,
  runId: string,
  outcome: RunOutcome,
) {
  const input = outcome.usage?.inputTokens ?? null;
  const output = outcome.usage?.outputTokens ?? null;
  await client.query(
    `UPDATE ai_runs SET result = $3, error = $4, output = $5, input_tokens = $6, output_tokens = $7,
        duration_ms = $8, completed_at = now(),
        cost_micros = CASE WHEN $6::int IS NULL AND $7::int IS NULL THEN NULL ELSE
          (SELECT ceil((coalesce($6::int, 0) + coalesce($7::int, 0)) * cost_micros / 1000.0)::bigint
             FROM credit_prices WHERE action = $9) END
      WHERE account_id = $1 AND id = $2 AND result = 'running'`,
    [
      accountId,
      runId,
      outcome.result,
      outcome.error ?? null,
      outcome.output ? JSON.stringify(outcome.output) : null,
      input,
      output,
      Math.max(0, Math.round(outcome.durationMs)),
      CHAT_TOKENS_PRICE,
    ],
  );
}

type RunRow = {
  id: string;
  agent: string;
  action: string;
  lead_id: string | null;
  provider: string;
  model: string | null;
  prompt_version: string | null;
  key_source: AiKeySource | null;
  result: AiRunResult;
  error: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_micros: string | number | null;
  duration_ms: number | null;
  created_at: Date | string;
  completed_at: Date | string | null;
};

const iso = (d: Date | string) => new Date(d).toISOString();
const num = (v: string | number | null) => (v === null ? null : Number(v));

/**
 * The account's AI runs, newest first, and this month's sums (calls made, skipped, failed,
 * tokens, cost). No personal data: ids, names of models and reasons, numbers.
 */
export async function listAiRuns(
  db: Database,
  accountId: string,
  options: { limit: number },
  now = new Date(),
) {
  const periodMonth = periodMonthOf(now);
  return withTenant(
    db,
    accountId,
    async (_tx, client) => {
      const { rows } = await client.query<RunRow>(
        `SELECT id, agent, action, lead_id, provider, model, prompt_version, key_source, result, error,
                input_tokens, output_tokens, cost_micros, duration_ms, created_at, completed_at
           FROM ai_runs WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
        [accountId, options.limit],
      );
      const { rows: sums } = await client.query<{
        calls: string;
        skipped: string;
        failed: string;
        tokens: string;
        cost: string;
      }>(
        `SELECT count(*) FILTER (WHERE result <> 'skipped') AS calls,
                count(*) FILTER (WHERE result = 'skipped') AS skipped,
                count(*) FILTER (WHERE result = 'failed') AS failed,
                coalesce(sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)), 0) AS tokens,
                coalesce(sum(cost_micros), 0) AS cost
           FROM ai_runs WHERE account_id = $1 AND created_at >= ($2::date::timestamp AT TIME ZONE 'UTC')
            AND created_at < (($2::date + interval '1 month') AT TIME ZONE 'UTC')`,
        [accountId, periodMonth],
      );
      const s = sums[0]!;
      return {
        month: {
          periodMonth,
          calls: Number(s.calls),
          skipped: Number(s.skipped),
          failed: Number(s.failed),
          tokens: Number(s.tokens),
          costMicros: Number(s.cost),
        },
        data: rows.map((r) => ({
          id: r.id,
          agent: r.agent,
          action: r.action,
          leadId: r.lead_id,
          provider: r.provider,
          model: r.model,
          promptVersion: r.prompt_version,
          keySource: r.key_source,
          result: r.result,
          error: r.error,
          inputTokens: r.input_tokens,
          outputTokens: r.output_tokens,
          costMicros: num(r.cost_micros),
          durationMs: r.duration_ms,
          createdAt: iso(r.created_at),
          completedAt: r.completed_at === null ? null : iso(r.completed_at),
        })),
      };
    },
    { snapshot: true },
  );
}
