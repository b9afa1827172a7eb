import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Database } from '../../db/client.ts';
import { planListSchema } from './plans.schema.ts';
import { listPlans } from './plans.service.ts';

export function registerPlanRoutes(app: FastifyInstance, deps: { db: Database }) {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/v1/plans',
    {
      config: { auth: 'public' },
      schema: { tags: ['billing'], summary: 'The plan catalogue', response: { 200: planListSchema } },
    },
    async () => ({ data: await listPlans(deps.db) }),
  );
}
