import { withTenant } from '../../db/tenant.ts';
import { suppressAddress } from './messaging.service.ts';
import { callFor, leadEvent, type TelephonyDeps } from './telephony.ts';

/*
 * Twilio's delivery and progress reports (the status webhook) for the texts and calls we placed.
 */

/** Twilio's message statuses in the order they happen; a report never moves a message back. */
const MESSAGE_PROGRESS = ['queued', 'accepted', 'sending', 'sent', 'delivered', 'read'];
const MESSAGE_FAILED = ['undelivered', 'failed'];
/** Twilio 21610: the recipient replied STOP at the carrier. */
const UNSUBSCRIBED_RECIPIENT = '21610';

/**
 * A delivery report for a text (Twilio's StatusCallback): the provider's status, and a
 * failure after the fact (`undelivered`, `failed`) turns the message `failed` with Twilio's
 * error code. Only for the message the URL names and whose MessageSid it carries.
 */
export async function messageStatus(
  deps: TelephonyDeps,
  accountId: string,
  messageId: string,
  report: { messageSid: string; status: string; errorCode: string | null },
): Promise<boolean> {
  return withTenant(deps.db, accountId, async (_tx, client) => {
    const { rows } = await client.query<{
      provider_message_id: string | null;
      provider_status: string | null;
      status: string;
      to_address: string;
    }>(
      `SELECT provider_message_id, provider_status, status, to_address FROM messages
       WHERE account_id = $1 AND id = $2 AND channel = 'sms' AND direction = 'outbound' FOR UPDATE`,
      [accountId, messageId],
    );
    const m = rows[0];
    if (!m || (m.provider_message_id !== null && m.provider_message_id !== report.messageSid)) return false;
    const failed = MESSAGE_FAILED.includes(report.status);
    const before = MESSAGE_PROGRESS.indexOf(m.provider_status ?? '');
    const after = MESSAGE_PROGRESS.indexOf(report.status);
    if (MESSAGE_FAILED.includes(m.provider_status ?? '') || (!failed && (after < 0 || after <= before)))
      return true;
    await client.query(
      `UPDATE messages SET provider_status = $3, provider_message_id = coalesce(provider_message_id, $4),
         status = CASE WHEN $5 THEN 'failed' ELSE status END,
         error = CASE WHEN $5 THEN $6 ELSE error END, updated_at = now()
       WHERE account_id = $1 AND id = $2`,
      [
        accountId,
        messageId,
        report.status,
        report.messageSid,
        failed,
        `twilio: ${report.status}${report.errorCode ? ` (error ${report.errorCode})` : ''}`,
      ],
    );
    if (failed && report.errorCode === UNSUBSCRIBED_RECIPIENT) {
      await suppressAddress(client, accountId, 'sms', m.to_address, 'stop');
    }
    return true;
  });
}

const CALL_FINAL = ['completed', 'busy', 'no-answer', 'failed', 'canceled'];
const CALL_PROGRESS = ['queued', 'deferred', 'initiated', 'ringing', 'in-progress', ...CALL_FINAL];

/**
 * A progress report for a placed call (the voice callback's agent leg): its status and length;
 * the agent not answering ends the callback as `agent_no_answer`.
 */
export async function callStatus(
  deps: TelephonyDeps,
  accountId: string,
  callId: string,
  report: { callSid: string; status: string; durationSeconds: number | null },
): Promise<boolean> {
  if (!CALL_PROGRESS.includes(report.status)) return false;
  return withTenant(deps.db, accountId, async (_tx, client) => {
    const call = await callFor(client, accountId, callId, report.callSid);
    if (!call) return false;
    if (
      CALL_FINAL.includes(call.status) ||
      CALL_PROGRESS.indexOf(report.status) <= CALL_PROGRESS.indexOf(call.status)
    ) {
      return true;
    }
    const final = CALL_FINAL.includes(report.status);
    const unanswered = ['busy', 'no-answer', 'failed', 'canceled'].includes(report.status);
    await client.query(
      `UPDATE calls SET status = $3, provider_call_id = coalesce(provider_call_id, $4),
         duration_seconds = coalesce($5, duration_seconds),
         answered_at = CASE WHEN $3 = 'in-progress' THEN coalesce(answered_at, now()) ELSE answered_at END,
         ended_at = CASE WHEN $6 THEN now() ELSE ended_at END,
         outcome = CASE WHEN $7 AND outcome IS NULL THEN (CASE WHEN $3 = 'failed' THEN 'failed' ELSE 'agent_no_answer' END)
           ELSE outcome END,
         updated_at = now()
       WHERE account_id = $1 AND id = $2`,
      [accountId, callId, report.status, report.callSid, report.durationSeconds, final, unanswered],
    );
    if (unanswered && call.outcome === null && call.lead_id) {
      await leadEvent(client, accountId, call.lead_id, 'callback_missed', { callId });
    }
    return true;
  });
}
