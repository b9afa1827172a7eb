import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import { forEachAccount } from '../../platform/account-sweep.ts';
import { pruneIdempotencyKeys } from '../../platform/idempotency.ts';
import type { Logger } from '../../platform/logger.ts';
import { countHeldLeads, lockHeldLeads, markLeadsReleased, PLAN_LIMIT } from './held-leads.repo.ts';
import { getAccountPlan, getUsageCounter, insertLeadEvent } from './leads.repo.ts';
import { periodMonthOf } from './leads.service.ts';

function monthStartOf(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/**
 * Lets go of leads held over the plan's limit, as far as the plan now allows, in one
 * transaction, each with a `released` event:
 *
 * - leads held in an earlier month (UTC) are all released: a new month brings a new allowance;
 * - of this month's, the oldest first, as many as the plan has room for: all of them when the
 *   plan is unlimited, else `limit − (leadsCreated − heldThisMonth)` (the leads this month that
 *   are not held already use the allowance).
 *
 * Safe to run at any time and more than once (after an upgrade, daily); answers how many it released.
 */
export async function releaseHeldLeads(db: Database, accountId: string, now: Date): Promise<number> {
  const monthStart = monthStartOf(now);
  return withTenant(db, accountId, async (tx) => {
    const earlier = await lockHeldLeads(tx, accountId, { before: monthStart });
    const thisMonth = await lockHeldLeads(tx, accountId, { from: monthStart });
    let room = thisMonth.length;
    const limit = (await getAccountPlan(tx, accountId)).limits.leads;
    if (limit !== null && limit !== undefined && thisMonth.length > 0) {
      const created = (await getUsageCounter(tx, accountId, periodMonthOf(now)))?.leadsCreated ?? 0;
      room = Math.max(0, limit - (created - thisMonth.length));
    }
    const released = [
      ...earlier.map((l) => ({ id: l.id, reason: 'new_month' })),
      ...thisMonth.slice(0, room).map((l) => ({ id: l.id, reason: 'within_limit' })),
    ];
    await markLeadsReleased(
      tx,
      accountId,
      released.map((l) => l.id),
    );
    for (const lead of released) {
      await insertLeadEvent(tx, {
        accountId,
        id: crypto.randomUUID(),
        leadId: lead.id,
        kind: 'released',
        payload: { heldReason: PLAN_LIMIT, reason: lead.reason },
      });
    }
    return released.length;
  });
}

/** How many leads of the account are held now (any reason). */
export function countHeld(db: Database, accountId: string): Promise<number> {
  return withTenant(db, accountId, (tx) => countHeldLeads(tx, accountId));
}

/**
 * The daily leads maintenance, over every account (forEachAccount): releases held leads the
 * plan now allows and prunes Idempotency-Keys older than 24 h. Every step is idempotent.
 */
export async function runDailyLeadMaintenance(
  db: Database,
  options: { now: Date; logger: Logger },
): Promise<{ accounts: number; released: number; prunedKeys: number; failed: number }> {
  let released = 0;
  let prunedKeys = 0;
  const sweep = await forEachAccount(
    db,
    { reason: 'leads: the daily release and prune', logger: options.logger },
    async (accountId) => {
      if ((await countHeld(db, accountId)) > 0)
        released += await releaseHeldLeads(db, accountId, options.now);
      prunedKeys += await pruneIdempotencyKeys(db, accountId);
    },
  );
  return { ...sweep, released, prunedKeys };
}
