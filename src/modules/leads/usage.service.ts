import type { Database } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import { countHeldLeads } from './held-leads.repo.ts';
import { getAccountPlan, getUsageCounter } from './leads.repo.ts';
import { periodMonthOf } from './leads.service.ts';

export type Usage = {
  periodMonth: string;
  plan: { code: string; name: string };
  counters: { leadsCreated: number; emailsSent: number; smsSent: number; aiCalls: number };
  limits: { leads: number | null; emails: number | null; sms: number | null; aiCalls: number | null };
  heldLeads: number;
};

const limitOf = (value: number | null | undefined) => value ?? null;

/** This month's (UTC) metered usage against the plan's limits, and how many leads are held. */
export async function getUsage(db: Database, accountId: string, now = new Date()): Promise<Usage> {
  const periodMonth = periodMonthOf(now);
  return withTenant(db, accountId, async (tx) => {
    const plan = await getAccountPlan(tx, accountId);
    const counter = await getUsageCounter(tx, accountId, periodMonth);
    return {
      periodMonth,
      plan: { code: plan.planCode, name: plan.planName },
      counters: {
        leadsCreated: counter?.leadsCreated ?? 0,
        emailsSent: counter?.emailsSent ?? 0,
        smsSent: counter?.smsSent ?? 0,
        aiCalls: counter?.aiCalls ?? 0,
      },
      limits: {
        leads: limitOf(plan.limits.leads),
        emails: limitOf(plan.limits.emails),
        sms: limitOf(plan.limits.sms),
        aiCalls: limitOf(plan.limits.aiCalls),
      },
      heldLeads: await countHeldLeads(tx, accountId),
    };
  });
}
