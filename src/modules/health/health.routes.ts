import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { databaseNotReadyReason } from '../../db/health.ts';
import { problemFor } from '../../platform/errors.ts';
import { PROBLEM_JSON } from '../../platform/http.ts';
import type { Lifecycle } from '../../platform/lifecycle.ts';

const healthSchema = z.object({ status: z.literal('ok') });
const readySchema = z.object({ status: z.literal('ready'), database: z.enum(['pglite', 'postgres']) });
const notReadySchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  detail: z.string().optional(),
});

/** Liveness (`/healthz`: the process answers) and readiness (`/readyz`: it can serve). */
export function registerHealthRoutes(app: FastifyInstance, deps: { db: Database; lifecycle: Lifecycle }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/healthz',
    {
      config: { auth: 'public' },
      logLevel: 'warn',
      schema: { tags: ['health'], summary: 'The process is alive', response: { 200: healthSchema } },
    },
    async () => ({ status: 'ok' as const }),
  );
  r.get(
    '/readyz',
    {
      config: { auth: 'public' },
      logLevel: 'warn',
      schema: {
        tags: ['health'],
        summary: 'The database is reachable and migrations are current',
        response: { 200: readySchema, 503: notReadySchema },
      },
    },
    async (_request, reply) => {
      const notReady = (detail: string) =>
        reply.code(503).type(PROBLEM_JSON).header('retry-after', '2').send(problemFor('unavailable', detail));
      if (deps.lifecycle.state !== 'ready') {
        return notReady(deps.lifecycle.detail ?? `The service is ${deps.lifecycle.state}`);
      }
      const reason = await databaseNotReadyReason(deps.db);
      if (reason) return notReady(reason);
      return { status: 'ready' as const, database: deps.db.engine };
    },
  );
}
