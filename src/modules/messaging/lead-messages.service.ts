import crypto from 'node:crypto';
import type { Database, SqlClient } from '../../db/client.ts';
import { isUuid, withTenant } from '../../db/tenant.ts';
import { AppError, invalid, notFound } from '../../platform/errors.ts';
import type { JobQueue } from '../../platform/jobs.ts';
import { recordMessage } from './messages.repo.ts';
import { sendMessageJob } from './messaging.jobs.ts';
import { leadFacts, sender } from './messaging.service.ts';

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
  sentAt: string | null;
  createdAt: string;
};

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

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
    sent_at: Date | null;
    created_at: Date;
  }>(
    `SELECT id, channel, direction, kind, to_address, from_address, subject, body, status, error, attempts, sent_at,
       created_at FROM messages WHERE account_id = $1 AND lead_id = $2 ORDER BY created_at, id`,
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
    sentAt: iso(m.sent_at),
    createdAt: iso(m.created_at)!,
  }));
}

/**
 * Speed to lead, in seconds from the lead's creation: to the first agent alert sent, and to the
 * first human touch — the first move to a working status, note, or message sent by a person.
 * null while it has not happened.
 */
export async function leadSpeed(
  client: SqlClient,
  accountId: string,
  leadId: string,
): Promise<{ firstAlertSeconds: number | null; firstTouchSeconds: number | null }> {
  const { rows } = await client.query<{ alert: number | null; touch: number | null }>(
    `SELECT
       extract(epoch FROM (SELECT min(m.sent_at) FROM messages m WHERE m.account_id = l.account_id
         AND m.lead_id = l.id AND m.kind = 'agent_alert') - l.created_at)::float8 AS alert,
       extract(epoch FROM least(l.first_response_at,
         (SELECT min(e.created_at) FROM lead_events e WHERE e.account_id = l.account_id AND e.lead_id = l.id
            AND e.kind = 'note'),
         (SELECT min(m.created_at) FROM messages m WHERE m.account_id = l.account_id AND m.lead_id = l.id
            AND m.kind = 'manual')) - l.created_at)::float8 AS touch
     FROM leads l WHERE l.account_id = $1 AND l.id = $2`,
    [accountId, leadId],
  );
  const r = rows[0];
  const round = (v: number | null | undefined) =>
    v === null || v === undefined ? null : Math.round(v * 10) / 10;
  return { firstAlertSeconds: round(r?.alert), firstTouchSeconds: round(r?.touch) };
}

export type SendLeadMessageInput = { channel: 'email' | 'sms'; subject?: string | undefined; body: string };

/**
 * A member writes to a lead: the message is recorded (`suppressed` when the lead opted out of
 * the channel) and its send queued in the same transaction; the job sends and retries it.
 */
export async function sendLeadMessage(
  db: Database,
  deps: { emailFrom: string; jobs: JobQueue | undefined },
  accountId: string,
  leadId: string,
  input: SendLeadMessageInput,
): Promise<{ id: string; channel: 'email' | 'sms'; status: string }> {
  if (!isUuid(leadId)) throw LEAD_NOT_FOUND();
  if (input.channel === 'sms') {
    throw invalid('SMS_NOT_AVAILABLE', [
      { path: 'body.channel', message: 'SMS sending is not available yet on this server; use email' },
    ]);
  }
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
    if (!lead.email) {
      throw invalid('LEAD_HAS_NO_EMAIL', [
        { path: 'body.channel', message: 'the lead has no email address' },
      ]);
    }
    const message = await recordMessage(client, accountId, {
      leadId,
      channel: 'email',
      kind: 'manual',
      to: lead.email,
      from: sender(deps, lead.brand_name ?? lead.account_name),
      subject: input.subject?.trim() || `A message from ${lead.brand_name ?? lead.account_name}`,
      body: input.body,
      templateId: null,
      idempotencyKey: `manual:${crypto.randomUUID()}`,
      metered: true,
    });
    if (message.status === 'queued') {
      await deps.jobs?.enqueue(client, sendMessageJob, { accountId, messageId: message.id });
    }
    return { id: message.id, channel: message.channel, status: message.status };
  });
  if (sent.status === 'queued') deps.jobs?.wake(sendMessageJob.name);
  return sent;
}

/** Sends a failed message again (queued, with a fresh set of attempts). Only a failed one. */
export async function retryLeadMessage(
  db: Database,
  jobs: JobQueue | undefined,
  accountId: string,
  leadId: string,
  messageId: string,
): Promise<{ id: string; channel: 'email' | 'sms'; status: string }> {
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
    return { id: messageId, channel: m.channel, status: 'queued' };
  });
  jobs?.wake(sendMessageJob.name);
  return queued;
}
