import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ModuleDeps } from '../../platform/module.ts';
import type { AiDeps } from '../ai/model-choice.ts';
import { countLeadStatuses, listLeads } from './lead-list.service.ts';
import { presentLead, presentLeadDetail } from './leads.present.ts';
import {
  leadCountsSchema,
  leadDetailSchema,
  leadListQuery,
  leadListSchema,
  leadParams,
  usageSchema,
} from './leads.schema.ts';
import { getLeadDetail } from './leads.service.ts';
import { registerLeadStreamRoutes } from './leads-stream.routes.ts';
import { registerLeadWriteRoutes } from './leads-write.routes.ts';
import { getUsage } from './usage.service.ts';

/**
 * The leads API of the active account: list and search, counts, detail, and (in
 * leads-write.routes.ts) create, change and notes; plus this month's usage. Members and API keys
 * (with `leads:read` / `leads:write`) may use them.
 */
export function registerLeadRoutes(app: FastifyInstance, deps: ModuleDeps & { ai: AiDeps }): void {
  // Until app.ts registers it with the other platform plugins; a second call does nothing.
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['leads'];

  r.get(
    '/api/v1/leads',
    {
      config: { auth: 'member', scope: 'leads:read' },
      schema: {
        tags,
        summary: 'Leads, newest first, with filters and search',
        querystring: leadListQuery,
        response: { 200: leadListSchema },
      },
    },
    async (request) => {
      const { limit, cursor, counts, ...filters } = request.query;
      const page = await listLeads(deps.db, request.auth!.accountId, {
        filters,
        limit,
        cursor,
        withCounts: counts === true,
      });
      return {
        data: page.leads.map(presentLead),
        nextCursor: page.nextCursor,
        ...(page.counts ? { counts: page.counts } : {}),
      };
    },
  );

  r.get(
    '/api/v1/leads/counts',
    {
      config: { auth: 'member', scope: 'leads:read' },
      schema: {
        tags,
        summary: 'How many leads are in each status, and how many are held',
        response: { 200: leadCountsSchema },
      },
    },
    async (request) => {
      return countLeadStatuses(deps.db, request.auth!.accountId);
    },
  );

  r.get(
    '/api/v1/leads/:id',
    {
      config: { auth: 'member', scope: 'leads:read' },
      schema: {
        tags,
        summary: 'A lead with its timeline, consent records, messages and speed to lead',
        params: leadParams,
        response: { 200: leadDetailSchema },
      },
    },
    async (request) => {
      const { lead, events, consents, messages, calls, speed } = await getLeadDetail(
        deps.db,
        request.auth!.accountId,
        request.params.id,
      );
      return presentLeadDetail(lead, events, consents, messages, calls, speed);
    },
  );

  r.get(
    '/api/v1/usage',
    {
      config: { auth: 'member', scope: 'account:read' },
      schema: {
        tags: ['billing'],
        summary: "This month's usage against the plan's limits",
        response: { 200: usageSchema },
      },
    },
    async (request) => getUsage(deps.db, request.auth!.accountId),
  );

  registerLeadWriteRoutes(app, deps);
  registerLeadStreamRoutes(app, deps);
}
