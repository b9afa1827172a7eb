import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../platform/module.ts';
import type { Keyring } from '../../platform/secrets.ts';
import { listDeliveries, retryDelivery, sendTestEvent } from './deliveries.service.ts';
import { DELIVER_JOB_NAME } from './webhooks.events.ts';
import { destinationPolicyOf } from './webhooks.jobs.ts';
import {
  createWebhookBody,
  deliveryListSchema,
  deliveryParams,
  deliverySchema,
  pageQuery,
  patchWebhookBody,
  webhookListSchema,
  webhookParams,
  webhookSchema,
  webhookWithSecretSchema,
} from './webhooks.schema.ts';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhooks,
  rotateWebhookSecret,
  updateWebhook,
} from './webhooks.service.ts';

/**
 * Outbound webhook endpoints (admins; API keys with webhooks:read / webhooks:write). The secret
 * is in the answer to creating an endpoint and to rotating its secret, and nowhere else.
 */
export function registerWebhookRoutes(app: FastifyInstance, deps: ModuleDeps & { keyring: Keyring }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['webhooks'];
  const service = { db: deps.db, keyring: deps.keyring, policy: destinationPolicyOf(deps.config) };
  const read = { auth: 'admin', scope: 'webhooks:read' } as const;
  const write = { auth: 'admin', scope: 'webhooks:write' } as const;
  const wake = () => deps.jobs?.wake(DELIVER_JOB_NAME);

  r.get(
    '/api/v1/webhooks',
    {
      config: read,
      schema: {
        tags,
        summary: "The account's endpoints, newest first",
        querystring: pageQuery,
        response: { 200: webhookListSchema },
      },
    },
    async (request) => listWebhooks(service, request.auth!.accountId, request.query),
  );

  r.post(
    '/api/v1/webhooks',
    {
      config: write,
      schema: {
        tags,
        summary: 'Add an endpoint; the answer holds its signing secret, shown this once',
        description:
          '422 naming body.url for a URL that is not http(s), not https in production, or private.',
        body: createWebhookBody,
        response: { 201: webhookWithSecretSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createWebhook(service, request.auth!.accountId, request.body)),
  );

  r.get(
    '/api/v1/webhooks/:id',
    {
      config: read,
      schema: { tags, summary: 'One endpoint', params: webhookParams, response: { 200: webhookSchema } },
    },
    async (request) => getWebhook(service, request.auth!.accountId, request.params.id),
  );

  r.patch(
    '/api/v1/webhooks/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Change an endpoint: url, events, description, status (active again clears failingSince)',
        params: webhookParams,
        body: patchWebhookBody,
        response: { 200: webhookSchema },
      },
    },
    async (request) => updateWebhook(service, request.auth!.accountId, request.params.id, request.body),
  );

  r.delete(
    '/api/v1/webhooks/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Delete an endpoint and its deliveries',
        params: webhookParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deleteWebhook(service, request.auth!.accountId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/v1/webhooks/:id/rotate-secret',
    {
      config: write,
      schema: {
        tags,
        summary: 'A new signing secret, shown this once; the previous one keeps signing for 24 hours',
        params: webhookParams,
        response: { 200: webhookWithSecretSchema },
      },
    },
    async (request) => rotateWebhookSecret(service, request.auth!.accountId, request.params.id),
  );

  r.post(
    '/api/v1/webhooks/:id/test',
    {
      config: write,
      schema: {
        tags,
        summary: 'Queue a webhook.test event to this endpoint; answers the delivery',
        params: webhookParams,
        response: { 202: deliverySchema },
      },
    },
    async (request, reply) => {
      const delivery = await sendTestEvent(service, request.auth!.accountId, request.params.id);
      wake();
      return reply.code(202).send(delivery);
    },
  );

  r.get(
    '/api/v1/webhooks/:id/deliveries',
    {
      config: read,
      schema: {
        tags,
        summary: "The endpoint's deliveries, newest first, each with its attempts",
        params: webhookParams,
        querystring: pageQuery,
        response: { 200: deliveryListSchema },
      },
    },
    async (request) => listDeliveries(service, request.auth!.accountId, request.params.id, request.query),
  );

  r.post(
    '/api/v1/webhooks/:id/deliveries/:deliveryId/retry',
    {
      config: write,
      schema: {
        tags,
        summary: 'Attempt a failed or pending delivery again now (the same webhook-id)',
        params: deliveryParams,
        response: { 202: deliverySchema },
      },
    },
    async (request, reply) => {
      const delivery = await retryDelivery(service, request.auth!.accountId, {
        webhookId: request.params.id,
        deliveryId: request.params.deliveryId,
      });
      wake();
      return reply.code(202).send(delivery);
    },
  );
}
