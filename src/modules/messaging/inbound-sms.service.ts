import crypto from 'node:crypto';
import twilio from 'twilio';
import type { SqlClient } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import { leadTriggeredJobs } from '../intake/intake.jobs.ts';
import { emitWebhookEvent } from '../webhooks/webhooks.events.ts';
import { type NewMessage, recordMessage } from './messages.repo.ts';
import { sendMessageJob } from './messaging.jobs.ts';
import { alertRecipientsFor, leadFacts, sender, suppressAddress } from './messaging.service.ts';
import {
  type AccountFacts,
  accountFacts,
  leadEvent,
  leadWithPhone,
  newPhoneLead,
  queueSend,
  type TelephonyDeps,
} from './telephony.ts';
import { SMS_STOP_LINE } from './templates.ts';

/**
 * Texts to an account's numbers (Twilio's SMS webhook, once its signature is checked and the
 * number routed to its account): threaded onto the lead with that phone or a new `sms` lead,
 * STOP/START/HELP, and the agent told of a reply. The answer is TwiML. Every write is in the
 * account's own transaction; the MessageSid makes a repeated webhook a no-op.
 */

const { MessagingResponse } = twilio.twiml;

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
    await emitWebhookEvent(client, {
      accountId,
      event: 'message.received',
      data: { messageId, leadId, channel: 'sms', url: leadId ? `/api/v1/leads/${leadId}` : null },
    });
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
 * Tells the members who hear of this lead's arrival (`alertRecipientsFor`: its assignee unless
 * they chose no emails, else those who chose every unassigned lead) by email, and the verified
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
  const planned: NewMessage[] = (await alertRecipientsFor(client, accountId, lead.assigned_user_id)).map(
    (agent) => ({
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
    }),
  );
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
