import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { AuthContext } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import type { ModuleDeps } from '../../platform/module.ts';
import type { Keyring } from '../../platform/secrets.ts';
import {
  credentialListSchema,
  credentialSummarySchema,
  providerParams,
  putCredentialsBody,
} from './credentials.schema.ts';
import {
  deleteCredentials,
  listCredentials,
  putCredentials,
  verifyCredentials,
} from './credentials.service.ts';
import type { KeyCheckEndpoints } from './key-checks.ts';

/** Where each provider is called, read at each request (tests point a running app at fakes). */
const endpointsOf = (config: Config): KeyCheckEndpoints => ({
  openai: config.openaiApiUrl,
  brevo: config.email.brevo.apiUrl,
  sendgrid: config.email.sendgrid.apiUrl,
  twilio: config.sms.twilio.apiUrl,
});

/**
 * The account's own provider keys (admins; API keys act as members and cannot reach these):
 * saved whole per provider, listed as summaries, checked with the provider, deleted. A secret is
 * never in an answer or a log.
 */
export function registerCredentialRoutes(app: FastifyInstance, deps: ModuleDeps & { keyring: Keyring }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['credentials'];
  const actorOf = (auth: AuthContext) => ({
    userId: auth.via === 'session' ? auth.userId : undefined,
    apiKeyId: auth.apiKeyId,
  });

  r.get(
    '/api/v1/credentials',
    {
      config: { auth: 'admin', scope: null },
      schema: {
        tags,
        summary: "The account's saved provider keys: names, last four characters, never a secret",
        response: { 200: credentialListSchema },
      },
    },
    async (request) => ({ data: await listCredentials(deps.db, request.auth!.accountId) }),
  );

  r.put(
    '/api/v1/credentials/:provider',
    {
      config: { auth: 'admin', scope: null },
      schema: {
        tags,
        summary: "Save the account's keys for a provider (replaces any saved before); answers the summary",
        params: providerParams,
        body: putCredentialsBody,
        response: { 200: credentialSummarySchema },
      },
    },
    async (request) =>
      putCredentials(deps.db, deps.keyring, {
        accountId: request.auth!.accountId,
        provider: request.params.provider,
        keys: request.body.keys,
        actor: actorOf(request.auth!),
      }),
  );

  r.delete(
    '/api/v1/credentials/:provider',
    {
      config: { auth: 'admin', scope: null },
      schema: {
        tags,
        summary: "Delete the account's keys for a provider",
        params: providerParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deleteCredentials(deps.db, {
        accountId: request.auth!.accountId,
        provider: request.params.provider,
        actor: actorOf(request.auth!),
      });
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/v1/credentials/:provider/verify',
    {
      config: { auth: 'admin', scope: null },
      schema: {
        tags,
        summary:
          "Check the account's saved keys with the provider (OpenAI, Brevo, SendGrid, Twilio); answers the summary with verifiedAt",
        description:
          '422 CREDENTIALS_REJECTED when the provider refuses them (verifiedAt cleared), 503 PROVIDER_UNAVAILABLE when it cannot tell (nothing changes), 422 CREDENTIALS_CHECK_UNSUPPORTED for a provider with no check yet, 404 when none are saved.',
        params: providerParams,
        response: { 200: credentialSummarySchema },
      },
    },
    async (request) => {
      const { provider } = request.params;
      try {
        const summary = await verifyCredentials(deps.db, deps.keyring, {
          accountId: request.auth!.accountId,
          provider,
          endpoints: endpointsOf(deps.config),
          actor: actorOf(request.auth!),
        });
        request.log.info({ provider, outcome: 'accepted' }, 'provider keys checked');
        return summary;
      } catch (error) {
        if (error instanceof AppError && error.status < 500)
          request.log.info({ provider, outcome: error.code }, 'provider keys checked');
        throw error;
      }
    },
  );
}
