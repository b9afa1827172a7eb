import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ModuleDeps } from '../../platform/module.ts';
import { aiRunListSchema, aiRunsQuery } from './ai-runs.schema.ts';
import { listAiRuns } from './ai-runs.service.ts';

/** The AI runs log (admins: it shows what the account's AI costs and whose key paid). */
export function registerAiRunRoutes(app: FastifyInstance, deps: Pick<ModuleDeps, 'db'>) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/ai-runs',
    {
      config: { auth: 'admin', scope: 'account:read' },
      schema: {
        tags: ['ai'],
        summary:
          "The account's model calls, newest first (agent, lead id, model, whose key, result, tokens, cost in micro-dollars), with this month's sums",
        querystring: aiRunsQuery,
        response: { 200: aiRunListSchema },
      },
    },
    async (request) => listAiRuns(deps.db, request.auth!.accountId, { limit: request.query.limit }),
  );
}
