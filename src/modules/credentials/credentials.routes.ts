import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuthContext } from '../../platform/auth.ts';
import type { ModuleDeps } from '../../platform/module.ts';
import type { Keyring } from '../../platform/secrets.ts';
import {
  credentialListSchema,
  credentialSummarySchema,
  providerParams,
  putCredentialsBody,
} from './credentials.schema.ts';
import { deleteCredentials, listCredentials, putCredentials } from './credentials.service.ts';

/**
 * The account's own provider keys (admins; API keys act as members and cannot reach these):
 * saved whole per provider, listed as summaries, deleted. A secret is never in an answer.
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
      config: { auth: 'admin' },
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
      config: { auth: 'admin' },
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
      config: { auth: 'admin' },
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
}
