import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ModuleDeps } from '../../platform/module.ts';
import {
  billingEventListSchema,
  billingEventsQuery,
  billingSchema,
  checkoutBody,
  sessionUrlSchema,
} from './billing.schema.ts';
import { createCheckout, createPortal, getBilling, listBillingEvents } from './billing.service.ts';

/** The account's plan and payments (members read; admins pay). */
export function registerBillingRoutes(app: FastifyInstance, deps: Pick<ModuleDeps, 'db' | 'config'>) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/billing',
    {
      config: { auth: 'member', scope: 'account:read' },
      schema: {
        tags: ['billing'],
        summary:
          "The plan, its status and period end, this month's usage against its limits, the credit balance",
        response: { 200: billingSchema },
      },
    },
    async (request) => getBilling(deps, request.auth!.accountId),
  );
  r.post(
    '/api/v1/billing/checkout',
    {
      config: { auth: 'admin', scope: null },
      schema: {
        tags: ['billing'],
        summary:
          'A Stripe Checkout page for a paid plan ({ plan, interval }) or a credit bundle ({ bundle })',
        body: checkoutBody,
        response: { 201: sessionUrlSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createCheckout(deps, request.auth!.accountId, request.body)),
  );
  r.post(
    '/api/v1/billing/portal',
    {
      config: { auth: 'admin', scope: null },
      schema: {
        tags: ['billing'],
        summary: "A Stripe billing portal page for the account's subscription, cards and invoices",
        response: { 201: sessionUrlSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await createPortal(deps, request.auth!.accountId)),
  );
  r.get(
    '/api/v1/billing/events',
    {
      config: { auth: 'admin', scope: 'account:read' },
      schema: {
        tags: ['billing'],
        summary: "The account's billing history (subscription changes, invoices, purchases), newest first",
        querystring: billingEventsQuery,
        response: { 200: billingEventListSchema },
      },
    },
    async (request) => listBillingEvents(deps.db, request.auth!.accountId, request.query.limit),
  );
}
