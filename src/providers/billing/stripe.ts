import Stripe from 'stripe';
import type { Config } from '../../config.ts';

/** The Stripe API version this code reads objects in (the SDK's own). */
export const STRIPE_API_VERSION = Stripe.API_VERSION;

/**
 * The official Stripe client for this install, or null when `STRIPE_SECRET_KEY` is unset (billing
 * then answers that it is not configured). `STRIPE_API_URL` moves it to a local fake in tests.
 */
export function stripeClient(config: Pick<Config, 'stripe'>): Stripe | null {
  if (!config.stripe.secretKey) return null;
  const url = new URL(config.stripe.apiUrl);
  return new Stripe(config.stripe.secretKey, {
    host: url.hostname,
    port: url.port || (url.protocol === 'https:' ? 443 : 80),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    maxNetworkRetries: 2,
    timeout: 20_000,
    telemetry: false,
    appInfo: { name: 'Porchlight' },
  });
}

/** Stripe's signature tolerance, in seconds: an older signed timestamp is refused. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/**
 * Checks `Stripe-Signature` over the raw body with each configured secret (several while one
 * is rolled; the header itself may carry several `v1` too) and gives the event, or null.
 */
export function verifyStripeEvent(
  rawBody: Buffer,
  header: string | undefined,
  secrets: readonly string[],
  now = Date.now(),
): Stripe.Event | null {
  if (!header || secrets.length === 0) return null;
  for (const secret of secrets) {
    try {
      return Stripe.webhooks.constructEvent(
        rawBody,
        header,
        secret,
        WEBHOOK_TOLERANCE_SECONDS,
        undefined,
        now,
      );
    } catch (error) {
      // A signature that does not match, or a signed body that is not JSON: not an event.
      if (!(error instanceof Stripe.errors.StripeSignatureVerificationError || error instanceof SyntaxError))
        throw error;
    }
  }
  return null;
}
