import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FastifyRouteSchemaDef, FastifyValidationResult } from 'fastify/types/schema.js';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ZodType } from 'zod';
import type { ImportKind } from '../../db/schema/index.ts';
import { AppError } from '../../platform/errors.ts';
import type { ModuleDeps } from '../../platform/module.ts';
import type { ApiKeyScope } from '../identity/api-keys.schema.ts';
import { registerExportRoutes } from './exports.routes.ts';
import {
  csvBody,
  importListQuery,
  importListSchema,
  importParams,
  importQuery,
  importSchema,
} from './imports.schema.ts';
import {
  getImportReport,
  IMPORT_MAX_BYTES,
  listImports,
  receiveImport,
  undoImport,
  waitForImport,
} from './imports.service.ts';

/** How long an upload waits for its import to be worked before answering 202 with the progress. */
const WAIT_MS = 20_000;

/**
 * CSV import (leads, contacts), the imports' progress and reports, undo; and (exports.routes.ts)
 * the CSV exports. Members may import and export; only admins may undo an import as a whole.
 * The upload's body is the CSV itself (`text/csv`, or `text/plain`), handed to the service as
 * the raw stream: nothing buffers the file.
 */
export async function registerImportRoutes(app: FastifyInstance, deps: ModuleDeps): Promise<void> {
  await app.register(async (scope) => {
    // Only here: elsewhere a text body stays a 415 (app.ts removes Fastify's text/plain parser).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(['text/csv', 'text/plain'], (_request, payload, done) => done(null, payload));
    const r = scope.withTypeProvider<ZodTypeProvider>();
    const kinds: [ImportKind, ApiKeyScope][] = [
      ['leads', 'leads:write'],
      ['contacts', 'contacts:write'],
    ];
    for (const [kind, writeScope] of kinds) {
      r.post(
        `/api/v1/${kind}/import`,
        {
          config: { auth: 'member', scope: writeScope },
          bodyLimit: IMPORT_MAX_BYTES,
          // The body is a stream (documented as a string); the query is validated as usual.
          validatorCompiler: streamBody,
          schema: {
            tags: ['imports'],
            summary: `Import ${kind} from a CSV file (Content-Type: text/csv, up to 200 MB)`,
            description:
              'Rows are matched on email, then phone: a match merges (fills empty fields only), else a new ' +
              `${kind === 'leads' ? 'lead' : 'contact'} is made. 201 with the report when the import finished within ` +
              'about 20 s, else 202 with its progress and a Location to follow (GET /api/v1/imports/:id).',
            consumes: ['text/csv'],
            querystring: importQuery,
            body: csvBody,
            response: { 201: importSchema, 202: importSchema },
          },
        },
        async (request, reply) => {
          const auth = request.auth!;
          const created = await receiveImport(deps, {
            accountId: auth.accountId,
            userId: auth.userId,
            kind,
            body: csvStreamOf(request),
            preset: request.query.preset,
            mapping: request.query.mapping,
            fileName: request.query.fileName,
          });
          const report = await waitForImport(deps.db, auth.accountId, created.id, WAIT_MS);
          reply.header('location', `/api/v1/imports/${report.id}`);
          return reply.code(report.status === 'completed' ? 201 : 202).send(report);
        },
      );
    }
  });

  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['imports'];
  r.get(
    '/api/v1/imports',
    {
      config: { auth: 'member', scope: 'leads:read' },
      schema: {
        tags,
        summary: "The account's imports, newest first",
        querystring: importListQuery,
        response: { 200: importListSchema },
      },
    },
    async (request) => {
      return listImports(deps.db, request.auth!.accountId, request.query);
    },
  );
  r.get(
    '/api/v1/imports/:id',
    {
      config: { auth: 'member', scope: 'leads:read' },
      schema: {
        tags,
        summary: 'An import: its progress, and once worked its report (the first 1000 rejected rows)',
        params: importParams,
        response: { 200: importSchema },
      },
    },
    async (request) => {
      return getImportReport(deps.db, request.auth!.accountId, request.params.id);
    },
  );
  r.post(
    '/api/v1/imports/:id/undo',
    {
      config: { auth: 'admin', scope: 'leads:write' },
      schema: {
        tags,
        summary:
          'Undo a completed import: deletes what it created, empties again the fields its merges filled (409 unless completed)',
        params: importParams,
        response: { 200: importSchema },
      },
    },
    async (request) => {
      return undoImport(deps.db, request.auth!.accountId, request.params.id);
    },
  );

  registerExportRoutes(app, deps);
}

/** Validates the query as every route does and lets the body stream through untouched. */
function streamBody<T>(req: FastifyRouteSchemaDef<T>): FastifyValidationResult {
  return req.httpPart === 'body'
    ? (data) => ({ value: data })
    : validatorCompiler(req as unknown as FastifyRouteSchemaDef<ZodType>);
}

/** The raw body stream our parser handed through; anything else is not a CSV upload. */
function csvStreamOf(request: FastifyRequest): Readable {
  const body = request.body as Readable | undefined;
  if (!body || typeof body.pipe !== 'function') {
    throw new AppError(
      'unsupported_media_type',
      'IMPORT_NOT_CSV',
      'Send the CSV file itself as the body, with Content-Type: text/csv',
    );
  }
  return body;
}
