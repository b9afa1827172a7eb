import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { fakeStripe } from '../src/providers/billing/stripe.fake.ts';

/** A Stripe event of `type` about `object`, as Stripe sends it (a fresh `evt_` id). */
export function stripeEvent(type: string, object: object, created = Math.floor(Date.now() / 1000)) {
  return {
    id: `evt_${crypto.randomBytes(8).toString('hex')}`,
    object: 'event',
    type,
    created,
    data: { object },
  };
}

/** Posts an event to `/webhooks/stripe`, signed by the real SDK with `secret`; expects 200. */
export async function deliverStripeEvent(app: FastifyInstance, secret: string, event: object) {
  const body = JSON.stringify(event);
  const res = await app.inject({
    method: 'POST',
    url: '/webhooks/stripe',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret }),
    },
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res;
}

/**
 * A local Stripe fake for this test file (started before the app is built, whose configuration
 * names its address), whose unexpected requests fail the test that made them.
 */
export function useFakeStripe(secretKey: string) {
  const stripe = fakeStripe({ secretKey });
  beforeAll(() => stripe.start());
  afterAll(() => stripe.stop());
  afterEach(() => {
    expect(stripe.unexpected, 'unexpected requests to the Stripe fake').toEqual([]);
  });
  return stripe;
}
