import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ModuleDeps } from '../../platform/module.ts';
import { exportContacts, exportFileName, exportLeads } from './export.service.ts';
import { csvResponse, leadExportQuery } from './imports.schema.ts';

const CSV = 'text/csv; charset=utf-8';

/** Streamed CSV exports of the account's leads (the list's filters) and contacts; members may export. */
export function registerExportRoutes(app: FastifyInstance, deps: Pick<ModuleDeps, 'db'>): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/leads/export',
    {
      config: { auth: 'member', scope: 'leads:read' },
      schema: {
        tags: ['imports'],
        summary: "The account's leads as CSV, newest first, with the lead list's filters",
        description:
          'Headers are those of the `porchlight` import preset, so the file imports back unchanged. ' +
          "Cells that start like a formula are prefixed with '. A held lead's contact details stay hidden.",
        produces: ['text/csv'],
        querystring: leadExportQuery,
        response: { 200: csvResponse },
      },
    },
    async (request, reply) => {
      const stream = exportLeads(deps.db, request.auth!.accountId, request.query);
      return reply
        .type(CSV)
        .header('content-disposition', `attachment; filename="${exportFileName('leads')}"`)
        .header('cache-control', 'no-store')
        .send(stream as unknown as string); // streamed; the schema documents the text
    },
  );
  r.get(
    '/api/v1/contacts/export',
    {
      config: { auth: 'member', scope: 'contacts:read' },
      schema: {
        tags: ['imports'],
        summary: "The account's contacts as CSV, newest first",
        produces: ['text/csv'],
        response: { 200: csvResponse },
      },
    },
    async (request, reply) => {
      const stream = exportContacts(deps.db, request.auth!.accountId);
      return reply
        .type(CSV)
        .header('content-disposition', `attachment; filename="${exportFileName('contacts')}"`)
        .header('cache-control', 'no-store')
        .send(stream as unknown as string); // streamed; the schema documents the text
    },
  );
}
