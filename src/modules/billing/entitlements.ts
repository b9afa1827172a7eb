import type { SqlClient } from '../../db/client.ts';
import type { AccountStatus, PlanFeatures, PlanLimits } from '../../db/schema/index.ts';

/**
 * "May this account do X now, and how much is left": one answer for every plan check. A feature
 * is allowed when the account's plan has it; a metered action when this month's count is under the
 * plan's limit (null: unlimited), or past it on a plan with overage while the credit wallet can pay.
 * Read in the caller's transaction, so a plan changed by a committed Stripe event applies at once.
 * The metered actions themselves take their place with one conditional statement (the counter
 * `UPDATE … WHERE count < limit`), which this answer never replaces: it tells, they enforce.
 */

export type Metric = 'leads' | 'emails' | 'sms' | 'aiCalls';
export type Feature = keyof PlanFeatures;

const COUNTERS: Record<Metric, string> = {
  leads: 'leads_created',
  emails: 'emails_sent',
  sms: 'sms_sent',
  aiCalls: 'ai_calls',
};

/** What one unit past the limit costs in credits (`credit_prices`), where overage is paid that way. */
const CREDIT_ACTIONS: Partial<Record<Metric, string>> = { emails: 'email_send', sms: 'sms_send' };

export type PlanState = {
  plan: { code: string; name: string };
  status: AccountStatus;
  features: PlanFeatures;
  limits: PlanLimits;
  allowOverage: boolean;
};

export type Allowance = {
  allowed: boolean;
  limit: number | null;
  used: number;
  /** Units left under the limit (null: unlimited). */
  left: number | null;
  /** Past the limit, paid from credits: how many more units the balance buys (null when not applicable). */
  paidWithCredits: number | null;
};

export async function planStateOf(client: SqlClient, accountId: string): Promise<PlanState> {
  const { rows } = await client.query<{
    code: string;
    name: string;
    status: AccountStatus;
    features: PlanFeatures;
    limits: PlanLimits;
    allow_overage: boolean;
  }>(
    `SELECT p.code, p.name, a.status, p.features, p.limits, p.allow_overage
       FROM accounts a JOIN plans p ON p.code = a.plan_code WHERE a.id = $1`,
    [accountId],
  );
  const r = rows[0];
  if (!r) throw new Error(`planStateOf: no account ${accountId}`);
  return {
    plan: { code: r.code, name: r.name },
    status: r.status,
    features: r.features,
    limits: r.limits,
    allowOverage: r.allow_overage,
  };
}

/** Whether the account's plan includes a feature now. */
export async function mayUse(client: SqlClient, accountId: string, feature: Feature): Promise<boolean> {
  return (await planStateOf(client, accountId)).features[feature] === true;
}

/** This month's (UTC) allowance of a metered action. */
export async function allowanceOf(client: SqlClient, accountId: string, metric: Metric): Promise<Allowance> {
  const state = await planStateOf(client, accountId);
  const { rows } = await client.query<{ used: number }>(
    `SELECT ${COUNTERS[metric]} AS used FROM usage_counters
      WHERE account_id = $1 AND period_month = date_trunc('month', now() AT TIME ZONE 'UTC')::date`,
    [accountId],
  );
  const used = rows[0]?.used ?? 0;
  const limit = state.limits[metric] ?? null;
  const left = limit === null ? null : Math.max(0, limit - used);
  let paidWithCredits: number | null = null;
  const action = CREDIT_ACTIONS[metric];
  if (left === 0 && state.allowOverage && action) {
    const { rows: wallet } = await client.query<{ balance: string; credits: number }>(
      `SELECT coalesce((SELECT balance FROM credit_wallets WHERE account_id = $1), 0) AS balance,
              (SELECT credits FROM credit_prices WHERE action = $2) AS credits`,
      [accountId, action],
    );
    const price = wallet[0]?.credits ?? 0;
    paidWithCredits = price > 0 ? Math.floor(Number(wallet[0]?.balance ?? 0) / price) : null;
  }
  return {
    allowed: left === null || left > 0 || (paidWithCredits ?? 0) > 0,
    limit,
    used,
    left,
    paidWithCredits,
  };
}
