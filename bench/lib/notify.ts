/**
 * What the notification benchmark (bench/notify.bench.ts) needs besides the intake helpers: a
 * backlog of a fixed number of leads put in through the raw intake transaction, `porchlight
 * worker` as a child process, the raw-SQL replica of one `leads.notify` job (the baseline), and
 * the read-backs from the database (latency per lead, drain window, exactly-once checks).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import pg from 'pg';
import type { PageKind } from '../../src/modules/intake/fields.ts';
import { MESSAGE_COLUMNS, RECORD_MESSAGE_SQL } from '../../src/modules/messaging/messages.repo.ts';
import {
  AGENTS_SQL,
  ALERT_RECIPIENTS_SQL,
  LEAD_FACTS_SQL,
} from '../../src/modules/messaging/messaging.service.ts';
import { defaultAutoresponder, firstNameOf, renderTemplate } from '../../src/modules/messaging/templates.ts';
import { SENDER_NUMBER_SQL } from '../../src/modules/phone-numbers/phone-numbers.service.ts';
import { onCleanup, trackChild } from './cleanup.ts';
import { cpuBetween, cpuSnapshot } from './cpu.ts';
import { type IntakePayload, intakePayload, submission, type Target } from './intake.ts';
import { BENCH_PEPPER, REPO_ROOT } from './server.ts';
import { Samples } from './stats.ts';

export type Query = <T = Record<string, unknown>>(text: string, values?: unknown[]) => Promise<{ rows: T[] }>;

export type LeadRef = { accountId: string; leadId: string };

async function clients(url: string, n: number, name: string): Promise<pg.Client[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const c = new pg.Client({ connectionString: url, application_name: name });
      await c.connect();
      return c;
    }),
  );
}

const tenantSetup = (accountId: string) =>
  `BEGIN;SET LOCAL ROLE porchlight_app; SET LOCAL app.account_id = '${accountId}';`;

async function inTransaction<T>(c: pg.Client, setup: string, fn: () => Promise<T>): Promise<T> {
  await c.query(setup);
  try {
    const result = await fn();
    await c.query('COMMIT');
    return result;
  } catch (error) {
    await c.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/**
 * Exactly `count` leads through the raw intake transaction (as intake.bench.ts (a) runs it:
 * BEGIN+SET, `porchlight_intake($1)`, COMMIT), spread over the targets by `connections`
 * clients. With the payload's three jobs (leads.notify, leads.score, webhooks.lead_event)
 * unless `jobs` is false. Every answer must be `created`.
 */
export async function intakeCount(
  url: string,
  targets: Target[],
  phase: string,
  count: number,
  connections: number,
  options: { jobs?: boolean } = {},
): Promise<{ leads: LeadRef[]; seconds: number }> {
  const cs = await clients(url, connections, 'porchlight-bench-backlog');
  const leads: LeadRef[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  try {
    await Promise.all(
      cs.map(async (c) => {
        while (next < count) {
          next++;
          const s = submission(targets, phase);
          const payload: IntakePayload = intakePayload(s);
          if (options.jobs === false) payload.jobs = [];
          const r = await inTransaction(c, tenantSetup(s.target.accountId), async () => {
            const { rows } = await c.query<{ r: { outcome: string; leadId: string } }>(
              'SELECT porchlight_intake($1::jsonb) AS r',
              [JSON.stringify(payload)],
            );
            return rows[0]?.r;
          });
          if (r?.outcome !== 'created') throw new Error(`intake outcome ${r?.outcome}`);
          leads.push({ accountId: s.target.accountId, leadId: r.leadId });
        }
      }),
    );
  } finally {
    await Promise.all(cs.map((c) => c.end().catch(() => {})));
  }
  return { leads, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

// ---------------------------------------------------------------------------------------------
// `porchlight worker` as a child process.

export type WorkerChild = {
  pid: number;
  proc: ChildProcess;
  /** Non-null once the process has exited (its code, or -1 for a signal). */
  exited(): number | null;
  output(): string;
  stop(): Promise<void>;
};

/**
 * Starts `node --import tsx src/cli.ts worker` with `env` on top of PATH/HOME and the same
 * base environment startServer gives the server (NODE_ENV=production, the bench pepper).
 * There is no readiness probe (the worker serves no HTTP): its work shows in the database.
 */
export function startWorkerChild(env: Record<string, string>, label = 'worker'): WorkerChild {
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(line);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'worker'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      AUTH_PEPPER: BENCH_PEPPER,
      DEMO_SEED: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(proc);
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  let exited: number | null = null;
  proc.once('exit', (code, signal) => {
    exited = code ?? (signal ? -1 : 0);
  });
  const stop = async () => {
    if (exited !== null) return;
    const done = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    await done;
    clearTimeout(timer);
  };
  const dropCleanup = onCleanup(`stop ${label}`, stop);
  return {
    pid: proc.pid!,
    proc,
    exited: () => exited,
    output: () => lines.join('\n'),
    stop: async () => {
      await stop();
      dropCleanup();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The baseline: one `leads.notify` job's database work, raw.

type RawMessage = {
  id: string;
  kind: string;
  to_address: string;
  from_address: string;
  subject: string | null;
  body: string;
  status: string;
  attempts: number;
  metered: boolean;
};

type Facts = {
  id: string;
  full_name: string | null;
  email: string | null;
  phone_e164: string | null;
  page_kind: PageKind | null;
  page_title: string | null;
  account_name: string;
  brand_name: string | null;
  account_phone: string | null;
  brand_phone: string | null;
  assigned_user_id: string | null;
};

/**
 * The statements of planLeadNotifications + deliverAll (messaging.service.ts, messages.repo.ts,
 * the dev provider's outbox.repo.ts) as text on one `pg` client, in the same transactions:
 *
 *   1. tenant: the lead's facts, its agents and alert recipients, the account's template, its sending number, two
 *      `INSERT … messages`;
 *   2. per message — tenant: `SELECT … FOR UPDATE`, (the autoresponder: the usage counter's
 *      INSERT … ON CONFLICT and guarded UPDATE), `UPDATE … 'sending'`;
 *      system: `INSERT INTO dev_outbox … ON CONFLICT (idempotency_key) DO NOTHING`;
 *      tenant: `UPDATE … 'sent'`.
 *
 * Seven transactions per lead. No job queue (no pg-boss fetch or completion), no Drizzle, no pool.
 */
async function notifyOne(c: pg.Client, ref: LeadRef): Promise<number> {
  const { accountId, leadId } = ref;
  const setup = tenantSetup(accountId);
  const planned = await inTransaction(c, setup, async () => {
    const lead = (await c.query<Facts>(LEAD_FACTS_SQL, [accountId, leadId])).rows[0];
    if (!lead) throw new Error(`lead ${leadId} not found`);
    const agents = (
      await c.query<{ name: string; email: string }>(AGENTS_SQL, [accountId, lead.assigned_user_id])
    ).rows;
    const recipients = (
      await c.query<{ name: string; email: string }>(ALERT_RECIPIENTS_SQL, [accountId, lead.assigned_user_id])
    ).rows;
    const template = (
      await c.query<{ id: string; subject: string | null; body: string }>(
        `SELECT id, subject, body FROM templates
     WHERE account_id = $1 AND channel = 'email' AND kind = 'autoresponder' AND is_active
       AND (page_kind = $2 OR page_kind IS NULL)
     ORDER BY page_kind NULLS LAST LIMIT 1`,
        [accountId, lead.page_kind],
      )
    ).rows[0];
    // The account's sending number (none here: no texts are planned).
    await c.query(SENDER_NUMBER_SQL, [accountId]);
    const who = lead.full_name ?? lead.email ?? 'Someone';
    const alertBody = [
      `New lead from ${lead.page_title}: ${who}.`,
      '',
      `Name: ${lead.full_name}`,
      `Phone: ${lead.phone_e164}`,
      `Email: ${lead.email}`,
      '',
      `Open the lead: http://localhost:3000/app/leads/${lead.id}`,
    ].join('\n');
    const fallback = defaultAutoresponder(lead.page_kind);
    const wording = template
      ? { subject: template.subject ?? fallback.subject, body: template.body }
      : fallback;
    const values = {
      lead: {
        firstName: firstNameOf(lead.full_name),
        fullName: lead.full_name ?? '',
        email: lead.email ?? '',
        phone: lead.phone_e164 ?? '',
        address: 'your home',
        message: '',
      },
      agent: { name: agents[0]?.name ?? lead.account_name, phone: '', email: agents[0]?.email ?? '' },
      account: { name: lead.account_name },
      page: { title: lead.page_title ?? '' },
    };
    const messages: {
      kind: string;
      to: string;
      from: string;
      subject: string;
      body: string;
      key: string;
    }[] = recipients.map((agent) => ({
      kind: 'agent_alert',
      to: agent.email,
      from: '"Porchlight" <no-reply@porchlight.local>',
      subject: `New lead: ${who}`,
      body: alertBody,
      key: `bench-${leadId}:agent_alert:${agent.email}`,
    }));
    messages.push({
      kind: 'autoresponder',
      to: lead.email!,
      from: `"${lead.account_name}" <no-reply@porchlight.local>`,
      subject: renderTemplate(wording.subject, values).trim(),
      body: renderTemplate(wording.body, values).trimEnd(),
      key: `bench-${leadId}:autoresponder`,
    });
    const rows: RawMessage[] = [];
    for (const m of messages) {
      const { rows: inserted } = await c.query<RawMessage>(RECORD_MESSAGE_SQL, [
        accountId,
        crypto.randomUUID(),
        leadId,
        'email',
        m.kind,
        m.to,
        m.from,
        m.subject,
        m.body,
        template?.id ?? null,
        m.key,
        null,
      ]);
      if (!inserted[0]) throw new Error(`message ${m.key} existed`);
      rows.push(inserted[0]);
    }
    return rows;
  });
  let sent = 0;
  for (const row of planned) {
    const m = await inTransaction(c, setup, async () => {
      const locked = (
        await c.query<RawMessage>(
          `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE account_id = $1 AND id = $2 FOR UPDATE`,
          [accountId, row.id],
        )
      ).rows[0];
      if (locked?.status !== 'queued') return null;
      if (locked.metered && locked.attempts === 0) {
        await c.query(
          `INSERT INTO usage_counters (account_id, id, period_month) VALUES ($1, $2, date_trunc('month', now())::date)
       ON CONFLICT (account_id, period_month) DO NOTHING`,
          [accountId, crypto.randomUUID()],
        );
        const taken = await c.query(
          `UPDATE usage_counters u SET emails_sent = u.emails_sent + 1, updated_at = now()
       FROM accounts a JOIN plans p ON p.code = a.plan_code
       WHERE u.account_id = $1 AND u.period_month = date_trunc('month', now())::date AND a.id = $1
         AND u.emails_sent < coalesce((p.limits->>'emails')::int, 2147483647)
       RETURNING u.emails_sent`,
          [accountId],
        );
        if (taken.rowCount === 0) throw new Error(`over the plan's email limit (${accountId})`);
      }
      await c.query(
        `UPDATE messages SET status = 'sending', attempts = attempts + 1, last_attempt_at = now(), updated_at = now()
     WHERE account_id = $1 AND id = $2`,
        [accountId, row.id],
      );
      return locked;
    });
    if (!m) continue;
    const outboxId = await inTransaction(c, 'BEGIN;SET LOCAL ROLE porchlight_app;', async () => {
      const { rows } = await c.query<{ id: string }>(
        `insert into "dev_outbox" ("id", "idempotency_key", "channel", "to", "from", "subject", "body", "account_id",
       "lead_id", "created_at") values ($1, $2, $3, $4, $5, $6, $7, $8, $9, default)
       on conflict ("idempotency_key") do nothing returning "id"`,
        [
          crypto.randomUUID(),
          m.id,
          'email',
          m.to_address,
          m.from_address,
          m.subject,
          m.body,
          accountId,
          leadId,
        ],
      );
      return rows[0]?.id ?? '';
    });
    await inTransaction(c, setup, async () => {
      await c.query(
        `UPDATE messages SET status = 'sent', provider = $3, provider_message_id = $4, error = NULL, sent_at = now(),
       updated_at = now() WHERE account_id = $1 AND id = $2`,
        [accountId, m.id, 'dev', outboxId],
      );
    });
    sent++;
  }
  return sent;
}

/**
 * `connections` clients, each taking the next lead and running notifyOne on it, until every
 * lead is done or `seconds` have passed (whichever first). Rates are over the elapsed time.
 */
export async function rawNotify(
  url: string,
  leads: LeadRef[],
  connections: number,
  seconds: number,
): Promise<{
  notifications: number;
  emails: number;
  errors: number;
  seconds: number;
  latency: Samples;
  /** The leads taken (done or failed): leads.slice(0, attempted). */
  attempted: number;
  /** CPU while the clients were connected (their backends are new: measured between connect and end). */
  cpu: ReturnType<typeof cpuBetween>;
  firstError?: string;
}> {
  const cs = await clients(url, connections, 'porchlight-bench-notify');
  const latency = new Samples();
  let next = 0;
  let notifications = 0;
  let emails = 0;
  let errors = 0;
  let firstError: string | undefined;
  const before = cpuSnapshot();
  let after = before;
  const started = process.hrtime.bigint();
  const end = started + BigInt(Math.round(seconds * 1e9));
  try {
    await Promise.all(
      cs.map(async (c) => {
        while (next < leads.length && process.hrtime.bigint() < end) {
          const ref = leads[next++]!;
          const t0 = process.hrtime.bigint();
          try {
            const sent = await notifyOne(c, ref);
            emails += sent;
            notifications++;
            latency.add(Number(process.hrtime.bigint() - t0) / 1e6);
          } catch (error) {
            errors++;
            firstError ??= (error as Error).message;
          }
        }
      }),
    );
    after = cpuSnapshot();
  } finally {
    await Promise.all(cs.map((c) => c.end().catch(() => {})));
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    notifications,
    emails,
    errors,
    seconds: elapsed,
    latency,
    attempted: Math.min(next, leads.length),
    cpu: cpuBetween(before, after),
    ...(firstError ? { firstError } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Read-backs.

/** dev_outbox rows of these accounts. */
export async function outboxCount(query: Query, accountIds: string[]): Promise<number> {
  const { rows } = await query<{ n: number }>(
    'SELECT count(*)::int AS n FROM dev_outbox WHERE account_id = ANY($1::uuid[])',
    [accountIds],
  );
  return rows[0]!.n;
}

/** Leads of these accounts, and the emails they should make (one per owner + one autoresponder). */
export async function expectedEmails(
  query: Query,
  accountIds: string[],
): Promise<{ leads: number; emails: number }> {
  const { rows } = await query<{ leads: number; emails: number }>(
    `SELECT count(*)::int AS leads, coalesce(sum(o.n + 1), 0)::int AS emails
       FROM leads l
       JOIN (SELECT account_id, count(*) AS n FROM memberships WHERE new_lead_alerts = 'all' AND account_id = ANY($1::uuid[])
             GROUP BY account_id) o ON o.account_id = l.account_id
      WHERE l.account_id = ANY($1::uuid[])`,
    [accountIds],
  );
  return rows[0]!;
}

export type LeadLatency = { id: string; alertMs: number | null; autoMs: number | null };

/**
 * Per lead of these accounts whose email matches `emailLike`: the provider call of its agent
 * alert (the last one, if the lead has several agents) and of its autoresponder, less the
 * lead's `created_at`, in ms. Both timestamps are now() of their transactions, so the figure
 * runs from the start of the intake transaction (a few ms before its commit) to the start of
 * the dev provider's capture transaction (the provider call).
 */
export async function notifyLatencies(
  query: Query,
  accountIds: string[],
  emailLike: string,
): Promise<LeadLatency[]> {
  const { rows } = await query<{ id: string; alert_ms: number | null; auto_ms: number | null }>(
    `SELECT l.id,
       (SELECT extract(epoch FROM max(o.created_at) - l.created_at) * 1000
          FROM messages m JOIN dev_outbox o ON o.idempotency_key = m.id::text
         WHERE m.account_id = l.account_id AND m.lead_id = l.id AND m.kind = 'agent_alert')::float8 AS alert_ms,
       (SELECT extract(epoch FROM max(o.created_at) - l.created_at) * 1000
          FROM messages m JOIN dev_outbox o ON o.idempotency_key = m.id::text
         WHERE m.account_id = l.account_id AND m.lead_id = l.id AND m.kind = 'autoresponder')::float8 AS auto_ms
       FROM leads l
      WHERE l.account_id = ANY($1::uuid[]) AND l.email::text LIKE $2`,
    [accountIds, emailLike],
  );
  return rows.map((r) => ({ id: r.id, alertMs: r.alert_ms, autoMs: r.auto_ms }));
}

/**
 * The drain, on the database's clock: the first `leads.notify` job of these accounts to start,
 * the last to complete, and the same for all three lead-triggered jobs; emails captured and the
 * last capture.
 */
export async function drainWindow(query: Query, accountIds: string[], jobNames: string[]) {
  const { rows } = await query<{
    name: string;
    total: number;
    completed: number;
    failed: number;
    first_start: Date | null;
    last_done: Date | null;
  }>(
    `SELECT name, count(*)::int AS total, count(*) FILTER (WHERE state = 'completed')::int AS completed,
            count(*) FILTER (WHERE state IN ('failed', 'retry'))::int AS failed,
            min(started_on) AS first_start, max(completed_on) AS last_done
       FROM pgboss.job WHERE name = ANY($2::text[]) AND (data->>'accountId')::uuid = ANY($1::uuid[])
      GROUP BY name`,
    [accountIds, jobNames],
  );
  const outbox = (
    await query<{ n: number; first: Date | null; last: Date | null }>(
      `SELECT count(*)::int AS n, min(created_at) AS first, max(created_at) AS last
         FROM dev_outbox WHERE account_id = ANY($1::uuid[])`,
      [accountIds],
    )
  ).rows[0]!;
  return { jobs: rows, outbox };
}

/**
 * Exactly once, for every lead of these accounts: one `agent_alert` message and one dev_outbox
 * row per owner, one `autoresponder` message and one row; every message `sent`; no dev_outbox
 * row without its message; no two rows for the same lead and address.
 */
export async function checkExactlyOnce(
  query: Query,
  accountIds: string[],
  label: string,
  leadIds?: string[],
) {
  const r = (
    await query<{
      leads: number;
      alerts_ok: number;
      alerts_missing: number;
      alerts_extra: number;
      autos_ok: number;
      autos_missing: number;
      autos_extra: number;
      messages_off: number;
      unsent: number;
    }>(
      `WITH owners AS (
         SELECT account_id, count(*)::int AS n FROM memberships WHERE new_lead_alerts = 'all' AND account_id = ANY($1::uuid[])
          GROUP BY account_id),
       msg AS (
         SELECT lead_id, kind, count(*)::int AS n, count(*) FILTER (WHERE status <> 'sent')::int AS unsent
           FROM messages WHERE account_id = ANY($1::uuid[]) GROUP BY lead_id, kind),
       box AS (
         SELECT o.lead_id, m.kind, count(*)::int AS n, count(DISTINCT lower(o.to::text))::int AS tos
           FROM dev_outbox o JOIN messages m ON m.id::text = o.idempotency_key AND m.account_id = o.account_id
          WHERE o.account_id = ANY($1::uuid[]) GROUP BY o.lead_id, m.kind)
       SELECT count(*)::int AS leads,
         count(*) FILTER (WHERE ba.n = ow.n AND ba.tos = ow.n)::int AS alerts_ok,
         count(*) FILTER (WHERE ba.n IS NULL)::int AS alerts_missing,
         count(*) FILTER (WHERE ba.n > ow.n OR ba.tos < ba.n)::int AS alerts_extra,
         count(*) FILTER (WHERE br.n = 1)::int AS autos_ok,
         count(*) FILTER (WHERE br.n IS NULL)::int AS autos_missing,
         count(*) FILTER (WHERE br.n > 1)::int AS autos_extra,
         count(*) FILTER (WHERE ma.n IS DISTINCT FROM ow.n OR mr.n IS DISTINCT FROM 1)::int AS messages_off,
         coalesce(sum(coalesce(ma.unsent, 0) + coalesce(mr.unsent, 0)), 0)::int AS unsent
         FROM leads l JOIN owners ow ON ow.account_id = l.account_id
         LEFT JOIN box ba ON ba.lead_id = l.id AND ba.kind = 'agent_alert'
         LEFT JOIN box br ON br.lead_id = l.id AND br.kind = 'autoresponder'
         LEFT JOIN msg ma ON ma.lead_id = l.id AND ma.kind = 'agent_alert'
         LEFT JOIN msg mr ON mr.lead_id = l.id AND mr.kind = 'autoresponder'
        WHERE l.account_id = ANY($1::uuid[]) AND ($2::uuid[] IS NULL OR l.id = ANY($2::uuid[]))`,
      [accountIds, leadIds ?? null],
    )
  ).rows[0]!;
  const stray = (
    await query<{ orphans: number; dup: number }>(
      `SELECT (SELECT count(*)::int FROM dev_outbox o WHERE o.account_id = ANY($1::uuid[])
                 AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.account_id = o.account_id AND m.id::text = o.idempotency_key)) AS orphans,
              (SELECT count(*)::int FROM (SELECT 1 FROM dev_outbox WHERE account_id = ANY($1::uuid[])
                 GROUP BY lead_id, lower("to"::text) HAVING count(*) > 1) d) AS dup`,
      [accountIds],
    )
  ).rows[0]!;
  const ok =
    r.leads > 0 &&
    r.alerts_ok === r.leads &&
    r.autos_ok === r.leads &&
    r.messages_off === 0 &&
    r.unsent === 0 &&
    stray.orphans === 0 &&
    stray.dup === 0;
  return {
    ok,
    line:
      `${ok ? 'OK  ' : 'FAIL'} ${label}: ${r.leads} leads; agent alert exactly once per owner: ${r.alerts_ok} ` +
      `(missing ${r.alerts_missing}, extra ${r.alerts_extra}); autoresponder exactly once: ${r.autos_ok} ` +
      `(missing ${r.autos_missing}, extra ${r.autos_extra}); leads with a wrong message count ${r.messages_off}, ` +
      `messages not sent ${r.unsent}; dev_outbox rows without a message ${stray.orphans}, ` +
      `(lead, address) pairs with two rows or more ${stray.dup}`,
  };
}
