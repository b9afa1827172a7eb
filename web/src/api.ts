/**
 * The dashboard's only way to the server: the public /api/v1, with the session cookie (same
 * origin). A problem+json answer becomes an ApiError carrying the problem's detail and its
 * field errors, so a form can show each next to its field.
 */

export type FieldError = { path: string; message: string };

export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly errors: FieldError[];
  constructor(status: number, detail: string, code?: string, errors: FieldError[] = []) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.errors = errors;
  }

  /** The message for one field (`email` matches `body.email` and `email`). */
  fieldError(field: string): string | undefined {
    return this.errors.find((e) => e.path === field || e.path === `body.${field}`)?.message;
  }
}

/** What index.html's boot script asked for before the app's code ran, by path under /api/v1. */
type Boot = { answers: Record<string, Promise<Response> | undefined>; at: number };
declare global {
  interface Window {
    porchlightBoot?: Boot;
  }
}

/** How long a boot answer stands: the first screen's, not a later visit's. */
const BOOT_ANSWER_FOR_MS = 10_000;

/** After a change (or once they are old), the boot's answers no longer stand. */
function forgetBootAnswers() {
  if (typeof window !== 'undefined') window.porchlightBoot = undefined;
}

/**
 * The answer index.html's boot script already asked for this read, if it did, taken once. It
 * stands for the first screen only: until anything is changed (any other method: a login, a
 * switch of account) or a few seconds pass, whichever comes first.
 */
function takeBootAnswer(method: string, path: string): Promise<Response> | undefined {
  const boot = typeof window === 'undefined' ? undefined : window.porchlightBoot;
  if (!boot) return undefined;
  if (method !== 'GET' || performance.now() - boot.at > BOOT_ANSWER_FOR_MS) {
    forgetBootAnswers();
    return undefined;
  }
  const answer = boot.answers[path];
  delete boot.answers[path];
  return answer;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const early = takeBootAnswer(method, path);
  if (early) {
    // A boot read that failed to reach the server is asked again, like any other.
    const res = await early.catch(() => null);
    if (res) return answer<T>(res);
  }
  const res = await fetch(`/api/v1${path}`, {
    method,
    credentials: 'same-origin',
    headers:
      body === undefined
        ? { accept: 'application/json' }
        : { 'content-type': 'application/json', accept: 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return answer<T>(res);
}

/** Sends a file as the request body (a CSV import): the same answers and errors as `api`. */
export async function upload<T>(path: string, file: Blob, contentType: string): Promise<T> {
  forgetBootAnswers();
  const res = await fetch(`/api/v1${path}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': contentType, accept: 'application/json' },
    body: file,
  });
  return answer<T>(res);
}

async function answer<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!res.ok) {
    throw new ApiError(
      res.status,
      String(json.detail ?? json.title ?? `The server answered ${res.status}`),
      typeof json.code === 'string' ? json.code : undefined,
      Array.isArray(json.errors) ? (json.errors as FieldError[]) : [],
    );
  }
  return json as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);
export const del = <T>(path: string) => api<T>('DELETE', path);

// The shapes the screens use (API.md and /api/docs are the reference).

export type Account = { id: string; name: string; slug: string; planCode: string; timezone: string };
export type Role = 'owner' | 'admin' | 'member' | 'affiliate';
export type Me = {
  user: { id: string; email: string; name: string; emailVerifiedAt: string | null };
  memberships: { account: Account; role: Role }[];
  activeAccountId: string | null;
};

export const LEAD_STATUSES = [
  'new',
  'contacted',
  'qualified',
  'quoted',
  'booked',
  'won',
  'lost',
  'spam',
] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

export type Lead = {
  id: string;
  status: LeadStatus;
  source: string;
  fullName: string | null;
  email: string | null;
  phone: string | null;
  addressLine: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  message: string | null;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  pageId: string | null;
  assignedUserId: string | null;
  isHeld: boolean;
  aiScore: number | null;
  aiSummary: string | null;
  createdAt: string;
  updatedAt: string;
};

export type LeadList = {
  data: Lead[];
  nextCursor: string | null;
  counts?: { byStatus: Record<LeadStatus, number>; held: number };
};

export type LeadEvent = { id: string; kind: string; payload: Record<string, unknown>; createdAt: string };
export type LeadMessage = {
  id: string;
  channel: 'email' | 'sms';
  direction: 'outbound' | 'inbound';
  kind: string;
  to: string;
  from: string;
  subject: string | null;
  body: string;
  status: string;
  error: string | null;
  sendAfter: string | null;
  sentAt: string | null;
  createdAt: string;
};
export type LeadCall = {
  id: string;
  direction: 'outbound' | 'inbound';
  kind: string;
  from: string;
  to: string;
  status: string;
  outcome: string | null;
  durationSeconds: number | null;
  createdAt: string;
};
export type LeadDetail = Lead & {
  events: LeadEvent[];
  consents: { id: string; given: boolean; consentText: string; pageUrl: string | null; createdAt: string }[];
  messages: LeadMessage[];
  calls: LeadCall[];
  speedToLead: { firstAlertSeconds: number | null; firstTouchSeconds: number | null };
};

export const PAGE_KINDS = ['home_valuation', 'buyer_interest', 'contact', 'custom'] as const;
export type PageKind = (typeof PAGE_KINDS)[number];

/** The words of a page a person edits (null or empty: the kind's default wording). */
export type PageCopy = {
  title: string;
  headline: string | null;
  subheadline: string | null;
  callToAction: string | null;
  description: string | null;
  consentText: string | null;
  thankYouHeadline: string | null;
  thankYouMessage: string | null;
};

export type Page = PageCopy & {
  id: string;
  kind: PageKind;
  slug: string;
  isActive: boolean;
  settings: Record<string, unknown>;
  /** Always served: `{BASE_URL}/p/{accountSlug}/{slug}`. */
  url: string;
  subdomainUrl: string;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
};

export type PageStats = {
  totals: { views: number; uniqueVisitors: number; submissions: number; conversionRate: number };
};

/** The account's pages (the list screen and the getting-started checklist share it). */
export const pagesQuery = {
  queryKey: ['pages'],
  queryFn: () => get<{ data: Page[]; nextCursor: string | null }>('/pages?limit=200'),
};
