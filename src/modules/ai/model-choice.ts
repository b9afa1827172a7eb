import type { Database } from '../../db/client.ts';
import type { AiKeySource } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { type Keyring, SecretError } from '../../platform/secrets.ts';
import { readCredentials } from '../credentials/credentials.service.ts';
import { createOpenAiScorer, DEFAULT_OPENAI_MODEL, type OpenAiScorer } from '../scoring/openai.ts';

/**
 * What the AI features need from the configuration (`AI_PROVIDER`, `OPENAI_*`) and the keyring
 * that opens an account's own keys.
 */
export type AiDeps = {
  /** `heuristic`: no model is ever called. `dev` and `openai`: accounts' own keys are used;
   *  `openai` also lends the platform key to trial accounts. */
  provider: 'dev' | 'heuristic' | 'openai';
  platformOpenaiKey: string | undefined;
  openaiApiUrl: string;
  openaiModel: string;
  keyring: Keyring;
  /** Per attempt (default 20 s) and retries of 429/5xx (default 2): tests make them small. */
  openaiTimeoutMs?: number;
  openaiMaxRetries?: number;
};

export function aiDepsOf(
  config: {
    providers: { ai: AiDeps['provider'] };
    openaiApiKey?: string | undefined;
    openaiApiUrl: string;
    openaiModel?: string | undefined;
    openaiTimeoutMs?: number | undefined;
  },
  keyring: Keyring,
): AiDeps {
  return {
    provider: config.providers.ai,
    platformOpenaiKey: config.openaiApiKey,
    openaiApiUrl: config.openaiApiUrl,
    openaiModel: config.openaiModel ?? DEFAULT_OPENAI_MODEL,
    keyring,
    ...(config.openaiTimeoutMs !== undefined ? { openaiTimeoutMs: config.openaiTimeoutMs } : {}),
  };
}

/**
 * The model an account's AI work goes to, and with whose key:
 * - plans with their own-key feature (`byokAi`: every paid plan) use the account's saved OpenAI
 *   key, and the heuristic when they saved none;
 * - the trial uses the platform key (`OPENAI_API_KEY`) when the operator set `AI_PROVIDER=openai`;
 * - `AI_PROVIDER=heuristic` turns every model off.
 * `unreadable`: a saved key that does not open (its master key was removed from
 * ENCRYPTION_KEYS): no call is made, and the caller records why. Null: no model, the heuristic.
 */
export type ModelChoice =
  | { kind: 'model'; scorer: OpenAiScorer; keySource: AiKeySource }
  | { kind: 'unreadable'; model: string; keySource: 'own' };

export async function chooseModel(
  db: Database,
  deps: AiDeps,
  accountId: string,
): Promise<ModelChoice | null> {
  if (deps.provider === 'heuristic') return null;
  const byok = await withTenant(db, accountId, async (_tx, client) => {
    const { rows } = await client.query<{ byok: boolean | null }>(
      `SELECT (p.features ->> 'byokAi')::boolean AS byok FROM accounts a JOIN plans p ON p.code = a.plan_code
        WHERE a.id = $1`,
      [accountId],
    );
    return rows[0]?.byok === true;
  });
  const scorerWith = (apiKey: string, organization?: string) =>
    createOpenAiScorer({
      apiKey,
      organization: organization ?? null,
      baseURL: deps.openaiApiUrl,
      model: deps.openaiModel,
      ...(deps.openaiTimeoutMs !== undefined ? { timeoutMs: deps.openaiTimeoutMs } : {}),
      ...(deps.openaiMaxRetries !== undefined ? { maxRetries: deps.openaiMaxRetries } : {}),
    });
  if (byok) {
    let keys: Record<string, string> | undefined;
    try {
      keys = await readCredentials(db, deps.keyring, accountId, 'openai');
    } catch (error) {
      if (!(error instanceof SecretError)) throw error;
      return { kind: 'unreadable', model: deps.openaiModel, keySource: 'own' };
    }
    if (!keys?.api_key) return null;
    return { kind: 'model', scorer: scorerWith(keys.api_key, keys.organization), keySource: 'own' };
  }
  if (deps.provider === 'openai' && deps.platformOpenaiKey) {
    return { kind: 'model', scorer: scorerWith(deps.platformOpenaiKey), keySource: 'platform' };
  }
  return null;
}
