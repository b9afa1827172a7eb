import crypto from 'node:crypto';
import type { SqlClient } from '../../db/client.ts';
import type { MessageKind, MessageStatus } from '../../db/schema/index.ts';
import { creditWallet, debitCredits } from '../credits/credits.service.ts';

/** The messages table, for the send pipeline (messaging.service.ts). Raw SQL on the tenant's client. */

export type MessageRow = {
  id: string;
  lead_id: string | null;
  channel: 'email' | 'sms';
  kind: MessageKind;
  to_address: string;
  from_address: string;
  subject: string | null;
  body: string;
  status: MessageStatus;
  attempts: number;
  metered: boolean;
  send_after: Date | null;
  /** The credit ledger entry that paid for it (past the plan's limit, on a plan with overage). */
  credit_entry_id: string | null;
  /** Set by beginAttempt: an earlier attempt was cut short (the row was found `sending`). */
  resumed?: boolean;
};

export type NewMessage = {
  leadId: string | null;
  channel: 'email' | 'sms';
  kind: MessageKind;
  to: string;
  from: string;
  subject: string | null;
  body: string;
  templateId: string | null;
  idempotencyKey: string;
  /** Counts against the plan's monthly limit (messages to leads do; alerts to the agent do not). */
  metered: boolean;
  /** Not before (quiet hours); absent: at once. */
  sendAfter?: Date | null;
};

/** A message row as the send pipeline reads it; the notify benchmark reads the same. */
export const MESSAGE_COLUMNS = `id, lead_id, channel, kind, to_address, from_address, subject, body, status, attempts,
  kind NOT IN ('agent_alert', 'verification') AS metered, send_after, credit_entry_id`;

/**
 * Records a message to send, once per idempotency key (a retried job finds the row it made):
 * `suppressed` when the address opted out, else `queued`.
 */
/**
 * Inserts a message once per idempotency key ($1 account, $2 id, $3 lead, $4 channel, $5 kind, $6 to,
 * $7 from, $8 subject, $9 body, $10 template, $11 key, $12 send_after); the notify benchmark runs it too.
 */
export const RECORD_MESSAGE_SQL = `INSERT INTO messages (account_id, id, lead_id, channel, kind, to_address, from_address, subject, body,
       template_id, status, idempotency_key, send_after)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
       CASE WHEN EXISTS (SELECT 1 FROM suppressions s WHERE s.account_id = $1 AND s.channel = $4
         AND s.address = lower($6)) THEN 'suppressed' ELSE 'queued' END, $11, $12
     ON CONFLICT (account_id, idempotency_key) DO NOTHING
     RETURNING ${MESSAGE_COLUMNS}`;

export async function recordMessage(
  client: SqlClient,
  accountId: string,
  m: NewMessage,
): Promise<MessageRow> {
  const inserted = await client.query<MessageRow>(RECORD_MESSAGE_SQL, [
    accountId,
    crypto.randomUUID(),
    m.leadId,
    m.channel,
    m.kind,
    m.to,
    m.from,
    m.subject,
    m.body,
    m.templateId,
    m.idempotencyKey,
    m.sendAfter ?? null,
  ]);
  if (inserted.rows[0]) return inserted.rows[0];
  const { rows } = await client.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE account_id = $1 AND idempotency_key = $2`,
    [accountId, m.idempotencyKey],
  );
  return rows[0]!;
}

const COUNTER = { email: 'emails_sent', sms: 'sms_sent' } as const;
const LIMIT = { email: 'emails', sms: 'sms' } as const;

/**
 * Starts an attempt, recorded before the provider is called: `sending`, attempts + 1. On the
 * first attempt a metered message takes its place in the month's counter, in this same
 * transaction, unless the plan's limit is reached: then it is `over_limit` and not sent.
 * Answers the row as it now stands, or null when there is nothing to send.
 */
export async function beginAttempt(
  client: SqlClient,
  accountId: string,
  id: string,
  hooks: CreditHooks = {},
): Promise<MessageRow | null> {
  const { rows } = await client.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE account_id = $1 AND id = $2 FOR UPDATE`,
    [accountId, id],
  );
  const m = rows[0];
  if (!m || !['queued', 'sending', 'failed'].includes(m.status)) return null;
  // Waiting out quiet hours: answered as it is (`queued`), not started.
  if (m.status === 'queued' && m.send_after && new Date(m.send_after).getTime() > Date.now()) return m;
  if (m.metered && m.attempts === 0) {
    const counter = COUNTER[m.channel];
    await client.query(
      `INSERT INTO usage_counters (account_id, id, period_month) VALUES ($1, $2, date_trunc('month', now())::date)
       ON CONFLICT (account_id, period_month) DO NOTHING`,
      [accountId, crypto.randomUUID()],
    );
    const taken = await client.query(
      `UPDATE usage_counters u SET ${counter} = u.${counter} + 1, updated_at = now()
       FROM accounts a JOIN plans p ON p.code = a.plan_code
       WHERE u.account_id = $1 AND u.period_month = date_trunc('month', now())::date AND a.id = $1
         AND u.${counter} < coalesce((p.limits->>'${LIMIT[m.channel]}')::int, 2147483647)
       RETURNING u.${counter}`,
      [accountId],
    );
    if (taken.rowCount === 0) {
      const paid = await payWithCredits(client, accountId, m, hooks);
      if (paid) return beginSending(client, accountId, { ...m, credit_entry_id: paid });
      await client.query(
        `UPDATE messages SET status = 'over_limit', updated_at = now() WHERE account_id = $1 AND id = $2`,
        [accountId, id],
      );
      return { ...m, status: 'over_limit' };
    }
  }
  return beginSending(client, accountId, m);
}

async function beginSending(client: SqlClient, accountId: string, m: MessageRow): Promise<MessageRow> {
  await client.query(
    `UPDATE messages SET status = 'sending', attempts = attempts + 1, last_attempt_at = now(),
       credit_entry_id = $3, updated_at = now()
     WHERE account_id = $1 AND id = $2`,
    [accountId, m.id, m.credit_entry_id],
  );
  return { ...m, status: 'sending', attempts: m.attempts + 1, resumed: m.status === 'sending' };
}

const CREDIT_ACTION = { email: 'email_send', sms: 'sms_send' } as const;

/**
 * Past the plan's monthly limit, a plan with overage (`allow_overage`) pays for the message from
 * the credit wallet, in this transaction: answers the ledger entry, or null (no overage, or not
 * enough credits, or today's spending limit reached) and the message is `over_limit`.
 */
export type CreditHooks = {
  /** Queues the auto-recharge in this transaction, when a debit took the wallet under its threshold. */
  onRechargeDue?: ((client: SqlClient) => Promise<void>) | undefined;
};

async function payWithCredits(
  client: SqlClient,
  accountId: string,
  m: MessageRow,
  hooks: CreditHooks,
): Promise<string | null> {
  const { rows } = await client.query<{ allow_overage: boolean }>(
    'SELECT p.allow_overage FROM accounts a JOIN plans p ON p.code = a.plan_code WHERE a.id = $1',
    [accountId],
  );
  if (!rows[0]?.allow_overage) return null;
  const debit = await debitCredits(client, accountId, {
    action: CREDIT_ACTION[m.channel],
    reference: { messageId: m.id, ...(m.lead_id ? { leadId: m.lead_id } : {}) },
  });
  if (!debit.ok) return null;
  if (debit.rechargeDue) await hooks.onRechargeDue?.(client);
  return debit.entryId;
}

export async function markSent(
  client: SqlClient,
  accountId: string,
  id: string,
  provider: string,
  providerMessageId: string,
): Promise<void> {
  await client.query(
    `UPDATE messages SET status = 'sent', provider = $3, provider_message_id = $4, error = NULL, sent_at = now(),
       updated_at = now() WHERE account_id = $1 AND id = $2`,
    [accountId, id, provider, providerMessageId],
  );
}

/**
 * A failed attempt: `queued` again when another attempt will follow, else `failed` (the dead
 * letter: visible on the lead, retryable by hand). A metered message that failed for good gives
 * its place in the month's counter back, in the same transaction.
 */
export async function markFailed(
  client: SqlClient,
  accountId: string,
  m: MessageRow,
  failure: { provider: string; error: string; final: boolean },
): Promise<void> {
  await client.query(
    `UPDATE messages SET status = $3, provider = $4, error = $5, updated_at = now() WHERE account_id = $1 AND id = $2`,
    [accountId, m.id, failure.final ? 'failed' : 'queued', failure.provider, failure.error.slice(0, 500)],
  );
  if (failure.final && m.credit_entry_id) {
    // Paid with credits: they go back (a refund naming the entry), and the counter was not taken.
    const { rows } = await client.query<{ credits: string | number }>(
      'SELECT credits FROM credit_ledger WHERE account_id = $1 AND id = $2',
      [accountId, m.credit_entry_id],
    );
    const spent = -Number(rows[0]?.credits ?? 0);
    if (spent > 0)
      await creditWallet(client, accountId, {
        kind: 'refund',
        credits: spent,
        reference: { messageId: m.id, refundOf: m.credit_entry_id },
      });
  } else if (failure.final && m.metered) {
    const counter = COUNTER[m.channel];
    await client.query(
      `UPDATE usage_counters SET ${counter} = greatest(${counter} - 1, 0), updated_at = now()
       WHERE account_id = $1 AND period_month = date_trunc('month', now())::date`,
      [accountId],
    );
  }
}
