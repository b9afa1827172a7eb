import fastifyCors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, invalid } from '../../platform/errors.ts';
import type { ModuleDeps } from '../../platform/module.ts';
import { createIntake } from './intake.service.ts';
import { leadFieldsSchema } from './normalize.ts';

const params = z.object({ pageId: z.string().max(64) });

/** What the endpoint documents; the intake service does the validating (shared with the form). */
const documentedBody = leadFieldsSchema.omit({ _t: true, _k: true }).extend({
  consent: z
    .object({ given: z.boolean(), text: z.string(), version: z.string().optional() })
    .optional()
    .describe('The consent text the visitor saw and whether they ticked it'),
  website: z.string().optional().describe('Honeypot: leave empty (a filled one is stored as spam)'),
});

/**
 * The public JSON intake endpoint, for forms embedded on agents' own sites: no auth, no
 * cookies, CORS open to any origin (it answers with nothing but the new lead's id).
 */
export async function registerIntakeRoutes(app: FastifyInstance, deps: ModuleDeps): Promise<void> {
  const intake = createIntake(deps);
  await app.register(
    async (scope) => {
      await scope.register(fastifyCors, {
        origin: '*',
        methods: ['POST'],
        allowedHeaders: ['content-type', 'idempotency-key'],
        exposedHeaders: ['retry-after', 'idempotent-replayed'],
        maxAge: 86_400,
        credentials: false,
      });
      const r = scope.withTypeProvider<ZodTypeProvider>();
      r.post(
        '/pages/:pageId/leads',
        {
          config: { auth: 'public', csrf: false },
          // Validated by the intake service (shared with the HTML form); documented here.
          validatorCompiler: () => (data) => ({ value: data }),
          schema: {
            tags: ['leads'],
            summary: 'Submit an inquiry to a capture page (public, CORS-enabled)',
            description:
              'At least one of email or phone. Send an Idempotency-Key so a retry never makes two leads. ' +
              'A submission from the same email or phone as a recent lead merges into it.',
            params,
            body: documentedBody,
            response: { 201: z.object({ leadId: z.uuid() }) },
          },
        },
        async (request, reply) => {
          const key = request.headers['idempotency-key'];
          const result = await intake.submit({
            pageId: request.params.pageId,
            channel: 'api',
            body: request.body,
            client: {
              ip: request.ip,
              userAgent: request.headers['user-agent'] ?? null,
              referrer: request.headers.referer ?? null,
              pageUrl: null,
            },
            idempotencyKey: typeof key === 'string' ? key : null,
          });
          switch (result.outcome) {
            case 'invalid':
              throw invalid(
                'LEAD_INVALID',
                result.errors.map((e) => ({
                  path:
                    e.path === 'Idempotency-Key'
                      ? 'headers.idempotency-key'
                      : e.path === 'body'
                        ? 'body'
                        : `body.${e.path}`,
                  message: e.message,
                })),
              );
            case 'page_not_found':
              throw new AppError('not_found', 'PAGE_NOT_FOUND', 'No such page, or it is not published');
            case 'rate_limited':
              throw new AppError(
                'rate_limited',
                'INTAKE_RATE_LIMITED',
                'Too many submissions from this address; try again later',
                [],
                { 'retry-after': String(result.retryAfter) },
              );
            case 'idempotency_mismatch':
              throw invalid(
                'IDEMPOTENCY_KEY_REUSED',
                [{ path: 'headers.idempotency-key', message: 'was used with a different body' }],
                'This Idempotency-Key was already used for a different submission',
              );
            default:
              if (result.outcome === 'replayed') reply.header('idempotent-replayed', 'true');
              return reply.code(201).send({ leadId: result.leadId });
          }
        },
      );
    },
    { prefix: '/api/v1/public' },
  );
}
