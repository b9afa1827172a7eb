import crypto from 'node:crypto';
import { isUuid, withSystem, withTenant } from '../../db/tenant.ts';
import type { FieldError } from '../../platform/errors.ts';
import type { ModuleDeps } from '../../platform/module.ts';
import { hashIp } from '../../platform/tokens.ts';
import { announceLead } from '../leads/lead-arrivals.ts';
import { PAGE_FIELDS, type PageKind } from './fields.ts';
import { leadTriggeredJobs } from './intake.jobs.ts';
import { type NormalizedLead, type NormalizedSubmission, normalizeSubmission } from './normalize.ts';

/**
 * Lossless intake: one inquiry from a capture page's HTML form or the public JSON endpoint
 * becomes a lead (or merges into a recent one), in one transaction with everything it
 * triggers. The whole transaction is one SQL call (porchlight_intake, migration 0009): on these
 * machines round trips are the cost that matters (docs/decisions/008-intake.md).
 */

export type IntakeClient = {
  ip: string | null;
  userAgent: string | null;
  referrer: string | null;
  pageUrl: string | null;
};

export type IntakeSubmission = {
  pageId: string;
  /** Known to the site routes; the JSON route resolves it from the page id. */
  accountId?: string;
  channel: 'form' | 'api';
  /** The parsed body: field name → value (strings from a form, JSON values from the API). */
  body: unknown;
  client: IntakeClient;
  idempotencyKey?: string | null;
  /** The consent text the rendered page showed (form channel). */
  consentShown?: { text: string } | null;
};

export type IntakeOutcome =
  | { outcome: 'created' | 'merged' | 'spam' | 'replayed'; leadId: string; held: boolean }
  | { outcome: 'invalid'; errors: FieldError[] }
  | { outcome: 'rate_limited'; retryAfter: number }
  | { outcome: 'page_not_found' }
  | { outcome: 'idempotency_mismatch' };

type PageRoute = { accountId: string; kind: PageKind; country: string; expires: number };

const ROUTE_TTL_MS = 60_000;
const ROUTE_CACHE_MAX = 10_000;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The hidden `_t` of a rendered form: when it was rendered, signed so it cannot be forged. */
export function formToken(pepper: string, pageId: string, now = Date.now()): string {
  const at = now.toString(36);
  return `${at}.${sign(pepper, pageId, at)}`;
}

function sign(pepper: string, pageId: string, at: string): string {
  return crypto.createHmac('sha256', pepper).update(`form:${pageId}:${at}`).digest('base64url').slice(0, 22);
}

/** When the form was rendered, or null for a missing or forged token. */
export function readFormToken(pepper: string, pageId: string, token: string | undefined): number | null {
  const [at, mac] = (token ?? '').split('.');
  if (!at || !mac || !/^[0-9a-z]{1,12}$/.test(at)) return null;
  const expected = Buffer.from(sign(pepper, pageId, at));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
  return Number.parseInt(at, 36);
}

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

/** JSON with sorted keys: the same body hashes the same whatever its key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([k, v]) => v !== undefined && !['_t', '_k', 'formStartedAt', 'website'].includes(k))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** UTM parameters the page URL carries, for those the submission did not name. */
function withUtmFromUrl(lead: NormalizedLead): NormalizedLead {
  if (!lead.pageUrl) return lead;
  let params: URLSearchParams;
  try {
    params = new URL(lead.pageUrl).searchParams;
  } catch {
    return lead;
  }
  const out = { ...lead };
  const pairs = [
    ['utm_source', 'utmSource'],
    ['utm_medium', 'utmMedium'],
    ['utm_campaign', 'utmCampaign'],
    ['utm_term', 'utmTerm'],
    ['utm_content', 'utmContent'],
  ] as const;
  for (const [param, field] of pairs) {
    const value = params.get(param)?.trim().slice(0, 200);
    if (value && !out[field]) out[field] = value;
  }
  return out;
}

function spamReason(
  s: IntakeSubmission,
  v: NormalizedSubmission,
  options: { pepper: string; minFillMs: number; now: number },
): string | null {
  if (v.honeypot) return 'honeypot';
  if (s.channel === 'form') {
    const renderedAt = readFormToken(options.pepper, s.pageId, v.token);
    if (renderedAt === null) return 'bad_token';
    if (options.now - renderedAt < options.minFillMs) return 'too_fast';
  } else if (v.formStartedAt !== undefined && options.now - v.formStartedAt < options.minFillMs) {
    return 'too_fast';
  }
  return null;
}

export function createIntake(deps: ModuleDeps) {
  const routes = new Map<string, PageRoute>();
  const jobNames = deps.jobs ? leadTriggeredJobs.map((j) => j.name) : [];
  const { ratePerPage, ratePerAccount, minFillMs } = deps.config.intake;

  /** Which account a page belongs to (global page_routes), cached briefly per process. */
  async function resolvePage(pageId: string): Promise<PageRoute | null> {
    const hit = routes.get(pageId);
    if (hit && hit.expires > Date.now()) return hit;
    const row = await withSystem(deps.db, 'routing: the account of a page id', async (_tx, client) => {
      const { rows } = await client.query<{ account_id: string; country: string }>(
        `SELECT r.account_id, a.country FROM page_routes r JOIN accounts a ON a.id = r.account_id
         WHERE r.page_id = $1`,
        [pageId],
      );
      return rows[0];
    });
    if (!row) return null;
    // The kind is fixed at creation; it is read in the tenant's own transaction.
    const kind = await withTenant(deps.db, row.account_id, async (_tx, client) => {
      const { rows } = await client.query<{ kind: PageKind }>(
        'SELECT kind FROM capture_pages WHERE account_id = $1 AND id = $2',
        [row.account_id, pageId],
      );
      return rows[0]?.kind;
    });
    if (!kind) return null;
    if (routes.size >= ROUTE_CACHE_MAX) routes.delete(routes.keys().next().value as string);
    const route = {
      accountId: row.account_id,
      kind,
      country: row.country,
      expires: Date.now() + ROUTE_TTL_MS,
    };
    routes.set(pageId, route);
    return route;
  }

  async function submit(s: IntakeSubmission): Promise<IntakeOutcome> {
    if (!isUuid(s.pageId)) return { outcome: 'page_not_found' };
    const route = await resolvePage(s.pageId.toLowerCase());
    if (!route || (s.accountId && s.accountId !== route.accountId)) return { outcome: 'page_not_found' };

    const normalized = normalizeSubmission(s.body, {
      country: route.country,
      required:
        s.channel === 'form' ? PAGE_FIELDS[route.kind].filter((f) => f.required).map((f) => f.name) : [],
      ignoreUnknown: s.channel === 'form',
    });
    if (!normalized.ok) return { outcome: 'invalid', errors: normalized.errors };
    const v = normalized.value;
    if (s.channel === 'api' && typeof v.consent?.given === 'boolean' && v.consent.text === undefined) {
      return { outcome: 'invalid', errors: [{ path: 'consent', message: 'must be { given, text }' }] };
    }
    const key = s.channel === 'form' ? v.idempotencyKey : (s.idempotencyKey ?? undefined);
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      return {
        outcome: 'invalid',
        errors: [{ path: 'Idempotency-Key', message: 'must be 1 to 255 printable characters' }],
      };
    }

    const now = Date.now();
    const lead = withUtmFromUrl({
      ...v.lead,
      pageUrl: v.lead.pageUrl ?? s.client.pageUrl ?? undefined,
      referrer: v.lead.referrer ?? (s.channel === 'form' ? undefined : (s.client.referrer ?? undefined)),
    });
    const consentText = s.channel === 'form' ? s.consentShown?.text : v.consent?.text;
    const consent = consentText
      ? {
          given: v.consent?.given ?? false,
          text: consentText,
          textHash: sha256(consentText),
          textVersion: v.consent?.version ?? null,
        }
      : null;
    const ipKey = s.client.ip ? hashIp(s.client.ip, deps.pepper) : null;
    const payload = {
      accountId: route.accountId,
      pageId: s.pageId.toLowerCase(),
      source: route.kind,
      leadId: crypto.randomUUID(),
      eventId: crypto.randomUUID(),
      consentId: crypto.randomUUID(),
      counterId: crypto.randomUUID(),
      statsId: crypto.randomUUID(),
      idempotencyId: crypto.randomUUID(),
      lead: { ...lead, sourceIp: s.client.ip, userAgent: s.client.userAgent?.slice(0, 500) ?? null },
      consent,
      spamReason: spamReason(s, v, { pepper: deps.pepper, minFillMs, now }),
      idempotency: key
        ? { scope: `intake:${s.pageId.toLowerCase()}`, key, requestHash: sha256(canonical(s.body)) }
        : null,
      rateLimits: ipKey
        ? [
            { bucket: `ip:${ipKey}:page:${s.pageId.toLowerCase()}`, ...ratePerPage },
            { bucket: `ip:${ipKey}`, ...ratePerAccount },
          ]
        : [],
      jobs: jobNames,
    };
    const result = await withTenant(deps.db, route.accountId, async (_tx, client) => {
      const { rows } = await client.query<{ r: DbOutcome }>('SELECT porchlight_intake($1::jsonb) AS r', [
        JSON.stringify(payload),
      ]);
      return rows[0]!.r;
    });
    switch (result.outcome) {
      case 'created':
      case 'merged':
        // Committed: the agent is waiting for the alert, so this process's workers fetch now,
        // and an open inbox of the account looks now.
        for (const name of jobNames) deps.jobs?.wake(name);
        announceLead(route.accountId);
        return { outcome: result.outcome, leadId: result.leadId!, held: result.held ?? false };
      case 'spam':
      case 'replayed':
        return { outcome: result.outcome, leadId: result.leadId!, held: result.held ?? false };
      case 'rate_limited':
        return { outcome: 'rate_limited', retryAfter: result.retryAfter ?? 60 };
      case 'page_not_found':
        routes.delete(s.pageId.toLowerCase());
        return { outcome: 'page_not_found' };
      default:
        return { outcome: 'idempotency_mismatch' };
    }
  }

  return { submit, resolvePage };
}

type DbOutcome = {
  outcome:
    | 'created'
    | 'merged'
    | 'spam'
    | 'replayed'
    | 'rate_limited'
    | 'page_not_found'
    | 'idempotency_mismatch';
  leadId?: string;
  held?: boolean;
  retryAfter?: number;
};

export type Intake = ReturnType<typeof createIntake>;
