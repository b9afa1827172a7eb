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
