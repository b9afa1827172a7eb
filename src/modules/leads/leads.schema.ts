import { z } from 'zod';
import { callOutcomes, leadSources, leadStatuses } from '../../db/schema/index.ts';
import { scoreReasonSchema } from '../scoring/scorer.ts';

const iso = z.string();
const isoOrNull = z.string().nullable();

/** A lead as the API shows it. While it is held, contact details are masked (`masked: true`). */
export const leadSchema = z.object({
  id: z.uuid(),
  status: z.enum(leadStatuses),
  source: z.enum(leadSources),
  fullName: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  addressLine: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  postalCode: z.string().nullable(),
  message: z.string().nullable(),
  timeline: z.string().nullable(),
  priceMin: z.number().int().nullable(),
  priceMax: z.number().int().nullable(),
  details: z.record(z.string(), z.unknown()),
  utmSource: z.string().nullable(),
  utmMedium: z.string().nullable(),
  utmCampaign: z.string().nullable(),
  utmTerm: z.string().nullable(),
  utmContent: z.string().nullable(),
  referrer: z.string().nullable(),
  pageId: z.uuid().nullable(),
  assignedUserId: z.uuid().nullable(),
  isHeld: z.boolean(),
  heldReason: z.string().nullable(),
  spamReason: z.string().nullable(),
  submissionCount: z.number().int(),
  lastSubmittedAt: iso,
  aiScore: z.number().int().nullable().describe('0–100; kept while the lead is held'),
  aiSummary: z.string().nullable().describe('one paragraph for the agent; null while the lead is held'),
  aiReasons: z
    .array(scoreReasonSchema)
    .nullable()
    .describe('the signals behind the score, biggest first after the `base`; null while the lead is held'),
  aiScorer: z.string().nullable().describe('which scorer: `heuristic`, …'),
  aiModel: z.string().nullable(),
  aiVersion: z.string().nullable().describe("the scorer's weights or prompt version"),
  aiScoredAt: isoOrNull,
  consentGiven: z.boolean(),
  lostReason: z.string().nullable(),
  firstResponseAt: isoOrNull,
  contactedAt: isoOrNull,
  qualifiedAt: isoOrNull,
  quotedAt: isoOrNull,
  bookedAt: isoOrNull,
  wonAt: isoOrNull,
  lostAt: isoOrNull,
  closedAt: isoOrNull,
  createdAt: iso,
  updatedAt: iso,
  /** True while the lead is held: name, email, phone, address and message are hidden. */
  masked: z.boolean(),
});
export type LeadView = z.infer<typeof leadSchema>;

export const leadEventSchema = z.object({
  id: z.uuid(),
  kind: z.string(),
  payload: z.record(z.string(), z.unknown()),
  actorUserId: z.uuid().nullable(),
  createdAt: iso,
});

export const leadConsentSchema = z.object({
  id: z.uuid(),
  given: z.boolean(),
  consentText: z.string(),
  textHash: z.string(),
  textVersion: z.string().nullable(),
  pageUrl: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  createdAt: iso,
});

export const leadMessageSchema = z.object({
  id: z.string(),
  channel: z.enum(['email', 'sms']),
  direction: z.enum(['outbound', 'inbound']),
  kind: z.string(),
  to: z.string(),
  from: z.string(),
  subject: z.string().nullable(),
  body: z.string(),
  status: z.string(),
  error: z.string().nullable(),
  attempts: z.number().int(),
  sendAfter: z
    .string()
    .nullable()
    .describe("a text waiting out the lead's quiet hours (8:00–21:00) goes then"),
  sentAt: z.string().nullable(),
  createdAt: z.string(),
});

export const leadCallSchema = z.object({
  id: z.string(),
  direction: z.enum(['outbound', 'inbound']),
  kind: z.enum(['voice_callback', 'inbound']),
  from: z.string(),
  to: z.string(),
  status: z.string(),
  outcome: z.enum(callOutcomes).nullable(),
  durationSeconds: z.number().int().nullable(),
  error: z.string().nullable(),
  sendAfter: z.string().nullable(),
  answeredAt: z.string().nullable(),
  createdAt: z.string(),
});

export const leadDetailSchema = leadSchema.extend({
  events: z.array(leadEventSchema),
  consents: z.array(leadConsentSchema),
  messages: z.array(leadMessageSchema),
  calls: z.array(leadCallSchema),
  speedToLead: z.object({
    firstAlertSeconds: z.number().nullable().describe('from the lead to the first agent alert sent'),
    firstTouchSeconds: z
      .number()
      .nullable()
      .describe(
        'from the lead to the first human touch: a working status, a note, a message or a call answered',
      ),
  }),
});

export const leadCountsSchema = z.object({
  byStatus: z.object(
    Object.fromEntries(leadStatuses.map((s) => [s, z.number().int()])) as {
      [K in (typeof leadStatuses)[number]]: z.ZodNumber;
    },
  ),
  held: z.number().int(),
});

export const leadListSchema = z.object({
  data: z.array(leadSchema),
  nextCursor: z.string().nullable(),
  counts: leadCountsSchema.optional(),
});

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const leadListQuery = z.object({
  status: z.enum(leadStatuses).optional(),
  source: z.enum(leadSources).optional(),
  pageId: z.uuid().optional(),
  assignedTo: z.union([z.literal('none'), z.uuid()]).optional(),
  held: flag.optional(),
  /** Spam is left out unless `status=spam` or `spam=true`. */
  spam: flag.optional(),
  /** Name, email, phone or address contains this (at least 2 characters). */
  q: z.string().trim().min(2).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
  /** Adds `counts` (as GET /api/v1/leads/counts) to the answer. */
  counts: flag.optional(),
});
export type LeadListQuery = z.infer<typeof leadListQuery>;

/** Any string: an id that is not a uuid answers 404 like any id that is not this account's lead. */
export const leadParams = z.object({ id: z.string() });

const text = (max: number) => z.string().max(max).nullable().optional();
const email = z.string().trim().toLowerCase().pipe(z.email().max(254));

const contactFields = {
  fullName: text(200),
  email: email.nullable().optional(),
  phone: z.string().max(40).nullable().optional(),
  addressLine: text(300),
  city: text(100),
  state: text(100),
  postalCode: text(20),
  message: text(5000),
  timeline: text(100),
};

export const patchLeadBody = z.strictObject({
  status: z.enum(leadStatuses).optional(),
  /** Required with `status: lost`; may be changed while the lead is lost. */
  lostReason: z.string().trim().min(1).max(500).nullable().optional(),
  /** A member of the account, or null to unassign. */
  assignedUserId: z.uuid().nullable().optional(),
  ...contactFields,
});
export type PatchLeadBody = z.infer<typeof patchLeadBody>;

const dollars = z.number().int().min(0).max(10_000_000_000).nullable().optional();

export const createLeadBody = z.strictObject({
  source: z.enum(leadSources).default('api'),
  status: z.enum(leadStatuses).optional(),
  lostReason: z.string().trim().min(1).max(500).optional(),
  assignedUserId: z.uuid().nullable().optional(),
  pageId: z.uuid().nullable().optional(),
  ...contactFields,
  /** Whole dollars. */
  priceMin: dollars,
  priceMax: dollars,
  details: z.record(z.string(), z.unknown()).optional(),
  utmSource: text(200),
  utmMedium: text(200),
  utmCampaign: text(200),
  utmTerm: text(200),
  utmContent: text(200),
  referrer: text(2000),
});
export type CreateLeadBody = z.infer<typeof createLeadBody>;

export const noteBody = z.strictObject({ body: z.string().trim().min(1).max(10_000) });

export const usageSchema = z.object({
  periodMonth: z.string(),
  plan: z.object({ code: z.string(), name: z.string() }),
  counters: z.object({
    leadsCreated: z.number().int(),
    emailsSent: z.number().int(),
    smsSent: z.number().int(),
    aiCalls: z.number().int(),
  }),
  /** Monthly limits of the plan; null is unlimited. */
  limits: z.object({
    leads: z.number().int().nullable(),
    emails: z.number().int().nullable(),
    sms: z.number().int().nullable(),
    aiCalls: z.number().int().nullable(),
  }),
  /** Leads held back over the plan's limit, waiting for an upgrade or next month. */
  heldLeads: z.number().int(),
});
