import crypto from 'node:crypto';
import type { Database, SqlClient } from '../../db/client.ts';
import type { callOutcomes } from '../../db/schema/index.ts';
import { isUuid, withTenant } from '../../db/tenant.ts';
import { AppError, type FieldError, invalid, notFound } from '../../platform/errors.ts';
import type { JobQueue } from '../../platform/jobs.ts';
import { senderNumber } from '../phone-numbers/phone-numbers.service.ts';
import { type NewMessage, recordMessage } from './messages.repo.ts';
import { secondsUntil, sendMessageJob } from './messaging.jobs.ts';
import { leadFacts, quietHoursSendAfter, sender } from './messaging.service.ts';
import { findSavedReply, renderSavedReply } from './saved-replies.service.ts';

const LEAD_NOT_FOUND = () => notFound('LEAD_NOT_FOUND', 'No such lead');
const MESSAGE_NOT_FOUND = () => notFound('MESSAGE_NOT_FOUND', 'No such message');

export type LeadMessageView = {
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
  attempts: number;
  /** A text waiting out the lead's quiet hours goes at this time. */
  sendAfter: string | null;
  sentAt: string | null;
  createdAt: string;
};

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

type CallOutcome = (typeof callOutcomes)[number];

export type LeadCallView = {
  id: string;
  direction: 'outbound' | 'inbound';
  kind: 'voice_callback' | 'inbound';
  from: string;
  to: string;
  status: string;
  outcome: CallOutcome | null;
  durationSeconds: number | null;
  error: string | null;
  sendAfter: string | null;
  answeredAt: string | null;
  createdAt: string;
};

/** A lead's calls (inbound, missed, voice callbacks), oldest first, for its timeline. */
export async function findLeadCalls(
  client: SqlClient,
  accountId: string,
  leadId: string,
): Promise<LeadCallView[]> {
  const { rows } = await client.query<{
    id: string;
    direction: 'outbound' | 'inbound';
    kind: 'voice_callback' | 'inbound';
    from_number: string;
    to_number: string;
    status: string;
    outcome: CallOutcome | null;
    duration_seconds: number | null;
    error: string | null;
    send_after: Date | null;
    answered_at: Date | null;
    created_at: Date;
  }>(
    `SELECT id, direction, kind, from_number, to_number, status, outcome, duration_seconds, error, send_after,
       answered_at, created_at FROM calls WHERE account_id = $1 AND lead_id = $2 ORDER BY created_at, id`,
    [accountId, leadId],
  );
  return rows.map((c) => ({
    id: c.id,
    direction: c.direction,
    kind: c.kind,
    from: c.from_number,
    to: c.to_number,
    status: c.status,
    outcome: c.outcome,
    durationSeconds: c.duration_seconds,
    error: c.error,
    sendAfter: iso(c.send_after),
    answeredAt: iso(c.answered_at),
    createdAt: iso(c.created_at)!,
  }));
}

/** A lead's messages, oldest first, for its timeline. */
export async function findLeadMessages(
  client: SqlClient,
  accountId: string,
  leadId: string,
): Promise<LeadMessageView[]> {
  const { rows } = await client.query<{
    id: string;
    channel: 'email' | 'sms';
    direction: 'outbound' | 'inbound';
    kind: string;
    to_address: string;
    from_address: string;
    subject: string | null;
    body: string;
    status: string;
    error: string | null;
    attempts: number;
    send_after: Date | null;
    sent_at: Date | null;
    created_at: Date;
  }>(
    `SELECT id, channel, direction, kind, to_address, from_address, subject, body, status, error, attempts,
       send_after, sent_at, created_at FROM messages WHERE account_id = $1 AND lead_id = $2 ORDER BY created_at, id`,
    [accountId, leadId],
  );
  return rows.map((m) => ({
    id: m.id,
    channel: m.channel,
    direction: m.direction,
    kind: m.kind,
    to: m.to_address,
    from: m.from_address,
    subject: m.subject,
    body: m.body,
    status: m.status,
    error: m.error,
    attempts: m.attempts,
    sendAfter: iso(m.send_after),
    sentAt: iso(m.sent_at),
    createdAt: iso(m.created_at)!,
  }));
}

/**
 * Speed to lead, per lead `l`: when the first agent alert was sent, and the first human touch —
 * the first move to a working status, note, message written by a person, or call in which the
 * agent spoke with the lead. One definition for the lead's figures and the account's summary.
 */
const SPEED_OF_LEAD = `
  (SELECT min(m.sent_at) FROM messages m WHERE m.account_id = l.account_id AND m.lead_id = l.id
     AND m.kind = 'agent_alert') AS alert_at,
  least(l.first_response_at,
    (SELECT min(e.created_at) FROM lead_events e WHERE e.account_id = l.account_id AND e.lead_id = l.id
       AND e.kind = 'note'),
    (SELECT min(m.created_at) FROM messages m WHERE m.account_id = l.account_id AND m.lead_id = l.id
       AND m.kind = 'manual'),
    (SELECT min(c.answered_at) FROM calls c WHERE c.account_id = l.account_id AND c.lead_id = l.id
       AND c.outcome = 'connected')) AS touch_at`;

const seconds = (v: number | null | undefined) =>
  v === null || v === undefined ? null : Math.round(Number(v) * 10) / 10;

/** A lead's speed to lead, in seconds from its creation; null while it has not happened. */
export async function leadSpeed(
  client: SqlClient,
  accountId: string,
  leadId: string,
): Promise<{ firstAlertSeconds: number | null; firstTouchSeconds: number | null }> {
  const { rows } = await client.query<{ alert: number | null; touch: number | null }>(
    `SELECT extract(epoch FROM s.alert_at - s.created_at)::float8 AS alert,
       extract(epoch FROM s.touch_at - s.created_at)::float8 AS touch
     FROM (SELECT l.created_at, ${SPEED_OF_LEAD} FROM leads l WHERE l.account_id = $1 AND l.id = $2) s`,
    [accountId, leadId],
  );
  return { firstAlertSeconds: seconds(rows[0]?.alert), firstTouchSeconds: seconds(rows[0]?.touch) };
}

export type SpeedFigures = {
  leads: number;
  alerted: number;
  touched: number;
  alertSeconds: { p50: number | null; p90: number | null };
  touchSeconds: { p50: number | null; p90: number | null };
};

/**
 * The account's speed to lead over the last `days`: leads (not spam, not held), how many were
 * alerted and touched, and the median and 90th percentile of each delay; in all and per agent
 * (the assigned member; `userId: null` for unassigned leads).
 */
export async function speedSummary(db: Database, accountId: string, days: number) {
  return withTenant(db, accountId, async (_tx, client) => {
    const { rows } = await client.query<{
      grouped: boolean;
      user_id: string | null;
      name: string | null;
      leads: number;
      alerted: number;
      touched: number;
      alert_p50: number | null;
      alert_p90: number | null;
      touch_p50: number | null;
      touch_p90: number | null;
    }>(
      `WITH s AS (
         SELECT l.assigned_user_id, extract(epoch FROM x.alert_at - l.created_at) AS alert,
           extract(epoch FROM x.touch_at - l.created_at) AS touch
         FROM leads l, LATERAL (SELECT ${SPEED_OF_LEAD}) x
         WHERE l.account_id = $1 AND l.created_at > now() - make_interval(days => $2)
           AND l.status <> 'spam' AND NOT l.is_held)
       SELECT grouping(s.assigned_user_id) = 0 AS grouped, s.assigned_user_id AS user_id, max(u.name) AS name,
         count(*)::int AS leads, count(s.alert)::int AS alerted, count(s.touch)::int AS touched,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY s.alert)::float8 AS alert_p50,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY s.alert)::float8 AS alert_p90,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY s.touch)::float8 AS touch_p50,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY s.touch)::float8 AS touch_p90
       FROM s LEFT JOIN users u ON u.id = s.assigned_user_id
       GROUP BY GROUPING SETS ((), (s.assigned_user_id))
       ORDER BY grouped, name NULLS LAST`,
      [accountId, days],
    );
    const figures = (r: (typeof rows)[number]): SpeedFigures => ({
      leads: r.leads,
      alerted: r.alerted,
      touched: r.touched,
      alertSeconds: { p50: seconds(r.alert_p50), p90: seconds(r.alert_p90) },
      touchSeconds: { p50: seconds(r.touch_p50), p90: seconds(r.touch_p90) },
    });
    const all = rows.find((r) => !r.grouped);
    const empty: SpeedFigures = {
      leads: 0,
      alerted: 0,
      touched: 0,
      alertSeconds: { p50: null, p90: null },
      touchSeconds: { p50: null, p90: null },
    };
    return {
      days,
      ...(all ? figures(all) : empty),
      byAgent: rows.filter((r) => r.grouped).map((r) => ({ userId: r.user_id, name: r.name, ...figures(r) })),
    };
  });
}

export type SendLeadMessageInput = {
  /** Required unless `savedReplyId` is given (then the reply's; a different one is refused). */
  channel?: 'email' | 'sms' | undefined;
  subject?: string | undefined;
  /** Required unless `savedReplyId` is given (then refused: the reply's text is sent). */
  body?: string | undefined;
  /** Send this saved reply, rendered for the lead, instead of a typed message. */
  savedReplyId?: string | undefined;
};

/** The input's own problems, before anything is read: what is missing, or given twice. */
function inputProblems(input: SendLeadMessageInput): FieldError[] {
  if (input.savedReplyId !== undefined) {
    return [
      ...(input.subject !== undefined
        ? [{ path: 'body.subject', message: "is the saved reply's: send either a saved reply or a subject" }]
        : []),
      ...(input.body !== undefined
        ? [{ path: 'body.body', message: "is the saved reply's: send either a saved reply or a body" }]
        : []),
    ];
  }
  return [
    ...(input.channel === undefined ? [{ path: 'body.channel', message: 'is required' }] : []),
    ...(input.body === undefined ? [{ path: 'body.body', message: 'is required' }] : []),
  ];
}

/**
 * A member writes to a lead: the message is recorded (`suppressed` when the lead opted out of
 * the channel) and its send queued in the same transaction; the job sends and retries it. A
 * text goes from the account's number to the lead's phone, and waits out the lead's quiet
 * hours (8:00–21:00 in its time zone) like every text to a lead; a person writing one needs no
 * recorded consent (a one-to-one reply is not marketing), but a STOP is always honoured.
 *
 * With `savedReplyId`, the account's saved reply is rendered for the lead (its values, and the
 * sending member as `{{agent.…}}`; `memberUserId` null for an API key: the lead's agent) and
 * sent as typed (kind `manual`, its `template_id` recorded); a body or subject given with it is
 * refused (preview it, edit, and send the text instead), as is a channel other than the reply's.
 */
export async function sendLeadMessage(
  db: Database,
  deps: { emailFrom: string; jobs: JobQueue | undefined; smsFallbackFrom: string | null },
  accountId: string,
  leadId: string,
  input: SendLeadMessageInput,
  memberUserId: string | null = null,
): Promise<{ id: string; channel: 'email' | 'sms'; status: string; sendAfter: string | null }> {
  if (!isUuid(leadId)) throw LEAD_NOT_FOUND();
  const problems = inputProblems(input);
  if (problems.length) throw invalid('MESSAGE_INVALID', problems);
  const sent = await withTenant(db, accountId, async (_tx, client) => {
    const lead = await leadFacts(client, accountId, leadId);
    if (!lead) throw LEAD_NOT_FOUND();
    if (lead.is_held) {
      throw new AppError(
        'conflict',
        'LEAD_HELD',
        "This lead is held by the plan's limit: it cannot be messaged yet",
      );
    }
    let channel: 'email' | 'sms';
    let subject: string | undefined;
    let body: string;
    let templateId: string | null = null;
    if (input.savedReplyId !== undefined) {
      const reply = await findSavedReply(client, accountId, input.savedReplyId);
      if (!reply) {
        throw invalid('SAVED_REPLY_INVALID', [
          { path: 'body.savedReplyId', message: 'is not a saved reply of this account' },
        ]);
      }
      if (input.channel !== undefined && input.channel !== reply.channel) {
        throw invalid('MESSAGE_INVALID', [
          {
            path: 'body.channel',
            message: `the saved reply is ${reply.channel === 'sms' ? 'a text (sms)' : 'an email'}`,
          },
        ]);
      }
      const rendered = await renderSavedReply(client, accountId, reply, lead, memberUserId);
      channel = reply.channel;
      subject = rendered.subject ?? undefined;
      body = rendered.body;
      templateId = reply.id;
      if (!body.trim()) {
        throw invalid('MESSAGE_INVALID', [
          { path: 'body.savedReplyId', message: 'the saved reply comes out empty for this lead' },
        ]);
      }
    } else {
      channel = input.channel!;
      subject = input.subject;
      body = input.body!;
    }
    let planned: NewMessage;
    if (channel === 'sms') {
      if (!lead.phone_e164) {
        throw invalid('LEAD_HAS_NO_PHONE', [
          { path: 'body.channel', message: 'the lead has no phone number' },
        ]);
      }
      const from = (await senderNumber(client, accountId)) ?? deps.smsFallbackFrom;
      if (!from) {
        throw invalid('NO_SENDING_NUMBER', [
          {
            path: 'body.channel',
            message: 'the account has no number to text from: connect one in phone numbers',
          },
        ]);
      }
      if (body.length > 1600) {
        throw invalid('MESSAGE_INVALID', [
          {
            path: templateId ? 'body.savedReplyId' : 'body.body',
            message: templateId
              ? 'the saved reply comes out longer than a text (1600 characters) for this lead'
              : 'a text is at most 1600 characters',
          },
        ]);
      }
      planned = {
        leadId,
        channel: 'sms',
        kind: 'manual',
        to: lead.phone_e164,
        from,
        subject: null,
        body,
        templateId,
        idempotencyKey: `manual:${crypto.randomUUID()}`,
        metered: true,
        sendAfter: quietHoursSendAfter(lead),
      };
    } else {
      if (!lead.email) {
        throw invalid('LEAD_HAS_NO_EMAIL', [
          { path: 'body.channel', message: 'the lead has no email address' },
        ]);
      }
      planned = {
        leadId,
        channel: 'email',
        kind: 'manual',
        to: lead.email,
        from: sender(deps, lead.brand_name ?? lead.account_name),
        subject: subject?.trim() || `A message from ${lead.brand_name ?? lead.account_name}`,
        body,
        templateId,
        idempotencyKey: `manual:${crypto.randomUUID()}`,
        metered: true,
      };
    }
    const message = await recordMessage(client, accountId, planned);
    if (message.status === 'queued') {
      await deps.jobs?.enqueue(
        client,
        sendMessageJob,
        { accountId, messageId: message.id },
        message.send_after ? { startAfterSeconds: secondsUntil(new Date(message.send_after)) } : {},
      );
    }
    return {
      id: message.id,
      channel: message.channel,
      status: message.status,
      sendAfter: iso(message.send_after),
    };
  });
  if (sent.status === 'queued' && !sent.sendAfter) deps.jobs?.wake(sendMessageJob.name);
  return sent;
}

/** Sends a failed message again (queued, with a fresh set of attempts). Only a failed one. */
export async function retryLeadMessage(
  db: Database,
  jobs: JobQueue | undefined,
  accountId: string,
  leadId: string,
  messageId: string,
): Promise<{ id: string; channel: 'email' | 'sms'; status: string; sendAfter: string | null }> {
  if (!isUuid(leadId) || !isUuid(messageId)) throw MESSAGE_NOT_FOUND();
  const queued = await withTenant(db, accountId, async (_tx, client) => {
    const { rows } = await client.query<{ status: string; channel: 'email' | 'sms' }>(
      `SELECT status, channel FROM messages WHERE account_id = $1 AND lead_id = $2 AND id = $3 FOR UPDATE`,
      [accountId, leadId, messageId],
    );
    const m = rows[0];
    if (!m) throw MESSAGE_NOT_FOUND();
    if (m.status !== 'failed') {
      throw new AppError(
        'conflict',
        'MESSAGE_NOT_FAILED',
        `Only a failed message can be retried; this one is ${m.status}`,
      );
    }
    await client.query(
      `UPDATE messages SET status = 'queued', attempts = 0, error = NULL, updated_at = now()
       WHERE account_id = $1 AND id = $2`,
      [accountId, messageId],
    );
    await jobs?.enqueue(client, sendMessageJob, { accountId, messageId });
    return { id: messageId, channel: m.channel, status: 'queued', sendAfter: null };
  });
  jobs?.wake(sendMessageJob.name);
  return queued;
}
