import crypto from 'node:crypto';
import twilio from 'twilio';
import type { Database, SqlClient } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import { SmsSendError } from '../../providers/sms/sms.ts';
import { senderNumber } from '../phone-numbers/phone-numbers.service.ts';
import { type LeadFacts, leadFacts, type MessagingDeps, quietHoursSendAfter } from './messaging.service.ts';

/**
 * Seed 000's voice callback: for a new lead, on plans with the voiceCallback feature and
 * accounts that turned it on, Porchlight rings the agent's phone from the account's number,
 * announces the lead, and on "press 1" bridges the agent to the lead (TwiML; the steps come
 * back through the voice webhook). Recorded in `calls`; the outcome lands on the lead.
 */

const { VoiceResponse } = twilio.twiml;

export type PlannedCall = { id: string; status: string; send_after: Date | null };

/**
 * Records the callback for a new lead, once per job (`queued`, or `deferred` until the lead's
 * quiet hours end: the bridge rings the lead), when everything it needs is there: the plan's
 * feature, the account's switch and verified phone, the lead's phone and a number to call from.
 */
export async function planVoiceCallback(
  client: SqlClient,
  accountId: string,
  lead: LeadFacts,
  jobId: string,
): Promise<PlannedCall | null> {
  const ready = lead.plan_voice_callback && lead.voice_callback && lead.agent_phone_verified;
  if (!ready || !lead.agent_phone || !lead.phone_e164) return null;
  const from = await senderNumber(client, accountId);
  if (!from) return null;
  const sendAfter = quietHoursSendAfter(lead);
  const key = `${jobId}:voice_callback`;
  await client.query(
    `INSERT INTO calls (account_id, id, lead_id, direction, kind, from_number, to_number, status, send_after,
       idempotency_key)
     VALUES ($1, $2, $3, 'outbound', 'voice_callback', $4, $5, $6, $7, $8)
     ON CONFLICT (account_id, idempotency_key) DO NOTHING`,
    [
      accountId,
      crypto.randomUUID(),
      lead.id,
      from,
      lead.agent_phone,
      sendAfter ? 'deferred' : 'queued',
      sendAfter,
      key,
    ],
  );
  const { rows } = await client.query<PlannedCall>(
    'SELECT id, status, send_after FROM calls WHERE account_id = $1 AND idempotency_key = $2',
    [accountId, key],
  );
  return rows[0] ?? null;
}

/** What the agent hears when they pick up, and the key that bridges them to the lead. */
export function callbackTwiml(publicUrl: string, accountId: string, callId: string, lead: LeadFacts): string {
  const who = lead.full_name ?? 'someone who left no name';
  const where = lead.page_title ? ` from ${lead.page_title}` : '';
  const twiml = new VoiceResponse();
  twiml
    .gather({
      numDigits: 1,
      timeout: 8,
      action: `${publicUrl}/webhooks/twilio/voice?step=callback&account=${accountId}&call=${callId}`,
      method: 'POST',
    })
    .say(`New Porchlight lead${where}: ${who}. Press 1 to call them now.`);
  twiml.say('No key was pressed. The lead is waiting in your inbox. Goodbye.');
  return twiml.toString();
}

/** Where Twilio reports the agent leg's progress. */
export function callStatusCallback(publicUrl: string, accountId: string, callId: string): string {
  return `${publicUrl}/webhooks/twilio/status?account=${accountId}&call=${callId}`;
}

/**
 * Places a recorded callback: the attempt is recorded (`initiated`, attempts + 1) before the
 * provider is called; Twilio takes no idempotency key, so a callback found `initiated` with no
 * CallSid (an attempt cut short) is not placed again but marked failed. A provider error that
 * may pass puts it back to `queued` for the job's retry; the last attempt or a refusal fails it.
 */
export async function placeVoiceCallback(
  db: Database,
  deps: MessagingDeps,
  accountId: string,
  callId: string,
  options: { lastAttempt: boolean },
): Promise<'placed' | 'failed' | 'retry' | 'skipped' | 'deferred'> {
  const started = await withTenant(db, accountId, async (_tx, client) => {
    const { rows } = await client.query<{
      status: string;
      send_after: Date | null;
      lead_id: string;
      from_number: string;
      to_number: string;
      provider_call_id: string | null;
    }>(
      `SELECT status, send_after, lead_id, from_number, to_number, provider_call_id FROM calls
       WHERE account_id = $1 AND id = $2 AND kind = 'voice_callback' FOR UPDATE`,
      [accountId, callId],
    );
    const call = rows[0];
    if (!call) return 'skipped' as const;
    if (call.status === 'initiated' && call.provider_call_id === null) {
      await client.query(
        `UPDATE calls SET status = 'failed', outcome = 'failed', error = $3, updated_at = now()
         WHERE account_id = $1 AND id = $2`,
        [accountId, callId, 'the attempt was cut short and the call may have been placed'],
      );
      return 'failed' as const;
    }
    if (call.status !== 'queued' && call.status !== 'deferred') return 'skipped' as const;
    if (call.send_after && new Date(call.send_after).getTime() > Date.now()) return 'deferred' as const;
    const lead = await leadFacts(client, accountId, call.lead_id);
    // Gone to spam or held meanwhile: nobody is rung about it.
    if (!lead || lead.is_held || lead.status === 'spam' || !lead.phone_e164) {
      await client.query(
        `UPDATE calls SET status = 'canceled', updated_at = now() WHERE account_id = $1 AND id = $2`,
        [accountId, callId],
      );
      return 'skipped' as const;
    }
    await client.query(
      `UPDATE calls SET status = 'initiated', attempts = attempts + 1, updated_at = now() WHERE account_id = $1 AND id = $2`,
      [accountId, callId],
    );
    return { ...call, lead };
  });
  if (typeof started === 'string') return started;
  try {
    const placed = await deps.sms.startCall(
      {
        to: started.to_number,
        from: started.from_number,
        twiml: callbackTwiml(deps.publicUrl, accountId, callId, started.lead),
        ...(deps.sms.name === 'dev'
          ? {}
          : { statusCallback: callStatusCallback(deps.publicUrl, accountId, callId) }),
        timeoutSeconds: 25,
        accountId,
        leadId: started.lead_id,
        summary: `Voice callback: rings ${started.to_number}, announces the lead (${started.lead.full_name ?? 'no name'}), press 1 bridges to ${started.lead.phone_e164}`,
      },
      { idempotencyKey: callId },
    );
    await withTenant(db, accountId, (_tx, client) =>
      client.query(
        `UPDATE calls SET provider = $3, provider_call_id = $4, error = NULL, updated_at = now()
         WHERE account_id = $1 AND id = $2`,
        [accountId, callId, deps.sms.name, placed.providerCallId],
      ),
    );
    return 'placed';
  } catch (error) {
    const retryable = error instanceof SmsSendError ? error.retryable : true;
    const final = !retryable || options.lastAttempt;
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    await withTenant(db, accountId, (_tx, client) =>
      client.query(
        `UPDATE calls SET status = $3, outcome = CASE WHEN $4 THEN 'failed' ELSE outcome END, provider = $5,
           error = $6, updated_at = now() WHERE account_id = $1 AND id = $2`,
        [accountId, callId, final ? 'failed' : 'queued', final, deps.sms.name, message],
      ),
    );
    return final ? 'failed' : 'retry';
  }
}

/** The lead's facts for planning, in its account's transaction (the notify job's second step). */
export function planCallbackFor(
  db: Database,
  accountId: string,
  leadId: string,
  jobId: string,
  enqueue: (client: SqlClient, call: PlannedCall) => Promise<void>,
): Promise<PlannedCall | null> {
  return withTenant(db, accountId, async (_tx, client) => {
    const lead = await leadFacts(client, accountId, leadId);
    if (!lead || lead.is_held || lead.status === 'spam') return null;
    const call = await planVoiceCallback(client, accountId, lead, jobId);
    if (call && (call.status === 'queued' || call.status === 'deferred')) await enqueue(client, call);
    return call;
  });
}
