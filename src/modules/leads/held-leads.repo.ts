import { and, asc, count, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { leads } from '../../db/schema/index.ts';

/** The only hold that releasing undoes: over the plan's monthly limit. */
export const PLAN_LIMIT = 'plan_limit';

/**
 * The account's leads held over the plan's limit and created before / from `monthStart`,
 * oldest first, locked so two releases cannot both let the same lead go.
 */
export function lockHeldLeads(tx: Tx, accountId: string, range: { before: Date } | { from: Date }) {
  return tx
    .select({ id: leads.id, createdAt: leads.createdAt })
    .from(leads)
    .where(
      and(
        eq(leads.accountId, accountId),
        eq(leads.isHeld, true),
        eq(leads.heldReason, PLAN_LIMIT),
        'before' in range ? lt(leads.createdAt, range.before) : gte(leads.createdAt, range.from),
      ),
    )
    .orderBy(asc(leads.createdAt), asc(leads.id))
    .for('update');
}

export async function markLeadsReleased(tx: Tx, accountId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx
    .update(leads)
    .set({ isHeld: false, heldReason: null, updatedAt: sql`now()` })
    .where(and(eq(leads.accountId, accountId), inArray(leads.id, ids)));
}

/** How many of the account's leads are held, for whatever reason. */
export async function countHeldLeads(tx: Tx, accountId: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(leads)
    .where(and(eq(leads.accountId, accountId), eq(leads.isHeld, true)));
  return Number(row?.n ?? 0);
}
