import crypto from 'node:crypto';
import type { Database, SqlClient, Tx } from '../../db/client.ts';
import type { JobQueue } from '../../platform/jobs.ts';
import { leadTriggeredJobs } from '../intake/intake.jobs.ts';
import { insertNewLead } from '../leads/leads.service.ts';
import type { MessageRow } from './messages.repo.ts';
import { secondsUntil, sendMessageJob } from './messaging.jobs.ts';

/**
 * What the Twilio webhooks' services share (telephony: inbound-sms, calls, delivery-reports):
 * the account's facts, the thread a phone belongs to, lead events, a lead made by phone, and the
 * send job of a recorded message. Each takes the client of the caller's tenant transaction.
 */
export type TelephonyDeps = {
  db: Database;
  jobs: JobQueue | undefined;
  publicUrl: string;
  /** For the alert an agent gets when a lead texts back: links into the app, and the sender. */
  baseUrl: string;
  emailFrom: string;
};

export type AccountFacts = {
  name: string;
  brand_name: string | null;
  brand_brokerage: string | null;
  phone: string | null;
  agent_phone: string | null;
};

export async function accountFacts(client: SqlClient, accountId: string): Promise<AccountFacts> {
  const { rows } = await client.query<AccountFacts>(
    `SELECT a.name, b.display_name AS brand_name, b.brokerage AS brand_brokerage,
       coalesce(b.phone_e164, a.phone_e164) AS phone, a.phone_e164 AS agent_phone
     FROM accounts a LEFT JOIN branding b ON b.account_id = a.id WHERE a.id = $1`,
    [accountId],
  );
  return rows[0]!;
}

/** The newest lead with this phone (the thread a text or call belongs to). */
export async function leadWithPhone(
  client: SqlClient,
  accountId: string,
  phone: string,
): Promise<string | null> {
  const { rows } = await client.query<{ id: string }>(
    `SELECT id FROM leads WHERE account_id = $1 AND phone_e164 = $2 ORDER BY created_at DESC, id LIMIT 1`,
    [accountId, phone],
  );
  return rows[0]?.id ?? null;
}

export async function leadEvent(
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
export async function newPhoneLead(
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

/** Where Twilio posts the next step of a call: the voice webhook, naming the account and call. */
export function voiceStepUrl(deps: TelephonyDeps, step: string, accountId: string, callId: string): string {
  return `${deps.publicUrl}/webhooks/twilio/voice?step=${step}&account=${accountId}&call=${callId}`;
}

/** What Twilio posts when a `<Dial>` ends (its action URL). */
export type DialReport = { callSid: string; dialStatus: string; dialSeconds: number | null };

/** The dialled party picked up (Twilio's DialCallStatus). */
export const wasAnswered = (r: DialReport) => r.dialStatus === 'completed' || r.dialStatus === 'answered';

export type CallRow = {
  id: string;
  lead_id: string | null;
  kind: 'voice_callback' | 'inbound';
  from_number: string;
  to_number: string;
  status: string;
  outcome: string | null;
  provider_call_id: string | null;
};

export async function callFor(
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

/** A recorded message's send job, in the caller's transaction: at once, or when its quiet hours end. */
export async function queueSend(
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
