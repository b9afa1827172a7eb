import { type LeadSource, type LeadStatus, leadSources, leadStatuses } from '../../db/schema/index.ts';
import { isUuid } from '../../db/tenant.ts';
import type { FieldError } from '../../platform/errors.ts';
import { normalizeEmail, normalizePhone, normalizeSubmission } from '../intake/normalize.ts';
import { unescapeCell } from './csv-cells.ts';
import { foldHeader, type ImportPreset } from './csv-presets.ts';

/**
 * One staged CSV row (header → cell) read through the import's mapping into what a lead or a
 * contact stores, normalized as intake does (names, emails, phones in E.164 in the account's
 * country), or the row's errors, each naming the CSV column. Pure: no database, no clock but `now`.
 */

export type RowContext = {
  country: string;
  preset: ImportPreset;
  mapping: Record<string, string>;
  /** The account's members: lower-cased email → user id (for an "assigned to" column). */
  members: Map<string, string>;
  now: Date;
};

export type LeadValues = {
  fullName: string | null;
  email: string | null;
  phoneE164: string | null;
  addressLine: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  message: string | null;
  timeline: string | null;
  priceMinCents: number | null;
  priceMaxCents: number | null;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  utmTerm: string | null;
  utmContent: string | null;
  referrer: string | null;
  assignedUserId: string | null;
  aiScore: number | null;
  aiSummary: string | null;
  lostReason: string | null;
  /** A page id as the file gave it; the job keeps it only when it is one of the account's pages. */
  pageId: string | null;
  status: LeadStatus;
  source: LeadSource;
  createdAt: Date | null;
  updatedAt: Date | null;
  details: Record<string, unknown>;
};

export type ContactValues = {
  fullName: string | null;
  email: string | null;
  phoneE164: string | null;
  type: string | null;
  company: string | null;
  notes: string | null;
  createdAt: Date | null;
  updatedAt: Date | null;
};

export type RowResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Vendor pipeline stages → our statuses (folded). Anything else is `new`, the stage kept in details. */
const STATUS_SYNONYMS: Record<string, LeadStatus> = {
  lead: 'new',
  newlead: 'new',
  open: 'new',
  attemptedcontact: 'contacted',
  attempted: 'contacted',
  spokewithcustomer: 'contacted',
  prospect: 'contacted',
  nurture: 'contacted',
  active: 'contacted',
  engaged: 'contacted',
  hotprospect: 'qualified',
  hot: 'qualified',
  activeclient: 'qualified',
  client: 'qualified',
  metwithcustomer: 'qualified',
  showinghomes: 'qualified',
  submittingoffers: 'quoted',
  offer: 'quoted',
  appointmentset: 'booked',
  appointment: 'booked',
  pending: 'booked',
  undercontract: 'booked',
  closed: 'won',
  saleclosed: 'won',
  pastclient: 'won',
  won: 'won',
  trash: 'lost',
  rejected: 'lost',
  notinterested: 'lost',
  unresponsive: 'lost',
  cold: 'lost',
  archived: 'lost',
  dead: 'lost',
  junk: 'spam',
};

const SOURCE_SYNONYMS: Record<string, LeadSource> = {
  website: 'website',
  web: 'website',
  referral: 'referral',
  googleads: 'google_ads',
  googleppc: 'google_ads',
  adwords: 'google_ads',
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g;

function cleanText(value: string, max: number, multiline = false): string | null | undefined {
  const text = value.normalize('NFC').replace(CONTROL, '').replace(/\r\n?/g, '\n');
  const out = multiline
    ? text
        .split('\n')
        .map((l) => l.replace(/[^\S\n]+/g, ' ').trim())
        .join('\n')
        .replace(/\n{3,}/g, '\n\n')
        .trim()
    : text.replace(/\s+/g, ' ').trim();
  if (out === '') return null;
  return out.length > max ? undefined : out;
}

function parseTime(raw: string, now: Date): Date | undefined {
  const t = Date.parse(raw);
  // Up to a day ahead: a file written in a time zone east of UTC.
  if (!Number.isFinite(t) || t > now.getTime() + 86_400_000 || t < Date.UTC(1970, 0, 1)) return undefined;
  return new Date(t);
}

/** The first address of a cell that lists several ("a@x.com, b@y.com"); the whole cell is kept too. */
function firstOf(cell: string): { first: string; several: boolean } {
  const parts = cell.split(/\s*[,;|]\s*/).filter((p) => p !== '');
  return { first: parts[0] ?? '', several: parts.length > 1 };
}

/** Cells by field: the first non-empty column of each field wins; the rest go to `extra`. */
function collect(data: Record<string, string>, ctx: RowContext) {
  const byField = new Map<string, { header: string; value: string }>();
  const extra: [string, string][] = [];
  for (const [header, raw] of Object.entries(data)) {
    const cell = ctx.preset === 'porchlight' ? unescapeCell(raw) : raw;
    if (cell.trim() === '') continue;
    const field = ctx.mapping[header];
    if (field === 'ignore') continue;
    if (!field || byField.has(field)) extra.push([header, cell.trim()]);
    else byField.set(field, { header, value: cell });
  }
  return { byField, extra };
}

function nameOf(byField: Map<string, { header: string; value: string }>) {
  const full = byField.get('fullName');
  if (full) return { header: full.header, value: full.value };
  const first = byField.get('firstName');
  const last = byField.get('lastName');
  if (!first && !last) return undefined;
  return {
    header: (first ?? last)!.header,
    value: [first?.value, last?.value].filter(Boolean).join(' '),
  };
}

const INTAKE_TEXT_FIELDS = [
  'email',
  'phone',
  'addressLine',
  'city',
  'state',
  'postalCode',
  'message',
  'timeline',
  'priceMin',
  'priceMax',
  'utmSource',
  'utmMedium',
  'utmCampaign',
  'utmTerm',
  'utmContent',
  'referrer',
] as const;

/** A staged row as a lead, or its errors (each `path` is a CSV column's header). */
export function readLeadRow(data: Record<string, string>, ctx: RowContext): RowResult<LeadValues> {
  const { byField, extra } = collect(data, ctx);
  const details: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  const headerOf = new Map<string, string>();
  const body: Record<string, string> = {};
  const name = nameOf(byField);
  if (name) {
    body.fullName = name.value;
    headerOf.set('fullName', name.header);
  }
  for (const field of INTAKE_TEXT_FIELDS) {
    const got = byField.get(field);
    if (!got) continue;
    headerOf.set(field, got.header);
    if (field === 'email' || field === 'phone') {
      const { first, several } = firstOf(got.value);
      body[field] = first;
      if (several) details[got.header] = got.value.trim();
    } else body[field] = got.value;
  }
  const normalized = normalizeSubmission(body, { country: ctx.country });
  if (!normalized.ok) {
    for (const e of normalized.errors) {
      const missing = e.message === 'enter an email address or a phone number';
      errors.push({
        path: headerOf.get(e.path) ?? e.path,
        message: missing ? 'needs an email address or a phone number to identify the person' : e.message,
      });
    }
  }

  const status = readStatus(byField.get('status'), details);
  const source = readSource(byField.get('source'), details);
  const createdAt = readTime(byField.get('createdAt'), ctx.now, errors);
  const updatedAt = readTime(byField.get('updatedAt'), ctx.now, errors);

  let aiScore: number | null = null;
  const score = byField.get('aiScore');
  if (score) {
    const n = Number(score.value.trim());
    if (Number.isInteger(n) && n >= 0 && n <= 100) aiScore = n;
    else errors.push({ path: score.header, message: 'must be a whole number from 0 to 100' });
  }
  const aiSummary = readText(byField.get('aiSummary'), 5000, errors, true);
  const lostReason = readText(byField.get('lostReason'), 500, errors);

  let pageId: string | null = null;
  const page = byField.get('pageId');
  if (page) {
    if (isUuid(page.value.trim())) pageId = page.value.trim().toLowerCase();
    else details[page.header] = page.value.trim();
  }
  let assignedUserId: string | null = null;
  const assignee = byField.get('assignedUserEmail');
  if (assignee) {
    assignedUserId = ctx.members.get(assignee.value.trim().toLowerCase()) ?? null;
    if (!assignedUserId) details[assignee.header] = assignee.value.trim();
  }
  const fileDetails = byField.get('details');
  if (fileDetails) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fileDetails.value);
    } catch {
      parsed = undefined;
    }
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(details, parsed);
    else errors.push({ path: fileDetails.header, message: 'must be a JSON object' });
  }
  for (const [header, value] of extra) if (!(header in details)) details[header] = value;

  if (errors.length || !normalized.ok) return { ok: false, errors };
  const lead = normalized.value.lead;
  return {
    ok: true,
    value: {
      fullName: lead.fullName ?? null,
      email: lead.email ?? null,
      phoneE164: lead.phoneE164 ?? null,
      addressLine: lead.addressLine ?? null,
      city: lead.city ?? null,
      state: lead.state ?? null,
      postalCode: lead.postalCode ?? null,
      message: lead.message ?? null,
      timeline: lead.timeline ?? null,
      priceMinCents: lead.priceMinCents ?? null,
      priceMaxCents: lead.priceMaxCents ?? null,
      utmSource: lead.utmSource ?? null,
      utmMedium: lead.utmMedium ?? null,
      utmCampaign: lead.utmCampaign ?? null,
      utmTerm: lead.utmTerm ?? null,
      utmContent: lead.utmContent ?? null,
      referrer: lead.referrer ?? null,
      assignedUserId,
      aiScore,
      aiSummary,
      lostReason,
      pageId,
      status,
      source,
      createdAt,
      updatedAt,
      details: { ...lead.details, ...details },
    },
  };
}

/** A staged row as a contact, or its errors. Columns no field takes are appended to the notes. */
export function readContactRow(data: Record<string, string>, ctx: RowContext): RowResult<ContactValues> {
  const { byField, extra } = collect(data, ctx);
  const errors: FieldError[] = [];
  const name = nameOf(byField);
  const fullName = name ? readText({ header: name.header, value: name.value }, 200, errors) : null;
  let email: string | null = null;
  const emailCell = byField.get('email');
  if (emailCell) {
    const { first, several } = firstOf(emailCell.value);
    email = normalizeEmail(first);
    if (!email) errors.push({ path: emailCell.header, message: 'is not an email address' });
    if (several) extra.push([emailCell.header, emailCell.value.trim()]);
  }
  let phoneE164: string | null = null;
  const phoneCell = byField.get('phone');
  if (phoneCell) {
    const { first, several } = firstOf(phoneCell.value);
    phoneE164 = normalizePhone(first, ctx.country);
    if (!phoneE164) errors.push({ path: phoneCell.header, message: 'is not a valid phone number' });
    if (several) extra.push([phoneCell.header, phoneCell.value.trim()]);
  }
  const type = readText(byField.get('type'), 100, errors);
  const company = readText(byField.get('company'), 200, errors);
  const notesCell = byField.get('notes');
  const notesText = [notesCell?.value, ...extra.map(([h, v]) => `${h}: ${v}`)].filter(Boolean).join('\n');
  const notes = readText(
    notesText ? { header: notesCell?.header ?? 'notes', value: notesText } : undefined,
    10_000,
    errors,
    true,
  );
  const createdAt = readTime(byField.get('createdAt'), ctx.now, errors);
  const updatedAt = readTime(byField.get('updatedAt'), ctx.now, errors);
  if (!fullName && !emailCell && !phoneCell && !errors.length) {
    errors.push({ path: 'row', message: 'needs a name, an email address or a phone number' });
  }
  if (errors.length) return { ok: false, errors };
  return { ok: true, value: { fullName, email, phoneE164, type, company, notes, createdAt, updatedAt } };
}

function readText(
  cell: { header: string; value: string } | undefined,
  max: number,
  errors: FieldError[],
  multiline = false,
): string | null {
  if (!cell) return null;
  const text = cleanText(cell.value, max, multiline);
  if (text === undefined) {
    errors.push({ path: cell.header, message: `must be at most ${max} characters` });
    return null;
  }
  return text;
}

function readTime(
  cell: { header: string; value: string } | undefined,
  now: Date,
  errors: FieldError[],
): Date | null {
  if (!cell) return null;
  const t = parseTime(cell.value.trim(), now);
  if (!t) {
    errors.push({ path: cell.header, message: 'is not a date and time in the past (ISO 8601)' });
    return null;
  }
  return t;
}

/** Ours as is; a vendor's stage through the synonyms, kept in details as the file wrote it. */
function readStatus(cell: { header: string; value: string } | undefined, details: Record<string, unknown>) {
  if (!cell) return 'new' as LeadStatus;
  const raw = cell.value.trim();
  if ((leadStatuses as readonly string[]).includes(raw)) return raw as LeadStatus;
  details[cell.header] = raw;
  const folded = foldHeader(raw);
  return (leadStatuses as readonly string[]).includes(folded)
    ? (folded as LeadStatus)
    : (STATUS_SYNONYMS[folded] ?? 'new');
}

function readSource(cell: { header: string; value: string } | undefined, details: Record<string, unknown>) {
  if (!cell) return 'import' as LeadSource;
  const raw = cell.value.trim();
  if ((leadSources as readonly string[]).includes(raw)) return raw as LeadSource;
  details[cell.header] = raw;
  return SOURCE_SYNONYMS[foldHeader(raw)] ?? 'import';
}
