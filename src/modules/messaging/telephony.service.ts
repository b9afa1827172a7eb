import crypto from 'node:crypto';
import twilio from 'twilio';
import type { Database, SqlClient, Tx } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import type { JobQueue } from '../../platform/jobs.ts';
import { leadTriggeredJobs } from '../intake/intake.jobs.ts';
import { insertNewLead } from '../leads/leads.service.ts';
import { type MessageRow, type NewMessage, recordMessage } from './messages.repo.ts';
import { secondsUntil, sendMessageJob } from './messaging.jobs.ts';
import {
  accountTemplate,
  agentsFor,
  leadFacts,
  quietHoursSendAfter,
  sender,
  suppressAddress,
  templateValues,
} from './messaging.service.ts';
import { DEFAULT_MISSED_CALL_TEXT, renderTemplate, SMS_STOP_LINE, tidyRendered } from './templates.ts';

/**
 * What Twilio's webhooks do once their signature is checked and the number is routed to its
 * account (twilio-webhooks.routes.ts): inbound texts (threaded onto the lead with that phone,
 * STOP/START/HELP), inbound calls (forwarded to the agent; a missed one becomes a lead and gets
 * the text-back), the voice callback's steps, and delivery reports. Each answer is TwiML.
 * Every write is in the account's own transaction; the provider's ids (MessageSid, CallSid)
 * make a repeated webhook a no-op.
 */

const { MessagingResponse, VoiceResponse } = twilio.twiml;

export type TelephonyDeps = {
  db: Database;
  jobs: JobQueue | undefined;
  publicUrl: string;
  /** For the alert an agent gets when a lead texts back: links into the app, and the sender. */
  baseUrl: string;
  emailFrom: string;
};

/** Carrier keywords (CTIA; Twilio's own opt-out list): the text is only the keyword. */
const STOP_WORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'OPT OUT'];
const START_WORDS = ['START', 'UNSTOP', 'YES'];
const HELP_WORDS = ['HELP', 'INFO'];

export type Keyword = 'stop' | 'start' | 'help' | null;

/** STOP, START or HELP when the text is one of their words (any case, spaces and punctuation around). */
export function keywordOf(body: string): Keyword {
  const word = body
    .trim()
    .replace(/^[\s.!?"'()]+|[\s.!?"'()]+$/g, '')
    .replace(/\s+/g, ' ')
    .toUpperCase();
  if (STOP_WORDS.includes(word)) return 'stop';
  if (START_WORDS.includes(word)) return 'start';
  if (HELP_WORDS.includes(word)) return 'help';
  return null;
}

export type InboundSms = { messageSid: string; from: string; to: string; body: string };

type AccountFacts = {
  name: string;
  brand_name: string | null;
  brand_brokerage: string | null;
  phone: string | null;
  agent_phone: string | null;
};

async function accountFacts(client: SqlClient, accountId: string): Promise<AccountFacts> {
  const { rows } = await client.query<AccountFacts>(
    `SELECT a.name, b.display_name AS brand_name, b.brokerage AS brand_brokerage,
       coalesce(b.phone_e164, a.phone_e164) AS phone, a.phone_e164 AS agent_phone
     FROM accounts a LEFT JOIN branding b ON b.account_id = a.id WHERE a.id = $1`,
    [accountId],
  );
  return rows[0]!;
}

/** The newest lead with this phone (the thread a text or call belongs to). */
async function leadWithPhone(client: SqlClient, accountId: string, phone: string): Promise<string | null> {
  const { rows } = await client.query<{ id: string }>(
    `SELECT id FROM leads WHERE account_id = $1 AND phone_e164 = $2 ORDER BY created_at DESC, id LIMIT 1`,
    [accountId, phone],
  );
  return rows[0]?.id ?? null;
}

async function leadEvent(
  client: SqlClient,
  accountId: string,
  leadId: string,
  kind: string,
  payload: object,
) {
  await client.query(
    `INSERT INTO lead_events (account_id, id, lead_id, kind, payload) VALUES ($1, $2, $3, $4, $5)`,
    [accountId, crypto.randomUUID(), leadId, kind, JSON.stringify(payload)],
  );
}

/** A lead that came by phone, with the jobs any new lead triggers (alert, score, webhooks). */
async function newPhoneLead(
  tx: Tx,
  client: SqlClient,
  deps: TelephonyDeps,
  accountId: string,
  input: { source: 'sms' | 'missed_call'; phone: string; message: string | null },
): Promise<string> {
  const lead = await insertNewLead(
    tx,
    accountId,
    { source: input.source, phoneE164: input.phone, message: input.message },
    new Date(),
  );
  for (const job of leadTriggeredJobs) {
    await deps.jobs?.enqueue(client, job, { accountId, leadId: lead.id, event: 'created' });
  }
  return lead.id;
}

/** The answer to HELP: who is texting and how to stop it. */
function helpReply(account: AccountFacts): string {
  const business = account.brand_brokerage ?? account.brand_name ?? account.name;
  const call = account.phone ? ` call ${account.phone} or` : '';
  return `${business}: for help,${call} reply to this text. Msg & data rates may apply. ${SMS_STOP_LINE}`;
}

/**
 * An inbound text to one of the account's numbers. Recorded once per MessageSid (a repeated
 * webhook answers as the first did and writes nothing). STOP-type words suppress the number
 * before the answer goes back (Twilio's own confirmation follows); START-type words lift it;
 * HELP gets the business's name and how to stop. Any other text threads onto the newest lead
 * with that phone, or becomes a lead with source `sms` (and its alert). Answers TwiML.
 */
export async function receiveSms(deps: TelephonyDeps, accountId: string, sms: InboundSms): Promise<string> {
  const keyword = keywordOf(sms.body);
  const key = `twilio:${sms.messageSid}`;
  const queued = await withTenant(deps.db, accountId, async (tx, client) => {
    const account = await accountFacts(client, accountId);
    const reply = keyword === 'help' ? helpReply(account) : null;
    const seen = await client.query('SELECT 1 FROM messages WHERE account_id = $1 AND idempotency_key = $2', [
      accountId,
      key,
    ]);
    if (seen.rowCount) return { reply, created: false };
    let leadId = await leadWithPhone(client, accountId, sms.from);
    let created = false;
    if (!leadId && keyword === null) {
      leadId = await newPhoneLead(tx, client, deps, accountId, {
        source: 'sms',
        phone: sms.from,
        message: sms.body.slice(0, 5000),
      });
      created = true;
    }
    const messageId = crypto.randomUUID();
    await client.query(
      `INSERT INTO messages (account_id, id, lead_id, channel, direction, kind, to_address, from_address, body,
         status, provider, provider_message_id, idempotency_key)
       VALUES ($1, $2, $3, 'sms', 'inbound', 'reply', $4, $5, $6, 'received', 'twilio', $7, $8)`,
      [accountId, messageId, leadId, sms.to, sms.from, sms.body.slice(0, 5000), sms.messageSid, key],
    );
    if (keyword === 'stop') await suppressAddress(client, accountId, 'sms', sms.from, 'stop');
    if (keyword === 'start') {
      await client.query(
        `DELETE FROM suppressions WHERE account_id = $1 AND channel = 'sms' AND address = $2`,
        [accountId, sms.from],
      );
    }
    if (reply) {
      // Given in the webhook's answer (Twilio sends it): recorded as sent, never counted.
      await client.query(
        `INSERT INTO messages (account_id, id, lead_id, channel, direction, kind, to_address, from_address, body,
           status, provider, attempts, sent_at, idempotency_key)
         VALUES ($1, $2, $3, 'sms', 'outbound', 'auto_reply', $4, $5, $6, 'sent', 'twilio', 1, now(), $7)`,
        [accountId, crypto.randomUUID(), leadId, sms.from, sms.to, reply, `${key}:help`],
      );
    }
    let alerted = false;
    if (leadId) {
      const kind = { stop: 'sms_opted_out', start: 'sms_opted_in', help: 'sms_received' }[keyword ?? 'help'];
      await leadEvent(client, accountId, leadId, kind, { messageId });
      // A lead texting back: its agents hear of it as of a new lead (a new one's alert is its own job).
      if (!created && keyword === null) alerted = await alertReply(deps, client, accountId, leadId, sms);
    }
    return { reply, created, alerted };
  });
  if (queued.created) for (const job of leadTriggeredJobs) deps.jobs?.wake(job.name);
  if (queued.alerted) deps.jobs?.wake(sendMessageJob.name);
  const twiml = new MessagingResponse();
  if (queued.reply) twiml.message(queued.reply);
  return twiml.toString();
}

/**
 * Tells the lead's agents (its assigned member, else the owners) by email, and the verified
 * agent phone by text when the account takes alerts by text, that the lead texted back.
 */
async function alertReply(
  deps: TelephonyDeps,
  client: SqlClient,
  accountId: string,
  leadId: string,
  sms: InboundSms,
): Promise<boolean> {
  const lead = await leadFacts(client, accountId, leadId);
  if (!lead || lead.is_held || lead.status === 'spam') return false;
  const who = lead.full_name ?? sms.from;
  const text = sms.body.length > 300 ? `${sms.body.slice(0, 300)}…` : sms.body;
  const link = `${deps.baseUrl}/app/leads/${leadId}`;
  const planned: NewMessage[] = (await agentsFor(client, accountId, lead.assigned_user_id)).map((agent) => ({
    leadId,
    channel: 'email',
    kind: 'agent_alert',
    to: agent.email,
    from: sender(deps, 'Porchlight'),
    subject: `${who} texted you`,
    body: `${who} (${sms.from}) texted your number ${sms.to}:\n\n${text}\n\nOpen the lead: ${link}`,
    templateId: null,
    idempotencyKey: `reply:${sms.messageSid}:${agent.email}`,
    metered: false,
  }));
  if (lead.sms_opt_in && lead.agent_phone && lead.agent_phone_verified) {
    planned.push({
      leadId,
      channel: 'sms',
      kind: 'agent_alert',
      to: lead.agent_phone,
      from: sms.to,
      subject: null,
      body: `${who} texted: ${text.slice(0, 200)} ${link}`,
      templateId: null,
      idempotencyKey: `reply:${sms.messageSid}:sms`,
      metered: false,
    });
  }
  for (const m of planned)
    await queueSend(deps, client, accountId, await recordMessage(client, accountId, m));
  return planned.length > 0;
}

export type InboundCall = { callSid: string; from: string; to: string };

/** Where Twilio posts the next step of a call: the voice webhook, naming the account and call. */
function voiceStepUrl(deps: TelephonyDeps, step: string, accountId: string, callId: string): string {
  return `${deps.publicUrl}/webhooks/twilio/voice?step=${step}&account=${accountId}&call=${callId}`;
}

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

/** What Twilio posts when a `<Dial>` ends (its action URL). */
export type DialReport = { callSid: string; dialStatus: string; dialSeconds: number | null };

/** The dialled party picked up (Twilio's DialCallStatus). */
const wasAnswered = (r: DialReport) => r.dialStatus === 'completed' || r.dialStatus === 'answered';

type CallRow = {
  id: string;
  lead_id: string | null;
  kind: 'voice_callback' | 'inbound';
  from_number: string;
  to_number: string;
  status: string;
  outcome: string | null;
  provider_call_id: string | null;
};

async function callFor(
  client: SqlClient,
  accountId: string,
  callId: string,
  callSid: string,
): Promise<CallRow | null> {
  const { rows } = await client.query<CallRow>(
    `SELECT id, lead_id, kind, from_number, to_number, status, outcome, provider_call_id FROM calls
     WHERE account_id = $1 AND id = $2 FOR UPDATE`,
    [accountId, callId],
  );
  const row = rows[0];
  // The step must be about this call: its CallSid is the one Twilio gave when it was placed.
  if (!row || (row.provider_call_id !== null && row.provider_call_id !== callSid)) return null;
  return row;
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

/** A recorded message's send job, in the caller's transaction: at once, or when its quiet hours end. */
async function queueSend(
  deps: TelephonyDeps,
  client: SqlClient,
  accountId: string,
  m: MessageRow,
): Promise<void> {
  if (m.status !== 'queued') return;
  await deps.jobs?.enqueue(
    client,
    sendMessageJob,
    { accountId, messageId: m.id },
    {
      ...(m.send_after ? { startAfterSeconds: secondsUntil(new Date(m.send_after)) } : {}),
      singletonKey: `message:${m.id}`,
    },
  );
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
