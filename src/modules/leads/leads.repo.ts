import { and, desc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { accounts, leadConsents, leadEvents, leads, plans, usageCounters } from '../../db/schema/index.ts';

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

/**
 * Adds one to this month's leads_created and answers the new count: the plan-limit check reads
 * it in the same statement, so two leads created at once cannot both see room for one.
 */
export async function bumpLeadsCreated(tx: Tx, accountId: string, newId: string, periodMonth: string) {
  const [row] = await tx
    .insert(usageCounters)
    .values({ accountId, id: newId, periodMonth, leadsCreated: 1 })
    .onConflictDoUpdate({
      target: [usageCounters.accountId, usageCounters.periodMonth],
      set: { leadsCreated: sql`${usageCounters.leadsCreated} + 1`, updatedAt: sql`now()` },
    })
    .returning({ leadsCreated: usageCounters.leadsCreated });
  return row!.leadsCreated;
}

/** The account's country (for phone numbers) and plan (accounts and plans are readable by a tenant). */
export async function getAccountPlan(tx: Tx, accountId: string) {
  const [row] = await tx
    .select({
      country: accounts.country,
      planCode: plans.code,
      planName: plans.name,
      limits: plans.limits,
    })
    .from(accounts)
    .innerJoin(plans, eq(plans.code, accounts.planCode))
    .where(eq(accounts.id, accountId))
    .limit(1);
  return row!;
}

/** The account's time zone (a lead's time of day is read in it). */
export async function getAccountTimeZone(tx: Tx, accountId: string): Promise<string> {
  const [row] = await tx
    .select({ timezone: accounts.timezone })
    .from(accounts)
    .where(eq(accounts.id, accountId))
    .limit(1);
  return row!.timezone;
}

export async function getUsageCounter(tx: Tx, accountId: string, periodMonth: string) {
  const [row] = await tx
    .select()
    .from(usageCounters)
    .where(and(eq(usageCounters.accountId, accountId), eq(usageCounters.periodMonth, periodMonth)))
    .limit(1);
  return row;
}

export async function getLeadById(tx: Tx, accountId: string, id: string) {
  const [row] = await tx
    .select()
    .from(leads)
    .where(and(eq(leads.accountId, accountId), eq(leads.id, id)))
    .limit(1);
  return row;
}

/** One of the account's leads, locked until the transaction ends (for a change). */
export async function getLeadForUpdate(tx: Tx, accountId: string, id: string) {
  const [row] = await tx
    .select()
    .from(leads)
    .where(and(eq(leads.accountId, accountId), eq(leads.id, id)))
    .for('update');
  return row;
}

export async function updateLeadRow(tx: Tx, accountId: string, id: string, set: Partial<NewLead>) {
  const [row] = await tx
    .update(leads)
    .set({ ...set, updatedAt: sql`now()` })
    .where(and(eq(leads.accountId, accountId), eq(leads.id, id)))
    .returning();
  return row!;
}

/** The lead's timeline, newest first. */
export function findLeadEvents(tx: Tx, accountId: string, leadId: string) {
  return tx
    .select()
    .from(leadEvents)
    .where(and(eq(leadEvents.accountId, accountId), eq(leadEvents.leadId, leadId)))
    .orderBy(desc(leadEvents.createdAt), desc(leadEvents.id));
}

export function findLeadConsents(tx: Tx, accountId: string, leadId: string) {
  return tx
    .select()
    .from(leadConsents)
    .where(and(eq(leadConsents.accountId, accountId), eq(leadConsents.leadId, leadId)))
    .orderBy(desc(leadConsents.createdAt), desc(leadConsents.id));
}
