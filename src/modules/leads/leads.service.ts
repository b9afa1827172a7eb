import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import type { LeadSource, leadEvents, leads } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { bumpUsage, insertLead, insertLeadEvent } from './leads.repo.ts';

export type Lead = typeof leads.$inferSelect;
export type LeadEvent = typeof leadEvents.$inferSelect;

export type CreateLeadInput = {
  source: LeadSource;
  pageId?: string | null;
  fullName?: string | null;
  email?: string | null;
  phoneE164?: string | null;
  addressLine?: string | null;
  city?: string | null;
  state?: string | null;
  postalCode?: string | null;
  message?: string | null;
  utmSource?: string | null;
  utmMedium?: string | null;
  utmCampaign?: string | null;
};

export function periodMonthOf(date: Date): string {
  return `${date.toISOString().slice(0, 7)}-01`;
}

/**
 * Stores a lead with its `created` event and counts it, in one transaction. (Intake's
 * validation, normalisation, dedupe and notifications build on this.)
 */
export async function createLead(db: Database, accountId: string, input: CreateLeadInput): Promise<Lead> {
  const leadId = crypto.randomUUID();
  const now = new Date();
  return withTenant(db, accountId, async (tx) => {
    const lead = await insertLead(tx, { accountId, id: leadId, ...input, createdAt: now, updatedAt: now });
    await insertLeadEvent(tx, {
      accountId,
      id: crypto.randomUUID(),
      leadId,
      kind: 'created',
      payload: { source: input.source },
      createdAt: now,
    });
    await bumpUsage(tx, accountId, crypto.randomUUID(), periodMonthOf(now), 'leadsCreated');
    return lead;
  });
}
