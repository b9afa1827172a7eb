import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, notFound } from '../../platform/errors.ts';
import type { ModuleDeps } from '../../platform/module.ts';
import {
  applyEmailEvents,
  type EmailWebhookProvider,
  isEmailWebhookConfigured,
  isEmailWebhookProvider,
  verifyEmailWebhook,
} from './email-webhooks.service.ts';

/** SendGrid batches up to thousands of events per POST; more than the app's default body limit. */
const EMAIL_WEBHOOK_BODY_LIMIT = 5 * 1024 * 1024;

type Params = { provider: string };

/**
 * `POST /webhooks/email/:provider` (brevo | sendgrid): the providers' bounce, complaint and
 * unsubscribe events. Public, authenticated by the provider's signature (SendGrid) or token
 * (Brevo). An unknown provider, or one this install has no secret for, is not found; a request
 * that does not verify is 401 and writes nothing. Answered 200 only once the events are
 * committed, so an error (500) makes the provider deliver the batch again.
 */
export async function registerEmailWebhookRoutes(app: FastifyInstance, deps: ModuleDeps): Promise<void> {
  await app.register(async (scope) => {
    // The body is kept as received: SendGrid signs the exact bytes, and parsed-then-serialised
    // JSON would not verify. Any content type is read the same way; verification decides.
    const raw = { parseAs: 'buffer' as const, bodyLimit: EMAIL_WEBHOOK_BODY_LIMIT };
    scope.addContentTypeParser('application/json', raw, (_request, body, done) => done(null, body));
    scope.addContentTypeParser('*', raw, (_request, body, done) => done(null, body));

    // A provider this install does not take has no endpoint.
    const providerOf = (request: FastifyRequest): EmailWebhookProvider => {
      const { provider } = request.params as Params;
      if (!isEmailWebhookProvider(provider) || !isEmailWebhookConfigured(deps.config, provider)) {
        throw notFound('EMAIL_WEBHOOK_NOT_FOUND', 'No such email webhook');
      }
      return provider;
    };

    scope.post(
      '/webhooks/email/:provider',
      {
        // csrf: false: providers post from their servers and act on no one's session.
        config: { auth: 'public', csrf: false },
        schema: { hide: true },
        bodyLimit: EMAIL_WEBHOOK_BODY_LIMIT,
        // Checked before the body is read: a 404 need not take in 5 MB first.
        onRequest: async (request) => {
          providerOf(request);
        },
      },
      async (request, reply) => {
        const provider = providerOf(request);
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const verified = verifyEmailWebhook(deps.config, provider, body, request.headers);
        if (!verified.ok) {
          // The reason goes to the log only (it can name our configuration); the body and its
          // addresses go nowhere.
          request.log.warn({ provider, reason: verified.reason }, 'email webhook refused');
          throw new AppError(
            'unauthorized',
            'EMAIL_WEBHOOK_UNVERIFIED',
            'The webhook request did not verify',
          );
        }
        const outcome = await applyEmailEvents(deps.db, provider, verified.events);
        request.log.info({ provider, ...outcome }, 'email webhook applied');
        return reply.code(200).send({ received: outcome.received, applied: outcome.applied });
      },
    );
  });
}
