import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageKinds } from '../../db/schema/index.ts';
import type { ModuleDeps } from '../../platform/module.ts';
import { DEV_SMS_FROM } from '../../providers/sms/index.ts';
import { requireScope } from '../identity/api-keys.service.ts';
import { retryLeadMessage, sendLeadMessage, speedSummary } from './lead-messages.service.ts';
import { registerSavedReplyRoutes } from './saved-replies.routes.ts';
import { listTemplates, putTemplate, removeTemplate, TEMPLATE_KINDS } from './templates.service.ts';
import {
  DEFAULT_AUTORESPONDERS,
  DEFAULT_MISSED_CALL_TEXT,
  DEFAULT_SMS_AUTORESPONDERS,
  TEMPLATE_VARIABLES,
} from './templates.ts';

const messageBody = z.strictObject({
  channel: z
    .enum(['email', 'sms'])
    .optional()
    .describe("required for a typed message; with savedReplyId, the reply's (another is refused)"),
  subject: z.string().trim().max(300).optional().describe('email only; not with savedReplyId'),
  body: z
    .string()
    .trim()
    .min(1)
    .max(20_000)
    .optional()
    .describe('required for a typed message; not with savedReplyId'),
  savedReplyId: z
    .string()
    .optional()
    .describe(
      "send this saved reply, rendered with the lead's values and the sending member as {{agent.…}} " +
        '(recorded as kind manual with its template_id). To change the wording first, preview it ' +
        '(POST /api/v1/saved-replies/:id/preview) and send the edited text as body',
    ),
});
const sentSchema = z.object({
  id: z.string(),
  channel: z.enum(['email', 'sms']),
  status: z.string().describe('queued (sending now), or suppressed: the lead opted out, nothing is sent'),
  sendAfter: z
    .string()
    .nullable()
    .describe("a text waits out the lead's quiet hours (8:00–21:00) until then"),
});

const percentiles = z.object({ p50: z.number().nullable(), p90: z.number().nullable() });
const speedFigures = {
  leads: z.number().int().describe('leads in the period, not spam and not held'),
  alerted: z.number().int(),
  touched: z.number().int(),
  alertSeconds: percentiles.describe('lead → first agent alert sent'),
  touchSeconds: percentiles.describe('lead → first human touch: a working status, a note or a message'),
};
const speedSchema = z.object({
  days: z.number().int(),
  ...speedFigures,
  byAgent: z.array(z.object({ userId: z.string().nullable(), name: z.string().nullable(), ...speedFigures })),
});

const templateSchema = z.object({
  id: z.string(),
  channel: z.enum(['email', 'sms']),
  kind: z.enum(TEMPLATE_KINDS),
  pageKind: z.enum(pageKinds).nullable(),
  subject: z.string().nullable(),
  body: z.string(),
  updatedAt: z.string(),
});
const templateListSchema = z.object({
  data: z.array(templateSchema),
  defaults: z
    .array(
      z.object({
        channel: z.enum(['email', 'sms']),
        kind: z.enum(TEMPLATE_KINDS),
        pageKind: z.enum(pageKinds).nullable(),
        subject: z.string().nullable(),
        body: z.string(),
      }),
    )
    .describe('the built-in wording where the account has none of its own'),
  variables: z.array(z.string()).describe('the variables a template may use'),
});
const putTemplateBody = z.strictObject({
  channel: z.enum(['email', 'sms']),
  kind: z.enum(TEMPLATE_KINDS),
  pageKind: z
    .enum(pageKinds)
    .nullable()
    .optional()
    .describe('null or absent: every page kind without its own'),
  subject: z.string().max(300).nullable().optional(),
  body: z.string().trim().min(1).max(5000),
});

/**
 * Members write to their leads (typed or a saved reply), send a failed message again, and see
 * their speed to lead; admins word the automatic messages.
 */
export function registerMessagingRoutes(app: FastifyInstance, deps: ModuleDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['messages'];
  const messaging = {
    emailFrom: deps.config.emailFrom,
    jobs: deps.jobs,
    smsFallbackFrom: deps.config.providers.sms === 'dev' ? DEV_SMS_FROM : null,
  };

  r.post(
    '/api/v1/leads/:id/messages',
    {
      config: { auth: 'member', scope: 'leads:write', idempotent: true },
      schema: {
        tags,
        summary:
          'Send the lead an email or a text, typed or a saved reply (recorded, then sent by the job queue with retries)',
        params: z.object({ id: z.string() }),
        body: messageBody,
        response: { 201: sentSchema },
      },
    },
    async (request, reply) => {
      // A saved reply is read like a template.
      if (request.body.savedReplyId !== undefined) requireScope(request, 'pages:read');
      const auth = request.auth!;
      const sent = await sendLeadMessage(
        deps.db,
        messaging,
        auth.accountId,
        request.params.id,
        request.body,
        auth.via === 'session' ? auth.userId : null,
      );
      return reply.code(201).send(sent);
    },
  );

  r.get(
    '/api/v1/templates',
    {
      config: { auth: 'member', scope: 'pages:read' },
      schema: {
        tags,
        summary: "The account's message templates, the built-in defaults and the variables",
        response: { 200: templateListSchema },
      },
    },
    async (request) => {
      return {
        data: await listTemplates(deps.db, request.auth!.accountId),
        defaults: [
          ...pageKinds.map((pageKind) => ({
            channel: 'email' as const,
            kind: 'autoresponder' as const,
            pageKind,
            ...DEFAULT_AUTORESPONDERS[pageKind],
          })),
          ...pageKinds.map((pageKind) => ({
            channel: 'sms' as const,
            kind: 'autoresponder' as const,
            pageKind,
            subject: null,
            body: DEFAULT_SMS_AUTORESPONDERS[pageKind],
          })),
          {
            channel: 'sms' as const,
            kind: 'missed_call_text_back' as const,
            pageKind: null,
            subject: null,
            body: DEFAULT_MISSED_CALL_TEXT,
          },
        ],
        variables: Object.entries(TEMPLATE_VARIABLES).flatMap(([g, fields]) =>
          fields.map((f) => `{{${g}.${f}}}`),
        ),
      };
    },
  );

  r.put(
    '/api/v1/templates',
    {
      config: { auth: 'admin', scope: 'pages:write' },
      schema: {
        tags,
        summary: 'Set the wording for one use (channel, kind, page kind), replacing any before',
        body: putTemplateBody,
        response: { 200: templateSchema },
      },
    },
    async (request) => {
      return putTemplate(deps.db, request.auth!.accountId, request.body);
    },
  );

  r.delete(
    '/api/v1/templates/:id',
    {
      config: { auth: 'admin', scope: 'pages:write' },
      schema: {
        tags,
        summary: 'Retire a template: the built-in wording applies again',
        params: z.object({ id: z.string() }),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await removeTemplate(deps.db, request.auth!.accountId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/api/v1/leads/speed',
    {
      config: { auth: 'member', scope: 'leads:read' },
      schema: {
        tags,
        summary: 'Speed to lead over the last days: in all and per agent (the assigned member)',
        querystring: z.object({ days: z.coerce.number().int().min(1).max(365).default(30) }),
        response: { 200: speedSchema },
      },
    },
    async (request) => {
      return speedSummary(deps.db, request.auth!.accountId, request.query.days);
    },
  );

  r.post(
    '/api/v1/leads/:id/messages/:messageId/retry',
    {
      config: { auth: 'member', scope: 'leads:write' },
      schema: {
        tags,
        summary: 'Send a failed message again',
        params: z.object({ id: z.string(), messageId: z.string() }),
        response: { 202: sentSchema },
      },
    },
    async (request, reply) => {
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

  registerSavedReplyRoutes(app, deps);
}
