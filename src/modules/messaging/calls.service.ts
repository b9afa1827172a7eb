import crypto from 'node:crypto';
import twilio from 'twilio';
import { withTenant } from '../../db/tenant.ts';
import { leadTriggeredJobs } from '../intake/intake.jobs.ts';
import { emitWebhookEvent } from '../webhooks/webhooks.events.ts';
import { recordMessage } from './messages.repo.ts';
import { sendMessageJob } from './messaging.jobs.ts';
import {
  accountTemplate,
  agentsFor,
  leadFacts,
  quietHoursSendAfter,
  templateValues,
} from './messaging.service.ts';
import {
  accountFacts,
  type CallRow,
  callFor,
  type DialReport,
  leadEvent,
  leadWithPhone,
  newPhoneLead,
  queueSend,
  type TelephonyDeps,
  voiceStepUrl,
  wasAnswered,
} from './telephony.ts';
import { DEFAULT_MISSED_CALL_TEXT, renderTemplate, tidyRendered } from './templates.ts';

/**
 * Calls to an account's numbers and the voice callback's later steps (Twilio's voice webhook):
 * an inbound call is forwarded to the agent; unanswered, it is missed (a lead and the text-back);
 * the callback's key press bridges to the lead. Each answer is TwiML.
 */

const { VoiceResponse } = twilio.twiml;

export type InboundCall = { callSid: string; from: string; to: string };

const MISSED_CALL_SAY = "Sorry we missed your call. We'll text you right back.";

/**
 * An inbound call to one of the account's numbers: recorded once per CallSid and forwarded to
 * the agent's phone for 20 s; Twilio then posts the outcome (step `dialed`). With no phone to
 * forward to, the call is missed at once.
 */
export async function receiveCall(
  deps: TelephonyDeps,
  accountId: string,
  call: InboundCall,
): Promise<string> {
  const key = `twilio:${call.callSid}`;
  const { callId, agentPhone, fresh } = await withTenant(deps.db, accountId, async (_tx, client) => {
    const account = await accountFacts(client, accountId);
    const existing = await client.query<{ id: string }>(
      'SELECT id FROM calls WHERE account_id = $1 AND idempotency_key = $2',
      [accountId, key],
    );
    if (existing.rows[0])
      return { callId: existing.rows[0].id, agentPhone: account.agent_phone, fresh: false };
    const id = crypto.randomUUID();
    await client.query(
      `INSERT INTO calls (account_id, id, lead_id, direction, kind, from_number, to_number, status, provider,
         provider_call_id, attempts, idempotency_key)
       VALUES ($1, $2, $3, 'inbound', 'inbound', $4, $5, 'ringing', 'twilio', $6, 1, $7)`,
      [
        accountId,
        id,
        await leadWithPhone(client, accountId, call.from),
        call.from,
        call.to,
        call.callSid,
        key,
      ],
    );
    return { callId: id, agentPhone: account.agent_phone, fresh: true };
  });
  const twiml = new VoiceResponse();
  if (agentPhone) {
    twiml
      .dial({ timeout: 20, action: voiceStepUrl(deps, 'dialed', accountId, callId), method: 'POST' })
      .number(agentPhone);
    return twiml.toString();
  }
  if (fresh) await missedCall(deps, accountId, callId, 'no-answer');
  twiml.say(MISSED_CALL_SAY);
  return twiml.toString();
}

/**
 * The forwarded leg of an inbound call ended (Twilio's Dial action). Answered: connected (a
 * human touch on the lead). Otherwise the call was missed: a lead with source `missed_call`
 * (or the caller's existing lead) and the text-back. A repeated report finds the outcome set
 * and does nothing again.
 */
export async function inboundDialed(
  deps: TelephonyDeps,
  accountId: string,
  callId: string,
  report: DialReport,
): Promise<string | null> {
  const connected = wasAnswered(report);
  const found = await withTenant(deps.db, accountId, async (_tx, client) => {
    const call = await callFor(client, accountId, callId, report.callSid);
    if (call?.kind !== 'inbound') return null;
    if (call.outcome === null && connected) {
      await client.query(
        `UPDATE calls SET status = 'completed', outcome = 'connected', duration_seconds = $3,
           answered_at = now(), ended_at = now(), updated_at = now() WHERE account_id = $1 AND id = $2`,
        [accountId, callId, report.dialSeconds],
      );
      if (call.lead_id) await leadEvent(client, accountId, call.lead_id, 'call_connected', { callId });
    }
    return call;
  });
  if (!found) return null;
  const twiml = new VoiceResponse();
  if (connected) return twiml.toString();
  if (found.outcome === null) {
    await missedCall(deps, accountId, callId, report.dialStatus === 'busy' ? 'busy' : 'no-answer');
  }
  twiml.say(MISSED_CALL_SAY);
  return twiml.toString();
}

/**
 * Seed 001's missed-call workflow: the call is `missed`; the caller's newest lead gets a
 * `missed_call` event, or a lead with source `missed_call` is made (with its alert); the
 * text-back goes from the number they called, from the account's template, waiting out the
 * caller's quiet hours, never to a number that opted out.
 */
async function missedCall(
  deps: TelephonyDeps,
  accountId: string,
  callId: string,
  status: 'no-answer' | 'busy',
): Promise<void> {
  const result = await withTenant(deps.db, accountId, async (tx, client) => {
    const { rows } = await client.query<CallRow>(
      `SELECT id, lead_id, kind, from_number, to_number, status, outcome, provider_call_id FROM calls
       WHERE account_id = $1 AND id = $2 FOR UPDATE`,
      [accountId, callId],
    );
    const call = rows[0];
    if (!call || call.outcome !== null) return null;
    let leadId = call.lead_id ?? (await leadWithPhone(client, accountId, call.from_number));
    const created = !leadId;
    if (!leadId) {
      leadId = await newPhoneLead(tx, client, deps, accountId, {
        source: 'missed_call',
        phone: call.from_number,
        message: null,
      });
    }
    await client.query(
      `UPDATE calls SET status = $3, outcome = 'missed', lead_id = $4, ended_at = now(), updated_at = now()
       WHERE account_id = $1 AND id = $2`,
      [accountId, callId, status, leadId],
    );
    await leadEvent(client, accountId, leadId, 'missed_call', { callId });
    await emitWebhookEvent(client, {
      accountId,
      event: 'call.missed',
      data: { callId, leadId, status, url: `/api/v1/leads/${leadId}` },
    });
    const lead = (await leadFacts(client, accountId, leadId))!;
    const agents = await agentsFor(client, accountId, lead.assigned_user_id);
    const template = await accountTemplate(client, accountId, {
      channel: 'sms',
      kind: 'missed_call_text_back',
      pageKind: null,
    });
    const message = await recordMessage(client, accountId, {
      leadId,
      channel: 'sms',
      kind: 'missed_call_text_back',
      to: call.from_number,
      from: call.to_number,
      subject: null,
      body: tidyRendered(
        renderTemplate(template?.body ?? DEFAULT_MISSED_CALL_TEXT, templateValues(lead, agents)),
      ),
      templateId: template?.id ?? null,
      idempotencyKey: `missed_call:${callId}`,
      metered: true,
      sendAfter: quietHoursSendAfter(lead),
    });
    await queueSend(deps, client, accountId, message);
    return { created, message };
  });
  if (!result) return;
  if (result.message.status === 'queued') deps.jobs?.wake(sendMessageJob.name);
  if (result.created) for (const job of leadTriggeredJobs) deps.jobs?.wake(job.name);
}

/**
 * The agent picked up the voice callback and pressed a key (or none): 1 bridges to the lead,
 * from the account's number; anything else ends the call (`declined`).
 */
export async function callbackAnswered(
  deps: TelephonyDeps,
  accountId: string,
  callId: string,
  report: { callSid: string; digits: string },
): Promise<string | null> {
  const leadPhone = await withTenant(deps.db, accountId, async (_tx, client) => {
    const call = await callFor(client, accountId, callId, report.callSid);
    if (call?.kind !== 'voice_callback' || !call.lead_id) return null;
    const { rows } = await client.query<{ phone_e164: string | null }>(
      'SELECT phone_e164 FROM leads WHERE account_id = $1 AND id = $2',
      [accountId, call.lead_id],
    );
    const pressed = report.digits.trim() === '1';
    await client.query(
      `UPDATE calls SET answered_at = coalesce(answered_at, now()),
         outcome = CASE WHEN $3 THEN outcome ELSE coalesce(outcome, 'declined') END, updated_at = now()
       WHERE account_id = $1 AND id = $2`,
      [accountId, callId, pressed],
    );
    return { phone: pressed ? (rows[0]?.phone_e164 ?? null) : null, from: call.from_number };
  });
  if (!leadPhone) return null;
  const twiml = new VoiceResponse();
  if (!leadPhone.phone) {
    twiml.say('Okay. The lead is waiting in your inbox. Goodbye.');
    return twiml.toString();
  }
  twiml.say('Connecting you now.');
  twiml
    .dial({
      callerId: leadPhone.from,
      timeout: 25,
      action: voiceStepUrl(deps, 'bridged', accountId, callId),
      method: 'POST',
    })
    .number(leadPhone.phone);
  return twiml.toString();
}

/** The lead's leg of a voice callback ended: connected (a human touch) or lead_no_answer. */
export async function callbackBridged(
  deps: TelephonyDeps,
  accountId: string,
  callId: string,
  report: DialReport,
): Promise<string | null> {
  const connected = wasAnswered(report);
  const done = await withTenant(deps.db, accountId, async (_tx, client) => {
    const call = await callFor(client, accountId, callId, report.callSid);
    if (call?.kind !== 'voice_callback') return false;
    if (call.outcome === null || call.outcome === 'declined') {
      await client.query(
        `UPDATE calls SET outcome = $3, duration_seconds = coalesce($4, duration_seconds), updated_at = now()
         WHERE account_id = $1 AND id = $2`,
        [accountId, callId, connected ? 'connected' : 'lead_no_answer', report.dialSeconds],
      );
      if (call.lead_id) {
        await leadEvent(client, accountId, call.lead_id, connected ? 'call_connected' : 'call_not_answered', {
          callId,
        });
      }
    }
    return true;
  });
  if (!done) return null;
  const twiml = new VoiceResponse();
  if (!connected) twiml.say('The lead did not answer. They are waiting in your inbox. Goodbye.');
  return twiml.toString();
}
