import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import { AppError, invalid } from '../../platform/errors.ts';
import { safeEqualHex } from '../../platform/tokens.ts';
import type { SmsProvider } from '../../providers/sms/sms.ts';
import { senderNumber } from '../phone-numbers/phone-numbers.service.ts';

/**
 * Proving the account's phone receives texts before Porchlight texts it alerts or rings it for
 * the voice callback: a 6-digit code is texted to it and typed back. Only the code's HMAC is
 * kept (keyed with the server pepper and bound to the account and the number), for 10 minutes
 * and 5 tries; one code a minute and 5 an hour. Changing the phone clears the proof.
 */

const CODE_TTL_MS = 10 * 60_000;
const MAX_TRIES = 5;
const RESEND_AFTER_MS = 60_000;
const MAX_PER_HOUR = 5;

export type VerificationDeps = {
  db: Database;
  sms: SmsProvider;
  pepper: string;
  smsFallbackFrom: string | null;
};

function codeHash(pepper: string, accountId: string, phone: string, code: string): string {
  return crypto
    .createHmac('sha256', pepper)
    .update(`phone-verification:${accountId}:${phone}:${code}`)
    .digest('hex');
}

/** Texts a new code to the account's phone; answers where and until when. */
export async function startPhoneVerification(
  deps: VerificationDeps,
  accountId: string,
): Promise<{ sentTo: string; expiresAt: string }> {
  const code = String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
  const planned = await withTenant(deps.db, accountId, async (_tx, client) => {
    const { rows } = await client.query<{ phone_e164: string | null }>(
      'SELECT phone_e164 FROM accounts WHERE id = $1 FOR UPDATE',
      [accountId],
    );
    const phone = rows[0]?.phone_e164;
    if (!phone)
      throw invalid('ACCOUNT_PHONE_MISSING', [{ path: 'phone', message: 'set the account phone first' }]);
    const recent = await client.query<{ newest: Date | null; n: number }>(
      `SELECT max(created_at) AS newest, count(*)::int AS n FROM phone_verifications
       WHERE account_id = $1 AND created_at > now() - interval '1 hour'`,
      [accountId],
    );
    const { newest, n } = recent.rows[0]!;
    const wait = newest ? Math.ceil((new Date(newest).getTime() + RESEND_AFTER_MS - Date.now()) / 1000) : 0;
    if (wait > 0 || n >= MAX_PER_HOUR) {
      throw new AppError(
        'rate_limited',
        'PHONE_VERIFICATION_RATE_LIMITED',
        n >= MAX_PER_HOUR
          ? 'Five codes an hour at most: try again later'
          : 'A code was just sent: wait a minute',
        [],
        { 'retry-after': String(n >= MAX_PER_HOUR ? 3600 : Math.max(1, wait)) },
      );
    }
    const from = (await senderNumber(client, accountId)) ?? deps.smsFallbackFrom;
    if (!from) {
      throw invalid('NO_SENDING_NUMBER', [
        { path: 'phone', message: 'the account has no number to text from: connect one in phone numbers' },
      ]);
    }
    const id = crypto.randomUUID();
    const expiresAt = new Date(Date.now() + CODE_TTL_MS);
    await client.query(
      `INSERT INTO phone_verifications (account_id, id, phone_e164, code_hash, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [accountId, id, phone, codeHash(deps.pepper, accountId, phone, code), expiresAt],
    );
    // The send is on record like every other (the code itself is not kept).
    await client.query(
      `INSERT INTO messages (account_id, id, channel, kind, to_address, from_address, body, status, attempts,
         last_attempt_at, idempotency_key)
       VALUES ($1, $2, 'sms', 'verification', $3, $4, 'Your Porchlight code is ••••••', 'sending', 1, now(), $5)`,
      [accountId, id, phone, from, `verification:${id}`],
    );
    return { id, phone, from, expiresAt };
  });
  try {
    const sent = await deps.sms.sendSms(
      {
        to: planned.phone,
        from: planned.from,
        body: `Your Porchlight code is ${code}. It expires in 10 minutes.`,
        accountId,
      },
      { idempotencyKey: planned.id },
    );
    await withTenant(deps.db, accountId, (_tx, client) =>
      client.query(
        `UPDATE messages SET status = 'sent', provider = $3, provider_message_id = $4, sent_at = now(), updated_at = now()
         WHERE account_id = $1 AND id = $2`,
        [accountId, planned.id, deps.sms.name, sent.providerMessageId],
      ),
    );
  } catch (error) {
    await withTenant(deps.db, accountId, (_tx, client) =>
      client.query(
        `UPDATE messages SET status = 'failed', provider = $3, error = $4, updated_at = now() WHERE account_id = $1 AND id = $2`,
        [
          accountId,
          planned.id,
          deps.sms.name,
          (error instanceof Error ? error.message : String(error)).slice(0, 500),
        ],
      ),
    );
    throw new AppError(
      'unavailable',
      'PHONE_VERIFICATION_NOT_SENT',
      'The code could not be texted: try again shortly',
    );
  }
  return { sentTo: planned.phone, expiresAt: planned.expiresAt.toISOString() };
}

/** Checks a typed code against the newest one for the account's current phone; 422 naming `code`. */
export async function confirmPhoneVerification(
  deps: { db: Database; pepper: string },
  accountId: string,
  code: string,
): Promise<void> {
  const result = await withTenant(deps.db, accountId, async (_tx, client) => {
    const { rows } = await client.query<{
      id: string;
      phone_e164: string;
      code_hash: string;
      attempts: number;
    }>(
      `SELECT v.id, v.phone_e164, v.code_hash, v.attempts FROM phone_verifications v
       JOIN accounts a ON a.id = v.account_id AND a.phone_e164 = v.phone_e164
       WHERE v.account_id = $1 AND v.verified_at IS NULL AND v.expires_at > now()
       ORDER BY v.created_at DESC LIMIT 1 FOR UPDATE OF v`,
      [accountId],
    );
    const v = rows[0];
    if (!v) return 'none' as const;
    if (v.attempts >= MAX_TRIES) return 'spent' as const;
    if (!safeEqualHex(codeHash(deps.pepper, accountId, v.phone_e164, code.trim()), v.code_hash)) {
      await client.query(
        'UPDATE phone_verifications SET attempts = attempts + 1 WHERE account_id = $1 AND id = $2',
        [accountId, v.id],
      );
      return 'wrong' as const;
    }
    await client.query(
      'UPDATE phone_verifications SET verified_at = now() WHERE account_id = $1 AND id = $2',
      [accountId, v.id],
    );
    await client.query('UPDATE accounts SET phone_verified_at = now(), updated_at = now() WHERE id = $1', [
      accountId,
    ]);
    return 'ok' as const;
  });
  const message = {
    none: 'no code is waiting for this phone: ask for a new one',
    spent: 'too many wrong tries: ask for a new code',
    wrong: 'is not the code we texted',
  } as const;
  if (result !== 'ok')
    throw invalid('PHONE_VERIFICATION_FAILED', [{ path: 'code', message: message[result] }]);
}
