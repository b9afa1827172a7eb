import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../platform/module.ts';
import { requireScope } from '../identity/api-keys.service.ts';
import { retryLeadMessage, sendLeadMessage } from './lead-messages.service.ts';

const messageBody = z.strictObject({
  channel: z.enum(['email', 'sms']),
  subject: z.string().trim().max(300).optional(),
  body: z.string().trim().min(1).max(20_000),
});
const sentSchema = z.object({
  id: z.string(),
  channel: z.enum(['email', 'sms']),
  status: z.string().describe('queued (sending now), or suppressed: the lead opted out, nothing is sent'),
});

/** Members write to their leads, and send a failed message again. */
export function registerMessagingRoutes(app: FastifyInstance, deps: ModuleDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['messages'];
  const messaging = { emailFrom: deps.config.emailFrom, jobs: deps.jobs };

  r.post(
    '/api/v1/leads/:id/messages',
    {
      config: { auth: 'member', idempotent: true },
      schema: {
        tags,
        summary: 'Send the lead an email (recorded, then sent by the job queue with retries)',
        params: z.object({ id: z.string() }),
        body: messageBody,
        response: { 201: sentSchema },
      },
    },
    async (request, reply) => {
      requireScope(request, 'leads:write');
      const sent = await sendLeadMessage(
        deps.db,
        messaging,
        request.auth!.accountId,
        request.params.id,
        request.body,
      );
      return reply.code(201).send(sent);
    },
  );

  r.post(
    '/api/v1/leads/:id/messages/:messageId/retry',
    {
      config: { auth: 'member' },
      schema: {
        tags,
        summary: 'Send a failed message again',
        params: z.object({ id: z.string(), messageId: z.string() }),
        response: { 202: sentSchema },
      },
    },
    async (request, reply) => {
      requireScope(request, 'leads:write');
      const queued = await retryLeadMessage(
        deps.db,
        deps.jobs,
        request.auth!.accountId,
        request.params.id,
        request.params.messageId,
      );
      return reply.code(202).send(queued);
    },
  );
}
