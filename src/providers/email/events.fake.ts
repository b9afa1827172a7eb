import { generateKeyPairSync, sign } from 'node:crypto';
import { SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER } from './events.ts';

/**
 * Test helpers for the email event webhooks: a SendGrid signing key pair and requests as SendGrid
 * and Brevo send them. Header names are lowercase, as Node hands them to a route.
 */

/** A SendGrid-style signing key pair: the public half as SendGrid shows it, and a signer. */
export type SendgridEventKeys = {
  /** Base64 DER SubjectPublicKeyInfo, the form SendGrid's settings page and API give. */
  publicKey: string;
  /** Base64 DER ECDSA P-256 / SHA-256 signature of `timestamp + rawBody`, as SendGrid makes it. */
  sign(timestamp: string | number, rawBody: string): string;
};

/** A fresh P-256 key pair standing in for the one SendGrid generates for a Signed Event Webhook. */
export function sendgridEventKeys(): SendgridEventKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    sign: (timestamp, rawBody) =>
      sign('sha256', Buffer.from(`${timestamp}${rawBody}`, 'utf8'), privateKey).toString('base64'),
  };
}

/** The body and headers of a signed SendGrid Event Webhook POST; `timestamp` defaults to now. */
export function signedSendgridRequest(
  events: object[],
  keys: SendgridEventKeys,
  timestamp: number = Math.floor(Date.now() / 1000),
): { rawBody: string; headers: Record<string, string> } {
  const rawBody = JSON.stringify(events);
  return {
    rawBody,
    headers: {
      'content-type': 'application/json',
      [SENDGRID_SIGNATURE_HEADER.toLowerCase()]: keys.sign(timestamp, rawBody),
      [SENDGRID_TIMESTAMP_HEADER.toLowerCase()]: String(timestamp),
    },
  };
}

/** The body and headers of a Brevo transactional webhook POST made with a bearer token. */
export function brevoRequest(
  event: object,
  token: string,
): { rawBody: string; headers: Record<string, string> } {
  return {
    rawBody: JSON.stringify(event),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  };
}
