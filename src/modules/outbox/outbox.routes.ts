import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { AppError } from '../../platform/errors.ts';
import { listOutbox, type OutboxMessage } from './outbox.service.ts';

const messageSchema = z.object({
  id: z.uuid(),
  channel: z.enum(['email', 'sms', 'voice']),
  to: z.string(),
  from: z.string(),
  subject: z.string().nullable(),
  body: z.string(),
  accountId: z.uuid().nullable(),
  leadId: z.uuid().nullable(),
  createdAt: z.string(),
});

/** A message's heading on the page: its subject, or what it is (texts and calls have none). */
const titleOf = (m: OutboxMessage) =>
  m.subject ??
  ({ sms: 'Text message', voice: 'Phone call' } as Record<string, string>)[m.channel] ??
  '(no subject)';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * It holds sign-in links and every tenant's mail, so it answers only on the machine itself:
 * a server left on the dev providers does not publish it.
 */
function assertLocal(request: FastifyRequest) {
  if (!LOOPBACK.test(request.ip)) throw new AppError('not_found', 'NOT_FOUND', 'Not found');
}

const present = (m: OutboxMessage) => ({
  id: m.id,
  channel: m.channel as 'email' | 'sms' | 'voice',
  to: m.to,
  from: m.from,
  subject: m.subject,
  body: m.body,
  accountId: m.accountId,
  leadId: m.leadId,
  createdAt: m.createdAt.toISOString(),
});

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The dev outbox: only registered when the dev providers are in use. */
export function registerOutboxRoutes(app: FastifyInstance, deps: { db: Database }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/dev/outbox',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['development'],
        summary: 'What the dev providers would have sent, newest first (this machine only)',
        response: { 200: z.object({ data: z.array(messageSchema) }) },
      },
    },
    async (request) => {
      assertLocal(request);
      return { data: (await listOutbox(deps.db)).map(present) };
    },
  );
  r.get('/dev/outbox', { config: { auth: 'public' }, schema: { hide: true } }, async (request, reply) => {
    assertLocal(request);
    const rows = (await listOutbox(deps.db))
      .map(
        (m) => `<article><header><strong>${escapeHtml(titleOf(m))}</strong>
<p>${escapeHtml(m.channel)} to ${escapeHtml(m.to)} from ${escapeHtml(m.from)} · <time>${m.createdAt.toISOString()}</time></p></header>
<pre>${escapeHtml(m.body)}</pre></article>`,
      )
      .join('\n');
    return reply
      .type('text/html; charset=utf-8')
      .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dev outbox · Porchlight</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}
article{border:1px solid #ddd;border-radius:8px;padding:1rem;margin:1rem 0}pre{white-space:pre-wrap}</style></head>
<body><h1>Dev outbox</h1><p>Messages the dev providers captured instead of sending, newest first.</p>${rows || '<p>Nothing yet.</p>'}</body></html>`);
  });
}
