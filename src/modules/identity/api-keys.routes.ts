import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { hashIp } from '../../platform/tokens.ts';
import { apiKeyListSchema, apiKeyParams, createApiKeyBody, createdApiKeySchema } from './api-keys.schema.ts';
import { type ApiKey, createApiKey, listApiKeys, requireSession, revokeApiKey } from './api-keys.service.ts';

export type ApiKeyRouteDeps = { db: Database; pepper: string };

function presentApiKey(k: ApiKey) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
    createdAt: k.createdAt.toISOString(),
  };
}

/**
 * The active account's API keys. Owners and admins manage them, signed in (an API key can
 * neither make nor revoke keys). The key is shown once, when it is created.
 */
export function registerApiKeyRoutes(app: FastifyInstance, deps: ApiKeyRouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['identity'];
  const ipHashOf = (request: FastifyRequest) => hashIp(request.ip, deps.pepper);

  r.post(
    '/api/v1/api-keys',
    {
      config: { auth: 'admin', scope: null },
      schema: {
        tags,
        summary: 'Create an API key (the key is shown this once)',
        body: createApiKeyBody,
        response: { 201: createdApiKeySchema },
      },
    },
    async (request, reply) => {
      const auth = requireSession(request);
      const { apiKey, key } = await createApiKey(deps.db, {
        accountId: auth.accountId,
        name: request.body.name,
        scopes: request.body.scopes,
        createdByUserId: auth.userId,
        ipHash: ipHashOf(request),
        pepper: deps.pepper,
      });
      const { id, name, prefix, scopes, createdAt } = presentApiKey(apiKey);
      return reply.code(201).send({ id, name, prefix, scopes, key, createdAt });
    },
  );

  r.get(
    '/api/v1/api-keys',
    {
      config: { auth: 'admin', scope: null },
      schema: {
        tags,
        summary: "The account's API keys (never the key)",
        response: { 200: apiKeyListSchema },
      },
    },
    async (request) => {
      const auth = requireSession(request);
      const keys = await listApiKeys(deps.db, auth.accountId);
      return { data: keys.map(presentApiKey), nextCursor: null };
    },
  );

  r.delete(
    '/api/v1/api-keys/:id',
    {
      config: { auth: 'admin', scope: null },
      schema: { tags, summary: 'Revoke an API key', params: apiKeyParams, response: { 204: z.null() } },
    },
    async (request, reply) => {
      const auth = requireSession(request);
      await revokeApiKey(deps.db, {
        accountId: auth.accountId,
        id: request.params.id,
        actorUserId: auth.userId,
        ipHash: ipHashOf(request),
      });
      return reply.code(204).send(null);
    },
  );
}
