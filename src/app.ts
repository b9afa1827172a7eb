import crypto from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions, type RouteOptions } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import { registerAccountRoutes } from './modules/account/account.routes.ts';
import { registerNotificationRoutes } from './modules/account/notifications.routes.ts';
import { registerAccountExportRoutes } from './modules/account-export/account-export.routes.ts';
import { registerAiRunRoutes } from './modules/ai/ai-runs.routes.ts';
import { aiDepsOf } from './modules/ai/model-choice.ts';
import { registerBillingRoutes } from './modules/billing/billing.routes.ts';
import { registerPlatformBillingRoutes } from './modules/billing/platform-billing.routes.ts';
import { registerStripeWebhookRoutes } from './modules/billing/stripe-webhook.routes.ts';
import { registerBlockedIpRoutes } from './modules/blocked-ips/blocked-ips.routes.ts';
import { registerBrandingRoutes } from './modules/branding/branding.routes.ts';
import { registerContactRoutes } from './modules/contacts/contacts.routes.ts';
import { registerCredentialRoutes } from './modules/credentials/credentials.routes.ts';
import { registerCreditRoutes } from './modules/credits/credits.routes.ts';
import { registerDomainRoutes } from './modules/domains/domains.routes.ts';
import { registerHealthRoutes } from './modules/health/health.routes.ts';
import { registerApiKeyRoutes } from './modules/identity/api-keys.routes.ts';
import { API_KEY_SCOPES } from './modules/identity/api-keys.schema.ts';
import { registerAuthRoutes, sessionStarter } from './modules/identity/auth.routes.ts';
import { createAuthenticator } from './modules/identity/authenticate.ts';
import { registerImportRoutes } from './modules/imports/imports.routes.ts';
import { registerIntakeRoutes } from './modules/intake/intake.routes.ts';
import { registerLeadRoutes } from './modules/leads/leads.routes.ts';
import { registerEmailWebhookRoutes } from './modules/messaging/email-webhooks.routes.ts';
import { registerMessagingRoutes } from './modules/messaging/messaging.routes.ts';
import { registerTwilioWebhookRoutes } from './modules/messaging/twilio-webhooks.routes.ts';
import { registerOutboxRoutes } from './modules/outbox/outbox.routes.ts';
import { registerPageRoutes } from './modules/pages/pages.routes.ts';
import { registerPhoneNumberRoutes } from './modules/phone-numbers/phone-numbers.routes.ts';
import { registerPlanRoutes } from './modules/plans/plans.routes.ts';
import { registerTeamRoutes } from './modules/team/team.routes.ts';
import { registerWebhookRoutes } from './modules/webhooks/webhooks.routes.ts';
import { registerDashboard } from './pages/dashboard.ts';
import { siteUrlRewriter } from './pages/host.ts';
import { registerSiteRoutes } from './pages/site.routes.ts';
import { registerUnsubscribeRoutes } from './pages/unsubscribe.ts';
import { type Authenticator, registerAuth } from './platform/auth.ts';
import { AppError } from './platform/errors.ts';
import { registerProblemHandlers } from './platform/http.ts';
import { registerIdempotency } from './platform/idempotency.ts';
import { trackHandlers } from './platform/inflight.ts';
import type { JobQueue } from './platform/jobs.ts';
import { createLifecycle, type Lifecycle } from './platform/lifecycle.ts';
import type { Logger } from './platform/logger.ts';
import { loadAuthPepper, loadKeyring } from './platform/secrets.ts';

export type AppDeps = {
  config: Config;
  db: Database;
  logger: Logger;
  jobs?: JobQueue | undefined;
  lifecycle?: Lifecycle;
  /** Who is asking; the identity module provides the real one. Default: nobody. */
  authenticate?: Authenticator;
  /** Extra routes (tests, tools), registered with the same rules as the modules'. */
  configure?: (app: FastifyInstance, deps: { db: Database }) => void | Promise<void>;
};

const REQUEST_ID = /^[A-Za-z0-9._-]{8,80}$/;
const ALWAYS_AVAILABLE = new Set(['/healthz', '/readyz']);

/**
 * Builds the HTTP application: platform plugins, then every module's routes. Never listens
 * (server.ts does); tests call it and use `inject`.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const lifecycle = deps.lifecycle ?? createLifecycle('ready');
  const options: FastifyServerOptions = {
    loggerInstance: deps.logger,
    bodyLimit: deps.config.bodyLimitBytes,
    // A hop count is supported at run time (proxy-addr) though Fastify's types omit it.
    trustProxy: deps.config.trustProxy as FastifyServerOptions['trustProxy'],
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    },
    rewriteUrl: siteUrlRewriter(deps.config),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  };
  const app = Fastify(options);
  trackHandlers(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandlers(app);
  // Fastify parses text/plain by default; a JSON route would then answer 422 instead of 415.
  // A module that accepts text (CSV, form posts) registers its own parser.
  app.removeContentTypeParser('text/plain');

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const path = request.url.split('?')[0] ?? '';
    if (lifecycle.state === 'starting' && !ALWAYS_AVAILABLE.has(path)) {
      throw new AppError('unavailable', 'STARTING', 'Porchlight is starting; try again in a moment', [], {
        'retry-after': '2',
      });
    }
    if (lifecycle.state === 'failed' && !ALWAYS_AVAILABLE.has(path)) {
      throw new AppError('unavailable', 'START_FAILED', 'Porchlight could not start; see its log');
    }
  });

  // While draining, every answer closes its connection: an in-flight request on a keep-alive
  // connection would otherwise hold app.close(), and so the shutdown, until the client hangs up.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (lifecycle.state === 'draining') reply.header('connection', 'close');
    return payload;
  });

  await app.register(fastifyCookie);
  const { pepper } = loadAuthPepper(deps.config);
  const sessionPolicy = { idleMs: deps.config.sessionIdleMs, maxMs: deps.config.sessionMaxMs };
  const authenticate =
    deps.authenticate ??
    createAuthenticator({ db: deps.db, isHttps: deps.config.isHttps, policy: sessionPolicy, pepper });
  registerAuth(app, {
    authenticate,
    // /api/v1/public/* is public by definition (CORS preflight routes are registered there too).
    publicPrefixes: ['/api/docs', '/api/v1/public'],
    allowedOrigins: [new URL(deps.config.baseUrl).origin],
    scopes: API_KEY_SCOPES,
  });
  requireResponseSchemas(app);
  registerIdempotency(app, { db: deps.db });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Porchlight API',
        version: '1.0.0',
        description: 'Lead capture and follow-up. Errors are application/problem+json.',
      },
      servers: [{ url: deps.config.baseUrl }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key of one account' },
          session: { type: 'apiKey', in: 'cookie', name: 'porchlight_session' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  app.get(
    '/api/openapi.json',
    { config: { auth: 'public' }, schema: { hide: true }, logLevel: 'warn' },
    async () => app.swagger(),
  );

  registerHealthRoutes(app, { db: deps.db, lifecycle });
  registerPlanRoutes(app, { db: deps.db });
  const identity = {
    db: deps.db,
    isHttps: deps.config.isHttps,
    pepper,
    policy: sessionPolicy,
    jobs: deps.jobs,
  };
  registerAuthRoutes(app, identity);
  registerApiKeyRoutes(app, { db: deps.db, pepper });
  if (deps.config.providers.email === 'dev' || deps.config.providers.sms === 'dev')
    registerOutboxRoutes(app, { db: deps.db });
  registerTeamRoutes(app, {
    db: deps.db,
    jobs: deps.jobs,
    startSession: sessionStarter(identity),
  });
  const modules = { config: deps.config, db: deps.db, logger: deps.logger, jobs: deps.jobs, pepper };
  registerAccountRoutes(app, modules);
  registerNotificationRoutes(app, modules);
  const keyring = loadKeyring(deps.config).keyring;
  registerCredentialRoutes(app, { ...modules, keyring });
  registerAiRunRoutes(app, modules);
  registerCreditRoutes(app, modules);
  registerBillingRoutes(app, modules);
  registerPlatformBillingRoutes(app, modules);
  registerPageRoutes(app, modules);
  registerBrandingRoutes(app, modules);
  registerDomainRoutes(app, modules);
  registerLeadRoutes(app, { ...modules, ai: aiDepsOf(deps.config, keyring) });
  registerMessagingRoutes(app, modules);
  registerPhoneNumberRoutes(app, modules);
  registerBlockedIpRoutes(app, modules);
  registerContactRoutes(app, modules);
  registerAccountExportRoutes(app, modules);
  registerWebhookRoutes(app, { ...modules, keyring });
  await registerIntakeRoutes(app, modules);
  await registerImportRoutes(app, modules);
  await registerSiteRoutes(app, modules);
  await registerUnsubscribeRoutes(app, modules);
  await registerDashboard(app);
  await registerTwilioWebhookRoutes(app, modules);
  await registerEmailWebhookRoutes(app, modules);
  await registerStripeWebhookRoutes(app, modules);
  if (deps.configure) await deps.configure(app, { db: deps.db });

  return app;
}

/** Every /api/v1 route must declare its response schemas: they are the allow-list of fields. */
function requireResponseSchemas(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith('/api/v1/') || route.method === 'OPTIONS') return; // CORS preflight
    if (!route.schema?.response) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no response schema`);
    }
  });
}
