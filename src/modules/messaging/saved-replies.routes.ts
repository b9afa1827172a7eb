import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { invalid } from '../../platform/errors.ts';
import type { ModuleDeps } from '../../platform/module.ts';
import { requireScope } from '../identity/api-keys.service.ts';
import {
  createSavedReply,
  deleteSavedReply,
  listSavedReplies,
  previewSavedReply,
  updateSavedReply,
} from './saved-replies.service.ts';
import { TEMPLATE_VARIABLES } from './templates.ts';

const channel = z.enum(['email', 'sms']);
const savedReplySchema = z.object({
  id: z.string(),
  name: z.string(),
  channel,
  subject: z.string().nullable(),
  body: z.string(),
  updatedAt: z.string(),
});
const savedReplyListSchema = z.object({
  data: z.array(savedReplySchema).describe('sorted by name'),
  variables: z.array(z.string()).describe('the variables a saved reply may use'),
});
const name = z.string().trim().min(1).max(80).describe('distinct per channel (ignoring case)');
const subject = z
  .string()
  .max(300)
  .nullable()
  .describe('email only (optional: without one, "A message from <business>")');
const body = z.string().trim().min(1).max(5000).describe('a text (sms) is at most 1600 characters');
const createBody = z.strictObject({ name, channel, subject: subject.optional(), body });
const patchBody = z.strictObject({
  name: name.optional(),
  channel: channel.optional().describe('moving a reply to sms drops its subject'),
  subject: subject.optional(),
  body: body.optional(),
});
const params = z.object({ id: z.string() });
const previewBody = z.strictObject({ leadId: z.string() });
const previewSchema = z.object({
  channel,
  subject: z.string().nullable().describe('email: the rendered subject, null when the reply has none'),
  body: z.string(),
});

/**
 * Saved replies: the team's named messages a member sends to a lead from the lead page
 * (`savedReplyId` on POST /api/v1/leads/:id/messages). Any member reads and writes them; API keys
 * need the templates' scopes (pages:read, pages:write; a preview also reads the lead: leads:read).
 */
export function registerSavedReplyRoutes(app: FastifyInstance, deps: ModuleDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['messages'];

  r.get(
    '/api/v1/saved-replies',
    {
      config: { auth: 'member', scope: 'pages:read' },
      schema: {
        tags,
        summary: "The account's saved replies, by name, and the variables they may use",
        response: { 200: savedReplyListSchema },
      },
    },
    async (request) => {
      return {
        data: await listSavedReplies(deps.db, request.auth!.accountId),
        variables: Object.entries(TEMPLATE_VARIABLES).flatMap(([g, fields]) =>
          fields.map((f) => `{{${g}.${f}}}`),
        ),
      };
    },
  );

  r.post(
    '/api/v1/saved-replies',
    {
      config: { auth: 'member', scope: 'pages:write', idempotent: true },
      schema: {
        tags,
        summary: 'Add a saved reply (unknown variables refused by name; 409 when the name is taken)',
        body: createBody,
        response: { 201: savedReplySchema },
      },
    },
    async (request, reply) => {
      return reply.code(201).send(await createSavedReply(deps.db, request.auth!.accountId, request.body));
    },
  );

  r.patch(
    '/api/v1/saved-replies/:id',
    {
      config: { auth: 'member', scope: 'pages:write' },
      schema: {
        tags,
        summary: 'Change a saved reply: the fields given replace the stored ones',
        params,
        body: patchBody,
        response: { 200: savedReplySchema },
      },
    },
    async (request) => {
      if (Object.keys(request.body).length === 0) {
        throw invalid('SAVED_REPLY_INVALID', [
          { path: 'body', message: 'give at least one field to change' },
        ]);
      }
      return updateSavedReply(deps.db, request.auth!.accountId, request.params.id, request.body);
    },
  );

  r.delete(
    '/api/v1/saved-replies/:id',
    {
      config: { auth: 'member', scope: 'pages:write' },
      schema: {
        tags,
        summary: 'Delete a saved reply (messages sent with it keep their text)',
        params,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deleteSavedReply(deps.db, request.auth!.accountId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/v1/saved-replies/:id/preview',
    {
      config: { auth: 'member', scope: 'pages:read' },
      schema: {
        tags,
        summary:
          'A saved reply rendered for one lead, as it would be sent (read-only: edit it and send the text)',
        params,
        body: previewBody,
        response: { 200: previewSchema },
      },
    },
    async (request) => {
      requireScope(request, 'leads:read');
      const auth = request.auth!;
      return previewSavedReply(
        deps.db,
        auth.accountId,
        request.params.id,
        request.body,
        auth.via === 'session' ? auth.userId : null,
      );
    },
  );
}
