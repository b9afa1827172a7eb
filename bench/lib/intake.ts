/**
 * What the intake benchmarks share: accounts and pages made through the real services, a
 * stream of unique submissions, the payload intake.service.ts builds, and the raw-SQL driver
 * that runs the intake transaction the way the server does (the baseline).
 */
import crypto from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../src/db/client.ts';
import { withTenant } from '../../src/db/tenant.ts';
import { createAccountWithOwner } from '../../src/modules/accounts/accounts.service.ts';
import { leadTriggeredJobs } from '../../src/modules/intake/intake.jobs.ts';
import { createPage } from '../../src/modules/pages/pages.service.ts';
import { hashIp } from '../../src/platform/tokens.ts';
import { cpuBetween, cpuSnapshot } from './cpu.ts';
import { BENCH_PEPPER } from './server.ts';
import { closedLoop } from './stats.ts';

/** A tag of this run, in every slug and email it makes. */
export const RUN = crypto.randomBytes(3).toString('hex');
export const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) porchlight-bench';
/** Rate limits out of the way (the server is started with the same, 1000000/1h). */
export const RATE = { max: 1_000_000, windowSeconds: 3600 };
export const JOB_NAMES = leadTriggeredJobs.map((j) => j.name);

export type Target = {
  accountId: string;
  accountSlug: string;
  pageId: string;
  pageSlug: string;
  token?: string;
};

let accountSeq = 0;

/** Accounts on the team plan (no lead limit), each with one contact page and its page route. */
export async function createTargets(db: Database, count: number): Promise<Target[]> {
  const targets: Target[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(8, count) }, async () => {
      while (next < count) {
        next++;
        const i = accountSeq++;
        const slug = `bench-${RUN}-${i}`;
        const { account } = await createAccountWithOwner(db, {
          name: `Bench Realty ${i}`,
          slug,
          planCode: 'team',
          owner: { email: `owner-${slug}@bench.example.com`, name: `Owner ${i}`, passwordHash: null },
        });
        const page = await createPage(db, account.id, {
          kind: 'contact',
          slug: 'contact',
          title: 'Contact us',
        });
        targets.push({ accountId: account.id, accountSlug: slug, pageId: page.id, pageSlug: page.slug });
      }
    }),
  );
  // The plan and the global page route, whatever the services do today.
  for (const t of targets) {
    await withTenant(db, t.accountId, async (_tx, client) => {
      await client.query(`UPDATE accounts SET plan_code = 'team' WHERE id = $1 AND plan_code <> 'team'`, [
        t.accountId,
      ]);
      const { rows } = await client.query('SELECT 1 FROM page_routes WHERE page_id = $1', [t.pageId]);
      if (rows.length === 0) {
        await client.query('INSERT INTO page_routes (page_id, account_id) VALUES ($1, $2)', [
          t.pageId,
          t.accountId,
        ]);
      }
    });
  }
  return targets.sort((a, b) => a.accountSlug.localeCompare(b.accountSlug, 'en', { numeric: true }));
}

// ---------------------------------------------------------------------------------------------
// Submissions: a unique email, phone and client address for every request of the run, so none
// merges into another (dedupe) and every rate-limit bucket is new, as with real visitors.

const FIRST = ['Maria', 'James', 'Aisha', 'Chen', 'Olivia', 'Diego', 'Priya', 'Noah', 'Fatima', 'Liam'];
const LAST = [
  'Garcia',
  'Smith',
  'Okafor',
  'Nguyen',
  'Johnson',
  'Kowalski',
  'Patel',
  'Brown',
  'Haddad',
  'Lee',
];
const AREAS = ['512', '415', '303', '617', '206', '312', '404', '702', '919', '971'];
let seq = 0;

export type Submission = {
  n: number;
  target: Target;
  fullName: string;
  email: string;
  phone: string;
  phoneE164: string;
  ip: string;
};

export function submission(targets: Target[], phase: string): Submission {
  const n = seq++;
  const area = AREAS[Math.floor(n / 3_000_000) % AREAS.length]!;
  const exchange = 230 + (Math.floor(n / 10_000) % 300);
  const line = String(n % 10_000).padStart(4, '0');
  return {
    n,
    target: targets[n % targets.length]!,
    fullName: `${FIRST[n % FIRST.length]} ${LAST[Math.floor(n / FIRST.length) % LAST.length]}`,
    email: `${phase}-${RUN}-${n}@bench.example.com`,
    phone: `(${area}) ${exchange}-${line}`,
    phoneE164: `+1${area}${exchange}${line}`,
    ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
  };
}

export type IntakePayload = ReturnType<typeof intakePayload>;

/** The payload intake.service.ts builds for a JSON submission { fullName, email, phone }. */
export function intakePayload(s: Submission) {
  const ipKey = hashIp(s.ip, BENCH_PEPPER);
  const pageId = s.target.pageId;
  return {
    accountId: s.target.accountId,
    pageId,
    source: 'contact',
    leadId: crypto.randomUUID(),
    eventId: crypto.randomUUID(),
    consentId: crypto.randomUUID(),
    counterId: crypto.randomUUID(),
    statsId: crypto.randomUUID(),
    idempotencyId: crypto.randomUUID(),
    lead: {
      fullName: s.fullName,
      email: s.email,
      phoneE164: s.phoneE164,
      details: {} as Record<string, unknown>,
      sourceIp: s.ip,
      userAgent: USER_AGENT,
    },
    consent: null,
    spamReason: null,
    idempotency: null,
    rateLimits: [
      { bucket: `ip:${ipKey}:page:${pageId}`, ...RATE },
      { bucket: `ip:${ipKey}`, ...RATE },
    ] as { bucket: string; max: number; windowSeconds: number }[],
    jobs: JOB_NAMES as string[],
  };
}

// ---------------------------------------------------------------------------------------------

export type Figures = {
  label: string;
  rate: number;
  p50: number;
  p99: number;
  max: number;
  ok: number;
  errors: number;
  other: string;
  cpu?: ReturnType<typeof cpuBetween>;
};

/** What was acknowledged, to be checked against the database afterwards. */
export type Acknowledged = { leadIds: string[]; emails: string[]; phase: string };

export type RawOptions = {
  /**
   * 3: as withTenant does it — `BEGIN;SET LOCAL …` (simple), the call (extended, bound
   * parameter), `COMMIT`. 1: the same statements in one simple-protocol message, the payload
   * as an escaped literal (a prototype: what one round trip would buy).
   */
  roundTrips?: 1 | 3;
  /** Extra `SET LOCAL …;` after the tenant (e.g. synchronous_commit). */
  extraSetup?: string;
  /** Changes the payload (e.g. no jobs) to see what a part of the function costs. */
  transform?: (p: IntakePayload) => IntakePayload;
};

/**
 * `connections` pg clients, each running intake transactions back to back for `seconds`,
 * spread over the targets. Every answer must be `created`.
 */
export async function rawIntake(
  url: string,
  targets: Target[],
  phase: string,
  seconds: number,
  connections: number,
  options: RawOptions = {},
): Promise<{ figures: Figures; ack: Acknowledged }> {
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const c = new pg.Client({ connectionString: url, application_name: 'porchlight-bench-raw' });
      await c.connect();
      return c;
    }),
  );
  const ack: Acknowledged = { leadIds: [], emails: [], phase };
  const transform = options.transform ?? ((p: IntakePayload) => p);
  const extra = options.extraSetup ?? '';
  try {
    const before = cpuSnapshot();
    const run = await closedLoop(connections, seconds, async (w) => {
      const s = submission(targets, phase);
      const c = clients[w]!;
      const json = JSON.stringify(transform(intakePayload(s)));
      const setup = `BEGIN;SET LOCAL ROLE porchlight_app; SET LOCAL app.account_id = '${s.target.accountId}';${extra}`;
      let r: { outcome: string; leadId: string } | undefined;
      try {
        if (options.roundTrips === 1) {
          const results = (await c.query(
            `${setup}SELECT porchlight_intake(${c.escapeLiteral(json)}::jsonb) AS r;COMMIT;`,
          )) as unknown as pg.QueryResult<{ r: { outcome: string; leadId: string } }>[];
          r = results.find((x) => x.command === 'SELECT')?.rows[0]?.r;
        } else {
          await c.query(setup);
          const { rows } = await c.query<{ r: { outcome: string; leadId: string } }>(
            'SELECT porchlight_intake($1::jsonb) AS r',
            [json],
          );
          await c.query('COMMIT');
          r = rows[0]?.r;
        }
      } catch (error) {
        await c.query('ROLLBACK').catch(() => {});
        throw error;
      }
      if (r?.outcome !== 'created') throw new Error(`outcome ${r?.outcome}`);
      ack.leadIds.push(r.leadId);
      ack.emails.push(s.email);
    });
    const cpu = cpuBetween(before, cpuSnapshot());
    const l = run.latency.summary();
    return {
      figures: {
        label: phase,
        cpu,
        rate: run.ok / run.seconds,
        p50: l.p50,
        p99: l.p99,
        max: l.max,
        ok: run.ok,
        errors: run.errors,
        other: run.firstError ? `first error: ${run.firstError}` : '',
      },
      ack,
    };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
}

type Query = (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }>;

/** Every acknowledged submission made exactly one lead; and what was stored with no answer read. */
export async function verifyAcknowledged(query: Query, ack: Acknowledged) {
  const counts = (
    await query(
      `SELECT count(*)::int AS leads, count(DISTINCT lower(email::text))::int AS emails,
              count(*) FILTER (WHERE submission_count > 1)::int AS merged
         FROM leads WHERE email::text = ANY($1::text[])`,
      [ack.emails],
    )
  ).rows[0] as { leads: number; emails: number; merged: number };
  const phase = (
    await query('SELECT count(*)::int AS n FROM leads WHERE email::text LIKE $1', [`${ack.phase}-${RUN}-%`])
  ).rows[0] as { n: number };
  let idsOk = true;
  if (ack.leadIds.length > 0) {
    const ids = (
      await query(
        'SELECT count(*)::int AS n FROM leads WHERE id = ANY($1::uuid[]) AND email::text = ANY($2::text[])',
        [ack.leadIds, ack.emails],
      )
    ).rows[0] as { n: number };
    idsOk = ids.n === ack.leadIds.length && new Set(ack.leadIds).size === ack.leadIds.length;
  }
  const exact =
    counts.leads === ack.emails.length && counts.emails === ack.emails.length && counts.merged === 0 && idsOk;
  const ids = ack.leadIds.length ? `, lead ids ${idsOk ? 'match' : 'DO NOT match'}` : '';
  return {
    exact,
    line:
      `${exact ? 'OK  ' : 'FAIL'} ${ack.phase}: ${ack.emails.length} acknowledged → ${counts.leads} leads ` +
      `(${counts.emails} distinct emails, ${counts.merged} merged${ids}); ${phase.n} stored in the phase ` +
      `(${phase.n - ack.emails.length} more: requests in flight when the clock stopped, answers not read)`,
  };
}
