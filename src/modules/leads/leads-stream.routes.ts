import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import type { ModuleDeps } from '../../platform/module.ts';
import { onLeadArrival } from './lead-arrivals.ts';

/**
 * New leads as they arrive, for the dashboard's inbox: `GET /api/v1/leads/stream` answers
 * server-sent events (`event: lead`, data `{ id, status, createdAt }`) to a client that accepts
 * `text/event-stream`, checking the account's newest leads twice a second; any other client gets
 * the same list once, as JSON (`?since=` an ISO time), to poll. Ids and status only: the client
 * reads each lead through GET /api/v1/leads/:id like any other. Two indexed queries a second per open
 * inbox, on the (account_id, created_at) index; no state in the server (decision 012).
 */

type NewLead = { id: string; status: string; createdAt: string };

const POLL_MS = 500;
const HEARTBEAT_MS = 15_000;
const LOOKBACK_MS = 3000;

async function leadsSince(db: Database, accountId: string, since: Date): Promise<NewLead[]> {
  return withTenant(db, accountId, async (_tx, client) => {
    const { rows } = await client.query<{ id: string; status: string; created_at: Date }>(
      `SELECT id, status, created_at FROM leads WHERE account_id = $1 AND created_at > $2
       ORDER BY created_at, id LIMIT 100`,
      [accountId, since],
    );
    return rows.map((r) => ({ id: r.id, status: r.status, createdAt: new Date(r.created_at).toISOString() }));
  });
}

export function registerLeadStreamRoutes(app: FastifyInstance, deps: ModuleDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/leads/stream',
    {
      config: { auth: 'member', scope: 'leads:read' },
      schema: {
        tags: ['leads'],
        summary:
          'New leads as they arrive: server-sent events (Accept: text/event-stream), else JSON to poll',
        querystring: z.object({
          since: z.iso
            .datetime({ offset: true })
            .optional()
            .describe('leads created after this (default: now)'),
        }),
        response: {
          200: z
            .object({
              data: z.array(z.object({ id: z.string(), status: z.string(), createdAt: z.string() })),
              now: z.string(),
            })
            .describe('the JSON answer; the event stream sends one `lead` event per lead instead'),
        },
      },
    },
    async (request, reply) => {
      const accountId = request.auth!.accountId;
      let since = request.query.since ? new Date(request.query.since) : new Date();
      if (!String(request.headers.accept ?? '').includes('text/event-stream')) {
        const now = new Date();
        return { data: await leadsSince(deps.db, accountId, since), now: now.toISOString() };
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // Proxies (nginx) must pass each event on at once.
        'x-accel-buffering': 'no',
      });
      res.write('retry: 2000\n\n');
      const opened = new Date(since);
      let closed = false;
      let busy = false;
      // Asked to look while a look was under way: look again right after it.
      let again = false;
      // Each poll looks back LOOKBACK_MS past the last lead sent: a lead whose transaction began
      // earlier but committed later is still seen; ids already sent are not sent again.
      const sent = new Map<string, number>();
      const tick = async () => {
        if (closed) return;
        if (busy) {
          again = true;
          return;
        }
        busy = true;
        again = false;
        try {
          // Not before the stream opened (the client has just loaded the list): only arrivals.
          const from = Math.max(opened.getTime(), since.getTime() - LOOKBACK_MS);
          const leads = await leadsSince(deps.db, accountId, new Date(from));
          for (const lead of leads) {
            if (sent.has(lead.id)) continue;
            sent.set(lead.id, Date.now());
            res.write(`event: lead\ndata: ${JSON.stringify(lead)}\n\n`);
            const at = new Date(lead.createdAt);
            if (at > since) since = at;
          }
          for (const [id, when] of sent) if (Date.now() - when > 4 * LOOKBACK_MS) sent.delete(id);
        } catch (error) {
          request.log.warn({ err: error }, 'lead stream poll failed');
        } finally {
          busy = false;
        }
        if (again) void tick();
      };
      const poll = setInterval(tick, POLL_MS);
      // A lead taken by this process: look now rather than at the next poll.
      const unsubscribe = onLeadArrival(accountId, () => void tick());
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      request.raw.on('close', () => {
        closed = true;
        clearInterval(poll);
        unsubscribe();
        clearInterval(heartbeat);
      });
    },
  );
}
