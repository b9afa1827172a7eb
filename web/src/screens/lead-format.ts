/**
 * Small helpers shared by the lead screens (detail and board): the fuller lead shapes the API
 * answers, readable labels, relative times and durations (no date library), and how a failed
 * request is shown (next to its field, else as a toast).
 */
import { ApiError, type LeadDetail, type LeadEvent, type Lead as LeadRow, type LeadStatus } from '../api.ts';

/** api.ts types a subset of what the server sends; these are the fields the lead screens also use. */
export type Lead = LeadRow & {
  lostReason: string | null;
  heldReason: string | null;
  utmTerm: string | null;
  utmContent: string | null;
  referrer: string | null;
  timeline: string | null;
  priceMin: number | null;
  priceMax: number | null;
  submissionCount: number;
  aiReasons: unknown[] | null;
};
export type TimelineEvent = LeadEvent & { actorUserId: string | null };
export type LeadFull = Omit<LeadDetail, 'events'> & Omit<Lead, keyof LeadRow> & { events: TimelineEvent[] };
export type Member = { userId: string; name: string; email: string; role: string; joinedAt: string };
export type Members = { data: Member[] };

export const STATUS_LABELS: Record<LeadStatus, string> = {
  new: 'New',
  contacted: 'Contacted',
  qualified: 'Qualified',
  quoted: 'Quoted',
  booked: 'Booked',
  won: 'Won',
  lost: 'Lost',
  spam: 'Spam',
};

/** "home_valuation" → "Home valuation", "sms" → "SMS". */
export function humanize(code: string): string {
  const words = code
    .replace(/[_-]+/g, ' ')
    .trim()
    .replace(/\b(api|sms|ai|utm)\b/gi, (w) => w.toUpperCase());
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The name to show for a lead: its name, else its email or phone, else "Unnamed lead". */
export function leadName(lead: Pick<LeadRow, 'fullName' | 'email' | 'phone'>): string {
  return lead.fullName?.trim() || lead.email || lead.phone || 'Unnamed lead';
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "just now", "5 minutes ago", "yesterday", "in 3 hours" — relative to `now`. */
export function timeAgo(iso: string, now: number = Date.now()): string {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  if (Number.isNaN(seconds)) return '';
  if (Math.abs(seconds) < 45) return 'just now';
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size * 0.9 || unit === 'minute') {
      return relative.format(Math.round(seconds / size) || Math.sign(seconds), unit);
    }
  }
  return '';
}

const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
/** The full local date and time (a tooltip next to a relative time). */
export const fullTime = (iso: string) => absolute.format(new Date(iso));

/** 42 → "42 s", 200 → "3 min 20 s", 5400 → "1 h 30 min", 200000 → "2 d 7 h". */
export function duration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 60) return `${s} s`;
  const parts: [number, string][] = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor((s % 86400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'min'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n} ${unit}`)
    .join(' ');
}

/** A failed request: shown next to its fields when it names any of them, else as a toast. */
export function reportError(
  e: unknown,
  fields: string[],
  setFieldErrors: (error: ApiError | null) => void,
  toastError: (e: unknown) => void,
): void {
  if (e instanceof ApiError && fields.some((f) => e.fieldError(f))) setFieldErrors(e);
  else {
    setFieldErrors(null);
    toastError(e);
  }
}
