import { z } from 'zod';
import type { LeadSource, LeadStatus, leadConsents, leadEvents, leads } from '../../db/schema/index.ts';
import type { LeadCallView, LeadMessageView } from '../messaging/lead-messages.service.ts';
import { type ScoreReason, scoreReasonSchema } from '../scoring/scorer.ts';
import type { LeadView } from './leads.schema.ts';

type LeadRow = typeof leads.$inferSelect;
type EventRow = typeof leadEvents.$inferSelect;
type ConsentRow = typeof leadConsents.$inferSelect;

const BULLETS = '•••';

/** "Jane Doe" → "J…". */
export function maskName(name: string | null): string | null {
  const first = name ? [...name.trim()][0] : undefined;
  return first ? `${first.toUpperCase()}…` : null;
}

/** "jane@example.com" → "j•••@•••.com": the first letter and the top-level domain only. */
export function maskEmail(email: string | null): string | null {
  if (!email) return null;
  const at = email.lastIndexOf('@');
  const first = [...email.slice(0, Math.max(at, 0))][0] ?? '';
  const domain = email.slice(at + 1);
  const tld = domain.includes('.') ? domain.slice(domain.lastIndexOf('.')) : '';
  return `${first}${BULLETS}@${BULLETS}${tld}`;
}

/** "+15125550142" → "+1•••••••42": a fixed width, so the length tells nothing either. */
export function maskPhone(phone: string | null): string | null {
  if (!phone) return null;
  return `${phone.slice(0, 2)}•••••••${phone.slice(-2)}`;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Stored reasons as the API types them; a list in any other shape is left out, not a 500. */
function reasonsOf(stored: unknown): ScoreReason[] | null {
  const parsed = z.array(scoreReasonSchema).safeParse(stored);
  return parsed.success ? parsed.data : null;
}
const dollars = (cents: number | null) => (cents === null ? null : Math.round(cents / 100));

/**
 * A lead as the API shows it. A held lead (over the plan's limit) shows who it is only in
 * outline — initial, masked email and phone, no address, message or AI summary — until it is
 * released, whatever the route (list, detail, PATCH's answer).
 */
export function presentLead(l: LeadRow): LeadView {
  const masked = l.isHeld;
  return {
    id: l.id,
    status: l.status as LeadStatus,
    source: l.source as LeadSource,
    fullName: masked ? maskName(l.fullName) : l.fullName,
    email: masked ? maskEmail(l.email) : l.email,
    phone: masked ? maskPhone(l.phoneE164) : l.phoneE164,
    addressLine: masked ? null : l.addressLine,
    city: l.city,
    state: l.state,
    postalCode: l.postalCode,
    message: masked ? null : l.message,
    timeline: l.timeline,
    priceMin: dollars(l.priceMinCents),
    priceMax: dollars(l.priceMaxCents),
    details: l.details,
    utmSource: l.utmSource,
    utmMedium: l.utmMedium,
    utmCampaign: l.utmCampaign,
    utmTerm: l.utmTerm,
    utmContent: l.utmContent,
    referrer: l.referrer,
    pageId: l.pageId,
    assignedUserId: l.assignedUserId,
    isHeld: l.isHeld,
    heldReason: l.heldReason,
    spamReason: l.spamReason,
    submissionCount: l.submissionCount,
    lastSubmittedAt: l.lastSubmittedAt.toISOString(),
    aiScore: l.aiScore,
    aiSummary: masked ? null : l.aiSummary,
    aiReasons: masked ? null : reasonsOf(l.aiReasons),
    aiScorer: l.aiScorer,
    aiModel: l.aiModel,
    aiVersion: l.aiVersion,
    aiScoredAt: iso(l.aiScoredAt),
    consentGiven: l.consentGiven,
    lostReason: l.lostReason,
    firstResponseAt: iso(l.firstResponseAt),
    contactedAt: iso(l.contactedAt),
    qualifiedAt: iso(l.qualifiedAt),
    quotedAt: iso(l.quotedAt),
    bookedAt: iso(l.bookedAt),
    wonAt: iso(l.wonAt),
    lostAt: iso(l.lostAt),
    closedAt: iso(l.closedAt),
    createdAt: l.createdAt.toISOString(),
    updatedAt: l.updatedAt.toISOString(),
    masked,
  };
}

/** Event kinds whose payload holds no contact details (a resubmission's payload does). */
const SAFE_WHILE_HELD = new Set([
  'created',
  'status_changed',
  'assigned',
  'updated',
  'note',
  'released',
  'scored',
]);

export function presentEvent(e: EventRow, masked = false) {
  return {
    id: e.id,
    kind: e.kind,
    payload: masked && !SAFE_WHILE_HELD.has(e.kind) ? {} : e.payload,
    actorUserId: e.actorUserId,
    createdAt: e.createdAt.toISOString(),
  };
}

export function presentConsent(c: ConsentRow) {
  return {
    id: c.id,
    given: c.given,
    consentText: c.consentText,
    textHash: c.textHash,
    textVersion: c.textVersion,
    pageUrl: c.pageUrl,
    ip: c.ip,
    userAgent: c.userAgent,
    createdAt: c.createdAt.toISOString(),
  };
}

/** The detail of a lead: while it is held, event payloads that could name the person are emptied and consents left out. */
export function presentLeadDetail(
  l: LeadRow,
  events: EventRow[],
  consents: ConsentRow[],
  messages: LeadMessageView[],
  calls: LeadCallView[],
  speed: { firstAlertSeconds: number | null; firstTouchSeconds: number | null },
) {
  return {
    ...presentLead(l),
    events: events.map((e) => presentEvent(e, l.isHeld)),
    consents: l.isHeld ? [] : consents.map(presentConsent),
    // A held lead's messages would show its address: none until it is released.
    messages: l.isHeld ? [] : messages,
    calls: l.isHeld ? [] : calls,
    speedToLead: speed,
  };
}
