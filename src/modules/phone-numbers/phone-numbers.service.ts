import crypto from 'node:crypto';
import type { Database, SqlClient } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import type { phoneNumberProviders } from '../../db/schema/index.ts';
import { isUuid, withSystem, withTenant } from '../../db/tenant.ts';
import { normalizePhone } from '../../platform/contact.ts';
import { AppError, invalid, notFound } from '../../platform/errors.ts';

/**
 * An account's phone numbers: texts and calls to one reach that account (the global
 * phone_number_routes claim, taken in the same transaction, makes a number one account's), and
 * texts to leads go out from the account's first Twilio number.
 */

export type PhoneNumberRow = {
  id: string;
  e164: string;
  provider: (typeof phoneNumberProviders)[number];
  provider_id: string | null;
  purpose: string | null;
  created_at: Date;
};

/** The list is always answered whole. */
export const MAX_PHONE_NUMBERS = 20;

const COLUMNS = 'id, e164, provider, provider_id, purpose, created_at';

export function listPhoneNumbers(db: Database, accountId: string): Promise<PhoneNumberRow[]> {
  return withTenant(db, accountId, async (_tx, client) => {
    const { rows } = await client.query<PhoneNumberRow>(
      `SELECT ${COLUMNS} FROM phone_numbers WHERE account_id = $1 ORDER BY created_at, id LIMIT ${MAX_PHONE_NUMBERS}`,
      [accountId],
    );
    return rows;
  });
}

export type NewPhoneNumber = {
  e164: string;
  provider: (typeof phoneNumberProviders)[number];
  providerId?: string | null | undefined;
  purpose?: string | null | undefined;
};

const taken = () =>
  new AppError('conflict', 'PHONE_NUMBER_TAKEN', 'That number is already connected to an account');

/**
 * Connects a number: valid (422 naming `body.e164`), at most MAX_PHONE_NUMBERS, claimed by no
 * account (409).
 */
export async function addPhoneNumber(
  db: Database,
  accountId: string,
  input: NewPhoneNumber,
): Promise<PhoneNumberRow> {
  try {
    return await withTenant(db, accountId, async (_tx, client) => {
      const { rows: account } = await client.query<{ country: string }>(
        'SELECT country FROM accounts WHERE id = $1 FOR UPDATE',
        [accountId],
      );
      const e164 = normalizePhone(input.e164, account[0]?.country ?? 'US');
      if (!e164)
        throw invalid('PHONE_NUMBER_INVALID', [
          { path: 'body.e164', message: 'is not a valid phone number' },
        ]);
      const { rows: count } = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM phone_numbers WHERE account_id = $1',
        [accountId],
      );
      if ((count[0]?.n ?? 0) >= MAX_PHONE_NUMBERS) {
        throw new AppError(
          'conflict',
          'PHONE_NUMBER_LIMIT',
          `An account has at most ${MAX_PHONE_NUMBERS} numbers`,
        );
      }
      const id = crypto.randomUUID();
      const { rows } = await client.query<PhoneNumberRow>(
        `INSERT INTO phone_numbers (account_id, id, e164, provider, provider_id, purpose)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
        [accountId, id, e164, input.provider, input.providerId ?? null, input.purpose ?? null],
      );
      await client.query(
        'INSERT INTO phone_number_routes (e164, account_id, phone_number_id) VALUES ($1, $2, $3)',
        [e164, accountId, id],
      );
      return rows[0]!;
    });
  } catch (error) {
    if (
      isUniqueViolation(error, 'phone_number_routes_pkey') ||
      isUniqueViolation(error, 'phone_numbers_account_e164_key')
    ) {
      throw taken();
    }
    throw error;
  }
}

/** Disconnects a number (404 when the account has no such number); texts and calls to it stop routing. */
export async function removePhoneNumber(db: Database, accountId: string, id: string): Promise<void> {
  const gone = () => notFound('PHONE_NUMBER_NOT_FOUND', 'No such phone number');
  if (!isUuid(id)) throw gone();
  const removed = await withTenant(db, accountId, async (_tx, client) => {
    const { rows } = await client.query<{ e164: string }>(
      'DELETE FROM phone_numbers WHERE account_id = $1 AND id = $2 RETURNING e164',
      [accountId, id],
    );
    if (rows[0]) {
      await client.query('DELETE FROM phone_number_routes WHERE e164 = $1 AND account_id = $2', [
        rows[0].e164,
        accountId,
      ]);
    }
    return rows.length;
  });
  if (removed === 0) throw gone();
}

/** The account a number belongs to (the cross-tenant routing path a Twilio webhook takes). */
export async function accountOfNumber(db: Database, e164: string): Promise<string | null> {
  return withSystem(db, 'routing: phone number', async (_tx, client) => {
    const { rows } = await client.query<{ account_id: string }>(
      'SELECT account_id FROM phone_number_routes WHERE e164 = $1',
      [e164],
    );
    return rows[0]?.account_id ?? null;
  });
}

/** The account's sending number ($1 account); the notify benchmark runs it too. */
export const SENDER_NUMBER_SQL = `SELECT e164 FROM phone_numbers WHERE account_id = $1 AND provider = 'twilio'
  ORDER BY (purpose = 'main') DESC NULLS LAST, created_at, id LIMIT 1`;

/** The number texts and calls go out from: the account's first Twilio number. */
export async function senderNumber(client: SqlClient, accountId: string): Promise<string | null> {
  const { rows } = await client.query<{ e164: string }>(SENDER_NUMBER_SQL, [accountId]);
  return rows[0]?.e164 ?? null;
}
