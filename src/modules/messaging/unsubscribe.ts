import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { isUuid, withTenant } from '../../db/tenant.ts';

/**
 * One-click unsubscribe (RFC 8058) for the emails a lead gets. Each carries
 * `List-Unsubscribe: <{BASE_URL}/u/{accountId}/{messageId}/{signature}>` and
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click`; the signature is an HMAC of the two ids
 * under the server pepper, so a link cannot be made for another message. A POST to the link
 * suppresses that message's address for its account at once, with no login; a GET only asks
 * (mail scanners follow links).
 */

function signature(pepper: string, accountId: string, messageId: string): string {
  return crypto
    .createHmac('sha256', pepper)
    .update(`unsubscribe:${accountId}:${messageId}`)
    .digest('base64url')
    .slice(0, 32);
}

export function unsubscribeUrl(
  baseUrl: string,
  pepper: string,
  accountId: string,
  messageId: string,
): string {
  return `${baseUrl}/u/${accountId}/${messageId}/${signature(pepper, accountId, messageId)}`;
}

/** The headers that go with an email to a lead. */
export function unsubscribeHeaders(url: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

export function isUnsubscribeLink(
  pepper: string,
  accountId: string,
  messageId: string,
  sig: string,
): boolean {
  if (!isUuid(accountId) || !isUuid(messageId) || typeof sig !== 'string') return false;
  const expected = Buffer.from(signature(pepper, accountId, messageId));
  const given = Buffer.from(sig);
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

/**
 * Whom a link is from (the account's public name), and, with `apply`, the suppression of its
 * message's address; null when the message is gone. Call only with a checked link.
 */
export async function unsubscribeByMessage(
  db: Database,
  accountId: string,
  messageId: string,
  apply: boolean,
): Promise<{ from: string } | null> {
  return withTenant(db, accountId, async (_tx, client) => {
    const { rows } = await client.query<{ channel: string; to_address: string; name: string }>(
      `SELECT m.channel, m.to_address, coalesce(b.display_name, a.name) AS name FROM messages m
       JOIN accounts a ON a.id = m.account_id LEFT JOIN branding b ON b.account_id = m.account_id
       WHERE m.account_id = $1 AND m.id = $2`,
      [accountId, messageId],
    );
    const m = rows[0];
    if (!m) return null;
    if (apply) {
      await client.query(
        `INSERT INTO suppressions (account_id, id, channel, address, reason) VALUES ($1, $2, $3, lower($4), 'unsubscribe')
         ON CONFLICT (account_id, channel, address) DO NOTHING`,
        [accountId, crypto.randomUUID(), m.channel, m.to_address],
      );
    }
    return { from: m.name };
  });
}
