import crypto from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the secret is `whsec_` and the
 * base64 of 32 random bytes; a signature is `v1,` and the base64 HMAC-SHA256, keyed by those
 * bytes, of `${webhook-id}.${webhook-timestamp}.${body}`. Several signatures are space-separated
 * (during a rotation both the new and the previous secret sign).
 */

const PREFIX = 'whsec_';

export function generateWebhookSecret(): string {
  return `${PREFIX}${crypto.randomBytes(32).toString('base64')}`;
}

/** A new message id (`msg_…`), the `webhook-id` of every attempt at one delivery. */
export function newMessageId(): string {
  return `msg_${crypto.randomBytes(16).toString('hex')}`;
}

/** One `v1,<base64>` signature. */
export function signPayload(secret: string, messageId: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  const mac = crypto.createHmac('sha256', key).update(`${messageId}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The three signing headers for one attempt, signed by every secret given (newest first). */
export function signingHeaders(
  secrets: string[],
  messageId: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((s) => signPayload(s, messageId, timestamp, body)).join(' '),
  };
}
