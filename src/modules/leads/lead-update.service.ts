import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import type { LeadStatus } from '../../db/schema/index.ts';
import { isUuid, withTenant } from '../../db/tenant.ts';
import { type FieldError, invalid } from '../../platform/errors.ts';
import type { JobQueue } from '../../platform/jobs.ts';
import { emitLeadWebhookEvents } from '../webhooks/webhooks.events.ts';
import { scoreLeadJob } from './lead-score.jobs.ts';
import { type ContactColumns, contactColumns, MASKED_FIELDS } from './leads.fields.ts';
import { type LifecycleState, transition } from './leads.lifecycle.ts';
import {
  getAccountPlan,
  getLeadForUpdate,
  insertLeadEvent,
  type NewLead,
  type NewLeadEvent,
  updateLeadRow,
} from './leads.repo.ts';
import type { PatchLeadBody } from './leads.schema.ts';
import { asInvalidReference, LEAD_HELD, LEAD_NOT_FOUND, type Lead } from './leads.service.ts';

function lifecycleOf(lead: Lead): LifecycleState {
  return {
    status: lead.status as LeadStatus,
    firstResponseAt: lead.firstResponseAt,
    contactedAt: lead.contactedAt,
    qualifiedAt: lead.qualifiedAt,
    quotedAt: lead.quotedAt,
    bookedAt: lead.bookedAt,
    wonAt: lead.wonAt,
    lostAt: lead.lostAt,
    closedAt: lead.closedAt,
    lostReason: lead.lostReason,
    spamReason: lead.spamReason,
  };
}

/** The API's name of a changed column (events list names, never values). */
const fieldName = (column: string) => (column === 'phoneE164' ? 'phone' : column);

/**
 * Changes a lead, field by field, and writes its timeline in the same transaction:
 *
 * - a status change: `status_changed { from, to, lostReason? }` and the lifecycle columns (see
 *   `transition`); `lost` needs a `lostReason` (422); moving a spam lead to any other status
 *   recovers it;
 * - a new assignee: `assigned { from, to }`; the assignee must be a member of the account (422);
 * - edited fields: `updated { fields }`, naming the changed fields only, never their values.
 *
 * A held lead's status and assignee may change; its hidden contact fields may not (409), so no
 * edit can be used to read them back. Nothing changes (and nothing is written) for a patch that
 * repeats the lead's values. The actor is null for a program (API key).
 */
export async function updateLead(
  db: Database,
  accountId: string,
  input: { id: string; patch: PatchLeadBody; actorUserId: string | null },
  options: { jobs?: JobQueue | undefined } = {},
): Promise<Lead> {
  if (!isUuid(input.id)) throw LEAD_NOT_FOUND();
  const { status, lostReason, assignedUserId, ...contactInput } = input.patch;
  let rescore = false;
  try {
    const result = await withTenant(db, accountId, async (tx, client) => {
      const lead = await getLeadForUpdate(tx, accountId, input.id);
      if (!lead) throw LEAD_NOT_FOUND();
      if (lead.isHeld && MASKED_FIELDS.some((f) => input.patch[f] !== undefined)) throw LEAD_HELD();
      const now = new Date();
      const errors: FieldError[] = [];
      const set: Partial<NewLead> = {};
      const events: Omit<NewLeadEvent, 'accountId' | 'id' | 'leadId'>[] = [];
      const actorUserId = input.actorUserId;

      const given = Object.values(contactInput).some((v) => v !== undefined);
      const contact = given
        ? contactColumns(contactInput, (await getAccountPlan(tx, accountId)).country)
        : {};
      const changed: string[] = [];
      for (const [column, value] of Object.entries(contact) as [keyof ContactColumns, string | null][]) {
        if (lead[column] === value) continue;
        set[column] = value;
        changed.push(fieldName(column));
      }
      if ('email' in set || 'phoneE164' in set) {
        const email = 'email' in set ? set.email : lead.email;
        const phone = 'phoneE164' in set ? set.phoneE164 : lead.phoneE164;
        if (!email && !phone)
          errors.push({ path: 'body.email', message: 'a lead keeps an email or a phone' });
      }

      const from = lead.status as LeadStatus;
      if (status !== undefined && status !== from) {
        if (status === 'lost' && !lostReason)
          errors.push({ path: 'body.lostReason', message: 'is required' });
        if (status !== 'lost' && lostReason) {
          errors.push({ path: 'body.lostReason', message: 'is only for lost leads' });
        }
        Object.assign(set, transition(lifecycleOf(lead), status, now, lostReason));
        events.push({
          kind: 'status_changed',
          payload: { from, to: status, ...(status === 'lost' ? { lostReason } : {}) },
          actorUserId,
        });
      } else if (lostReason !== undefined) {
        if (from !== 'lost') errors.push({ path: 'body.lostReason', message: 'is only for lost leads' });
        else if (lostReason === null) errors.push({ path: 'body.lostReason', message: 'is required' });
        else if (lostReason !== lead.lostReason) {
          set.lostReason = lostReason;
          changed.push('lostReason');
        }
      }
      if (errors.length > 0) throw invalid('LEAD_INVALID', errors);

      if (assignedUserId !== undefined && assignedUserId !== lead.assignedUserId) {
        set.assignedUserId = assignedUserId;
        events.push({
          kind: 'assigned',
          payload: { from: lead.assignedUserId, to: assignedUserId },
          actorUserId,
        });
      }
      if (changed.length > 0) events.push({ kind: 'updated', payload: { fields: changed }, actorUserId });
      if (Object.keys(set).length === 0) return lead;

      const updated = await updateLeadRow(tx, accountId, lead.id, set);
      // Event times come from the database clock (microseconds): one change's events share it.
      for (const event of events) {
        await insertLeadEvent(tx, { ...event, accountId, id: crypto.randomUUID(), leadId: lead.id });
      }
      const statusChanged = updated.status !== from;
      await emitLeadWebhookEvents(client, {
        accountId,
        leadId: lead.id,
        events: statusChanged ? ['lead.updated', 'lead.status_changed'] : ['lead.updated'],
        extra: statusChanged ? { previousStatus: from } : {},
      });
      // New details may change the score: scored again, queued with the change (not for spam).
      if (options.jobs && changed.some((f) => f !== 'lostReason') && updated.status !== 'spam') {
        await options.jobs.enqueue(client, scoreLeadJob, { accountId, leadId: lead.id, event: 'updated' });
        rescore = true;
      }
      return updated;
    });
    if (rescore) options.jobs?.wake(scoreLeadJob.name);
    return result;
  } catch (error) {
    throw asInvalidReference(error);
  }
}
