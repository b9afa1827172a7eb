import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { leadEvents, leads, usageCounters } from '../../db/schema/index.ts';

export type NewLead = typeof leads.$inferInsert;
export type NewLeadEvent = typeof leadEvents.$inferInsert;

export async function insertLead(tx: Tx, row: NewLead) {
  const [lead] = await tx.insert(leads).values(row).returning();
  return lead!;
}

export async function insertLeadEvent(tx: Tx, row: NewLeadEvent) {
  const [event] = await tx.insert(leadEvents).values(row).returning();
  return event!;
}

/** Adds to this month's counters, creating the month's row on first use. */
export async function bumpUsage(
  tx: Tx,
  accountId: string,
  newId: string,
  periodMonth: string,
  field: 'leadsCreated' | 'emailsSent' | 'smsSent' | 'aiCalls',
  by = 1,
) {
  const column = usageCounters[field];
  await tx
    .insert(usageCounters)
    .values({ accountId, id: newId, periodMonth, [field]: by })
    .onConflictDoUpdate({
      target: [usageCounters.accountId, usageCounters.periodMonth],
      set: { [field]: sql`${column} + ${by}`, updatedAt: sql`now()` },
    });
}
