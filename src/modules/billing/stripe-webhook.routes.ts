import type { FastifyInstance } from 'fastify';
import { AppError, notFound } from '../../platform/errors.ts';
import type { ModuleDeps } from '../../platform/module.ts';
import { verifyStripeEvent } from '../../providers/billing/stripe.ts';
import { applyStripeEvent } from './stripe-events.service.ts';

/** Stripe's events are small; a megabyte leaves room for a large invoice. */
const STRIPE_WEBHOOK_BODY_LIMIT = 1024 * 1024;

/**
 * `POST /webhooks/stripe`: Stripe's events, verified by `Stripe-Signature` over the raw body
 * (the official SDK; 300 s tolerance; any configured secret, any `v1` in the header). A request
 * that does not verify is 401 and writes nothing; 200 is answered only once the event's work is
 * committed (an error is a 500, and Stripe delivers it again). Without `STRIPE_WEBHOOK_SECRET`
 * the endpoint does not exist.
 */
export async function registerStripeWebhookRoutes(
  app: FastifyInstance,
  deps: Pick<ModuleDeps, 'db' | 'config'>,
): Promise<void> {
  await app.register(async (scope) => {
    const raw = { parseAs: 'buffer' as const, bodyLimit: STRIPE_WEBHOOK_BODY_LIMIT };
    scope.addContentTypeParser('application/json', raw, (_request, body, done) => done(null, body));
    scope.addContentTypeParser('*', raw, (_request, body, done) => done(null, body));
    const configured = () => {
      if (deps.config.stripe.webhookSecrets.length === 0)
        throw notFound('STRIPE_WEBHOOK_NOT_FOUND', 'No Stripe webhook on this server');
    };
    scope.post(
      '/webhooks/stripe',
      {
        // csrf: false: Stripe posts from its servers and acts on no one's session.
        config: { auth: 'public', csrf: false },
        schema: { hide: true },
        bodyLimit: STRIPE_WEBHOOK_BODY_LIMIT,
        onRequest: async () => configured(),
      },
      async (request, reply) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const header = request.headers['stripe-signature'];
        const event = verifyStripeEvent(
          body,
          typeof header === 'string' ? header : undefined,
          deps.config.stripe.webhookSecrets,
        );
        if (!event) {
          request.log.warn({ hasHeader: typeof header === 'string' }, 'stripe webhook refused');
          throw new AppError(
            'unauthorized',
            'STRIPE_WEBHOOK_UNVERIFIED',
            'The webhook request did not verify',
          );
        }
        const result = await applyStripeEvent(deps.db, deps.config, event);
        request.log.info(
          { stripeEventId: event.id, type: event.type, accountId: result.accountId, outcome: result.outcome },
          'stripe webhook applied',
        );
        return reply.code(200).send({ received: true, outcome: result.outcome });
      },
    );
  });
}
