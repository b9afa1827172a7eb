import crypto from 'node:crypto';
import type { Database, Tx } from '../../db/client.ts';
import { pgError } from '../../db/errors.ts';
import type { LeadSource, LeadStatus, leadEvents, leads } from '../../db/schema/index.ts';
import { isUuid, withTenant } from '../../db/tenant.ts';
import { AppError, type FieldError, invalid, notFound } from '../../platform/errors.ts';
import type { JobQueue } from '../../platform/jobs.ts';
import { findLeadCalls, findLeadMessages, leadSpeed } from '../messaging/lead-messages.service.ts';
import { emitLeadWebhookEvents } from '../webhooks/webhooks.events.ts';
import { PLAN_LIMIT } from './held-leads.repo.ts';
import { scoreLeadJob } from './lead-score.jobs.ts';
import { contactColumns } from './leads.fields.ts';
import { NEW_LEAD_LIFECYCLE, transition } from './leads.lifecycle.ts';
import {
  bumpLeadsCreated,
  findLeadConsents,
  findLeadEvents,
  getAccountPlan,
  getLeadById,
  insertLead,
  insertLeadEvent,
} from './leads.repo.ts';
import type { CreateLeadBody } from './leads.schema.ts';

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
  utmTerm?: string | null;
  utmContent?: string | null;
  referrer?: string | null;
  timeline?: string | null;
  priceMinCents?: number | null;
  priceMaxCents?: number | null;
  details?: Record<string, unknown>;
  /** Default `new`; another status sets its lifecycle timestamps as a change to it would. */
  status?: LeadStatus;
  lostReason?: string | null;
  assignedUserId?: string | null;
  /** Who created it (null for a program or the system). */
  actorUserId?: string | null;
};

export const LEAD_NOT_FOUND = () => notFound('LEAD_NOT_FOUND', 'No such lead');

export function periodMonthOf(date: Date): string {
  return `${date.toISOString().slice(0, 7)}-01`;
}

/** A foreign-key violation, optionally of one named constraint (PGlite names it only in the message). */
export function isForeignKeyViolation(error: unknown, constraint: string): boolean {
  const e = pgError(error);
  return (
    e?.code === '23503' && (e.constraint === constraint || (e.message ?? '').includes(`"${constraint}"`))
  );
}

/** 422s for references to another account's page or a non-member assignee; other errors as they were. */
export function asInvalidReference(error: unknown): unknown {
  if (isForeignKeyViolation(error, 'leads_page_fkey')) {
    return invalid('LEAD_PAGE_INVALID', [{ path: 'body.pageId', message: 'is not a page of this account' }]);
  }
  if (isForeignKeyViolation(error, 'leads_assignee_fkey')) {
    return invalid('LEAD_ASSIGNEE_INVALID', [
      { path: 'body.assignedUserId', message: 'is not a member of this account' },
    ]);
  }
  return error;
}

/**
 * Inside the caller's transaction: stores a lead with its `created` event and counts it in the
 * month, holding it (`is_held`, `plan_limit`) when the count passes the plan's monthly limit, as
 * intake does. The counter's upsert answers the new count, so the held decision and the insert
 * are one atomic step. A lead created as spam is not counted.
 */
export async function insertNewLead(
  tx: Tx,
  accountId: string,
  input: CreateLeadInput,
  now: Date,
): Promise<Lead> {
  const leadId = crypto.randomUUID();
  const { actorUserId = null, status = 'new', lostReason, ...fields } = input;
  let isHeld = false;
  if (status !== 'spam') {
    const created = await bumpLeadsCreated(tx, accountId, crypto.randomUUID(), periodMonthOf(now));
    const limit = (await getAccountPlan(tx, accountId)).limits.leads;
    isHeld = limit !== null && limit !== undefined && created > limit;
  }
  const lead = await insertLead(tx, {
    accountId,
    id: leadId,
    ...fields,
    ...transition(NEW_LEAD_LIFECYCLE, status, now, lostReason),
    isHeld,
    heldReason: isHeld ? PLAN_LIMIT : null,
    createdAt: now,
    updatedAt: now,
    lastSubmittedAt: now,
  });
  await insertLeadEvent(tx, {
    accountId,
    id: crypto.randomUUID(),
    leadId,
    kind: 'created',
    payload: {
      source: input.source,
      ...(status !== 'new' ? { status } : {}),
      ...(isHeld ? { held: true } : {}),
    },
    actorUserId,
    createdAt: now,
  });
  return lead;
}

/**
 * Stores a lead with its `created` event and counts it, in one transaction (held over the
 * plan's limit). Input is taken as given: callers normalise it (see addLead).
 */
export async function createLead(db: Database, accountId: string, input: CreateLeadInput): Promise<Lead> {
  try {
    return await withTenant(db, accountId, (tx) => insertNewLead(tx, accountId, input, new Date()));
  } catch (error) {
    throw asInvalidReference(error);
  }
}

/**
 * A lead typed in by a person or sent by a program (POST /api/v1/leads): checks and normalises
 * the fields (phone numbers read in the account's country), then stores it as createLead does.
 * With a job queue, its scoring (`leads.score`) is queued in the same transaction, as intake's is.
 */
export async function addLead(
  db: Database,
  accountId: string,
  body: CreateLeadBody,
  actorUserId: string | null,
  options: { jobs?: JobQueue | undefined } = {},
): Promise<Lead> {
  const errors: FieldError[] = [];
  if (!body.email?.trim() && !body.phone?.trim()) {
    errors.push({ path: 'body.email', message: 'give an email or a phone number' });
  }
  const status = body.status ?? 'new';
  if (status === 'lost' && !body.lostReason) errors.push({ path: 'body.lostReason', message: 'is required' });
  if (status !== 'lost' && body.lostReason) {
    errors.push({ path: 'body.lostReason', message: 'is only for lost leads' });
  }
  if (body.priceMin != null && body.priceMax != null && body.priceMin > body.priceMax) {
    errors.push({ path: 'body.priceMax', message: 'is below priceMin' });
  }
  if (errors.length > 0) throw invalid('LEAD_INVALID', errors);
  const { priceMin, priceMax, phone: _phone, ...rest } = body;
  const { jobs } = options;
  let lead: Lead;
  try {
    lead = await withTenant(db, accountId, async (tx, client) => {
      const { country } = await getAccountPlan(tx, accountId);
      const contact = contactColumns(body, country);
      const created = await insertNewLead(
        tx,
        accountId,
        {
          ...rest,
          ...contact,
          status,
          priceMinCents: priceMin == null ? null : priceMin * 100,
          priceMaxCents: priceMax == null ? null : priceMax * 100,
          actorUserId,
        },
        new Date(),
      );
      if (created.status !== 'spam')
        await emitLeadWebhookEvents(client, { accountId, leadId: created.id, events: ['lead.created'] });
      if (jobs && created.status !== 'spam') {
        await jobs.enqueue(client, scoreLeadJob, { accountId, leadId: created.id, event: 'created' });
      }
      return created;
    });
  } catch (error) {
    throw asInvalidReference(error);
  }
  if (jobs && lead.status !== 'spam') jobs.wake(scoreLeadJob.name);
  return lead;
}

/**
 * One of the account's leads with its timeline and consent records; 404 for any other id. Read in
 * one snapshot: the score on the lead and the `scored` event that records it are seen together.
 */
export async function getLeadDetail(db: Database, accountId: string, id: string) {
  if (!isUuid(id)) throw LEAD_NOT_FOUND();
  return withTenant(
    db,
    accountId,
    async (tx, client) => {
      const lead = await getLeadById(tx, accountId, id);
      if (!lead) throw LEAD_NOT_FOUND();
      const [events, consents, messages, calls, speed] = [
        await findLeadEvents(tx, accountId, id),
        await findLeadConsents(tx, accountId, id),
        await findLeadMessages(client, accountId, id),
        await findLeadCalls(client, accountId, id),
        await leadSpeed(client, accountId, id),
      ];
      return { lead, events, consents, messages, calls, speed };
    },
    { snapshot: true },
  );
}

/** Adds a note to a lead's timeline (a `note` event with its author). */
export async function addLeadNote(
  db: Database,
  accountId: string,
  input: { leadId: string; body: string; actorUserId: string | null },
): Promise<LeadEvent> {
  if (!isUuid(input.leadId)) throw LEAD_NOT_FOUND();
  const body = input.body.trim();
  if (!body) throw invalid('LEAD_NOTE_EMPTY', [{ path: 'body.body', message: 'is empty' }]);
  return withTenant(db, accountId, async (tx, client) => {
    if (!(await getLeadById(tx, accountId, input.leadId))) throw LEAD_NOT_FOUND();
    const note = await insertLeadEvent(tx, {
      accountId,
      id: crypto.randomUUID(),
      leadId: input.leadId,
      kind: 'note',
      payload: { body },
      actorUserId: input.actorUserId,
    });
    const extra = { noteId: note.id, noteCreatedAt: note.createdAt.toISOString() };
    await emitLeadWebhookEvents(client, {
      accountId,
      leadId: input.leadId,
      events: ['lead.note_added'],
      extra,
    });
    return note;
  });
}

/** A conflict raised when a held lead's hidden fields are edited. */
export const LEAD_HELD = () =>
  new AppError(
    'conflict',
    'LEAD_HELD',
    "This lead is held over the plan's limit: its contact details can be edited once it is released",
  );
