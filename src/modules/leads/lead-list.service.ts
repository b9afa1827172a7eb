import type { Database } from '../../db/client.ts';
import { type LeadStatus, leadStatuses } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { decodeCursor, encodeCursor } from './leads.cursor.ts';
import { countLeads, findLeads, type LeadFilters } from './leads.query.ts';
import type { Lead } from './leads.service.ts';

export type LeadCounts = { byStatus: Record<LeadStatus, number>; held: number };

export type LeadPage = { leads: Lead[]; nextCursor: string | null; counts?: LeadCounts };

function tally(rows: { status: string; n: number }[], held: number): LeadCounts {
  const byStatus = Object.fromEntries(leadStatuses.map((s) => [s, 0])) as Record<LeadStatus, number>;
  for (const r of rows) if (r.status in byStatus) byStatus[r.status as LeadStatus] = Number(r.n);
  return { byStatus, held: Number(held) };
}

/**
 * A page of the account's leads, newest first, narrowed by `filters`. The cursor is the last
 * row's (created_at, id) and the next page starts strictly after it, so rows that share a
 * created_at are neither repeated nor skipped, and leads added meanwhile do not shift pages.
 */
export async function listLeads(
  db: Database,
  accountId: string,
  options: { filters: LeadFilters; limit: number; cursor?: string | undefined; withCounts?: boolean },
): Promise<LeadPage> {
  const cursor = options.cursor ? decodeCursor(options.cursor) : undefined;
  return withTenant(db, accountId, async (tx) => {
    const rows = await findLeads(tx, accountId, options.filters, options.limit, cursor);
    const more = rows.length > options.limit;
    const page = more ? rows.slice(0, options.limit) : rows;
    const last = page[page.length - 1];
    const result: LeadPage = {
      leads: page.map(({ cursorAt: _c, ...lead }) => lead),
      nextCursor: more && last ? encodeCursor({ at: last.cursorAt, id: last.id }) : null,
    };
    if (options.withCounts) {
      const counts = await countLeads(tx, accountId);
      result.counts = tally(counts.byStatus, counts.held);
    }
    return result;
  });
}

/** How many of the account's leads are in each status (every status named, 0 included) and held. */
export async function countLeadStatuses(db: Database, accountId: string): Promise<LeadCounts> {
  const counts = await withTenant(db, accountId, (tx) => countLeads(tx, accountId));
  return tally(counts.byStatus, counts.held);
}
