import { pipeline, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { Database } from '../../db/client.ts';
import type { contacts } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import type { TimeCursor } from '../../platform/cursor.ts';
import { listLeads } from '../leads/lead-list.service.ts';
import type { LeadFilters } from '../leads/leads.query.ts';
import type { Lead } from '../leads/leads.service.ts';
import { escapeCell } from './csv-cells.ts';
import { PORCHLIGHT_CONTACT_HEADERS, PORCHLIGHT_LEAD_HEADERS } from './csv-presets.ts';
import { findContactsPage } from './export.repo.ts';
import { getImportContext } from './imports.repo.ts';

/**
 * CSV exports of the account's leads and contacts, streamed: pages of EXPORT_PAGE rows read by
 * keyset (each page its own short transaction), written through csv-stringify as the client
 * reads, so memory holds one page whatever the account's size. Headers are the `porchlight`
 * import preset's, so a file exported here imports back unchanged (ids aside). Every cell that
 * starts like a formula is escaped (csv-cells.ts). A held lead's hidden details (name, email,
 * phone, address, message, AI summary) stay hidden here too: its row carries them empty.
 */

const EXPORT_PAGE = 1000;

type Cell = string | number | boolean | Date | null | undefined | Record<string, unknown>;

function cell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return escapeCell(JSON.stringify(value));
  return escapeCell(String(value));
}

const dollars = (cents: number | null) => (cents === null ? null : Math.round(cents / 100));

function leadRecord(l: Lead, emails: Map<string, string>): string[] {
  const held = l.isHeld;
  const values: Record<(typeof PORCHLIGHT_LEAD_HEADERS)[number], Cell> = {
    id: l.id,
    status: l.status,
    source: l.source,
    fullName: held ? null : l.fullName,
    email: held ? null : l.email,
    phone: held ? null : l.phoneE164,
    addressLine: held ? null : l.addressLine,
    city: l.city,
    state: l.state,
    postalCode: l.postalCode,
    message: held ? null : l.message,
    timeline: l.timeline,
    priceMin: dollars(l.priceMinCents),
    priceMax: dollars(l.priceMaxCents),
    utmSource: l.utmSource,
    utmMedium: l.utmMedium,
    utmCampaign: l.utmCampaign,
    utmTerm: l.utmTerm,
    utmContent: l.utmContent,
    referrer: l.referrer,
    pageId: l.pageId,
    assignedUserEmail: l.assignedUserId ? (emails.get(l.assignedUserId) ?? null) : null,
    isHeld: l.isHeld,
    aiScore: l.aiScore,
    aiSummary: held ? null : l.aiSummary,
    lostReason: l.lostReason,
    details: l.details,
    createdAt: l.createdAt,
    updatedAt: l.updatedAt,
  };
  return PORCHLIGHT_LEAD_HEADERS.map((h) => cell(values[h]));
}

function contactRecord(c: typeof contacts.$inferSelect): string[] {
  const values: Record<(typeof PORCHLIGHT_CONTACT_HEADERS)[number], Cell> = {
    id: c.id,
    fullName: c.fullName,
    email: c.email,
    phone: c.phoneE164,
    type: c.type,
    company: c.company,
    notes: c.notes,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
  return PORCHLIGHT_CONTACT_HEADERS.map((h) => cell(values[h]));
}

function csvStream(header: readonly string[], records: AsyncIterable<string[]>): Readable {
  // A cell holding a bare line feed is quoted too (csv-stringify quotes only the record delimiter).
  const out = stringify({
    header: true,
    columns: [...header],
    record_delimiter: 'windows',
    quoted_match: /[\r\n]/,
  });
  // An error mid-way (the database gone) ends the response early: the client sees a cut file.
  return pipeline(Readable.from(records), out, () => {});
}

/** The account's leads as CSV, newest first, narrowed by the lead list's filters. */
export function exportLeads(db: Database, accountId: string, filters: LeadFilters): Readable {
  async function* records() {
    const { members } = await withTenant(db, accountId, (_tx, client) => getImportContext(client, accountId));
    const emails = new Map([...members].map(([email, id]) => [id, email]));
    let cursor: string | undefined;
    do {
      const page = await listLeads(db, accountId, { filters, limit: EXPORT_PAGE, cursor });
      for (const lead of page.leads) yield leadRecord(lead, emails);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  return csvStream(PORCHLIGHT_LEAD_HEADERS, records());
}

/** The account's contacts as CSV, newest first. */
export function exportContacts(db: Database, accountId: string): Readable {
  async function* records() {
    let cursor: TimeCursor | undefined;
    for (;;) {
      const rows = await withTenant(db, accountId, (tx) =>
        findContactsPage(tx, accountId, EXPORT_PAGE, cursor),
      );
      const page = rows.slice(0, EXPORT_PAGE);
      for (const { row } of page) yield contactRecord(row);
      const last = page[page.length - 1];
      if (rows.length <= EXPORT_PAGE || !last) return;
      cursor = { at: last.cursorAt, id: last.row.id };
    }
  }
  return csvStream(PORCHLIGHT_CONTACT_HEADERS, records());
}

/** `leads-2026-12-02.csv`: the attachment's name, dated (UTC). */
export function exportFileName(kind: 'leads' | 'contacts', now = new Date()): string {
  return `${kind}-${now.toISOString().slice(0, 10)}.csv`;
}
