import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { accounts } from './identity.ts';
import { leads } from './leads.ts';
import { sqlList } from './types.ts';

/**
 * How a run ended: `running` while the model is asked (the call is already counted), then
 * `succeeded`, `failed` (the model was asked and gave nothing usable: the fallback stood) or
 * `skipped` (no call was made: the plan's AI calls were used up, or the account's key could not
 * be read; the fallback stood).
 */
export const aiRunResults = ['running', 'succeeded', 'failed', 'skipped'] as const;
export type AiRunResult = (typeof aiRunResults)[number];

/** Whose key a call was made with: the platform's (`OPENAI_API_KEY`, trials) or the account's own. */
export const aiKeySources = ['platform', 'own'] as const;
export type AiKeySource = (typeof aiKeySources)[number];

/**
 * Every model call an agent makes or would have made (seed 001 `ai_agent_logs` unified with seed
 * 004 `conversation_history`): which agent and action, what it was about (ids, never personal
 * data), which provider, model, prompt version and key, the output (numbers and signal names, not
 * the text), tokens, cost in micro-dollars (`credit_prices`), the result and how long it took.
 * A call counts in `usage_counters.ai_calls` in the transaction that inserts its row.
 */
export const aiRuns = pgTable(
  'ai_runs',
  {
    accountId: uuid('account_id').notNull(),
    id: uuid('id').notNull(),
    /** `lead_scorer`… */
    agent: text('agent').notNull(),
    /** `score_lead`… */
    action: text('action').notNull(),
    leadId: uuid('lead_id'),
    /** What the run was about, by reference: ids and the trigger, no personal data. */
    input: jsonb('input').$type<Record<string, unknown>>().notNull().default({}),
    provider: text('provider').notNull(),
    model: text('model'),
    promptVersion: text('prompt_version'),
    keySource: text('key_source'),
    result: text('result').notNull(),
    /** Why it failed or was skipped: `timeout`, `malformed_output`, `over_limit`… */
    error: text('error'),
    output: jsonb('output').$type<Record<string, unknown>>(),
    inputTokens: integer('input_tokens'),
    outputTokens: integer('output_tokens'),
    costMicros: bigint('cost_micros', { mode: 'number' }),
    durationMs: integer('duration_ms'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ name: 'ai_runs_pkey', columns: [t.accountId, t.id] }),
    foreignKey({
      name: 'ai_runs_account_fkey',
      columns: [t.accountId],
      foreignColumns: [accounts.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'ai_runs_lead_fkey',
      columns: [t.accountId, t.leadId],
      foreignColumns: [leads.accountId, leads.id],
    }).onDelete('cascade'),
    index('ai_runs_account_created_idx').on(t.accountId, t.createdAt.desc()),
    index('ai_runs_lead_idx').on(t.accountId, t.leadId),
    check('ai_runs_result_check', sql.raw(`result in (${sqlList(aiRunResults)})`)),
    check(
      'ai_runs_key_source_check',
      sql.raw(`key_source is null or key_source in (${sqlList(aiKeySources)})`),
    ),
    check('ai_runs_agent_check', sql`agent ~ '^[a-z][a-z0-9_]{1,39}$' and action ~ '^[a-z][a-z0-9_]{1,39}$'`),
    check(
      'ai_runs_numbers_check',
      sql`coalesce(input_tokens, 0) >= 0 and coalesce(output_tokens, 0) >= 0 and coalesce(cost_micros, 0) >= 0 and coalesce(duration_ms, 0) >= 0`,
    ),
  ],
);
