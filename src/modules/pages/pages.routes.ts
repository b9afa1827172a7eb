import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import { renderPreview } from '../../pages/preview.ts';
import type { ModuleDeps } from '../../platform/module.ts';
import {
  createPageBody,
  pageListQuery,
  pageListSchema,
  pageParams,
  pageSchema,
  previewBody,
  previewSchema,
  statsQuery,
  statsSchema,
  updatePageBody,
} from './pages.schema.ts';
import {
  createPage,
  deletePage,
  getPageById,
  getPageStats,
  listPages,
  type PageView,
  updatePage,
} from './pages.service.ts';
import { getPreviewView } from './public.service.ts';

/** A page as the API shows it, with its public addresses. */
export function presentPage(
  p: PageView,
  config: Pick<Config, 'baseUrl' | 'baseDomain'>,
): z.infer<typeof pageSchema> {
  const protocol = new URL(config.baseUrl).protocol;
  return {
    id: p.id,
    kind: p.kind as z.infer<typeof pageSchema>['kind'],
    slug: p.slug,
    title: p.title,
    headline: p.headline,
    subheadline: p.subheadline,
    callToAction: p.callToAction,
    description: p.description,
    consentText: p.consentText,
    thankYouHeadline: p.thankYouHeadline,
    thankYouMessage: p.thankYouMessage,
    isActive: p.isActive,
    settings: p.settings,
    url: `${config.baseUrl}/p/${p.accountSlug}/${p.slug}`,
    subdomainUrl: `${protocol}//${p.accountSlug}.${config.baseDomain}/${p.slug}`,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
    archivedAt: p.archivedAt?.toISOString() ?? null,
  };
}

/**
 * Capture pages of the active account: members read them and their figures, admins change
 * them. API keys need `pages:read` / `pages:write`.
 */
export function registerPageRoutes(app: FastifyInstance, deps: ModuleDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['pages'];
  const present = (p: PageView) => presentPage(p, deps.config);

  r.get(
    '/api/v1/pages',
    {
      config: { auth: 'member', scope: 'pages:read' },
      schema: {
        tags,
        summary: "The account's capture pages, newest first",
        querystring: pageListQuery,
        response: { 200: pageListSchema },
      },
    },
    async (request) => {
      const { limit, cursor, includeArchived } = request.query;
      const result = await listPages(deps.db, request.auth!.accountId, { limit, cursor, includeArchived });
      return { data: result.pages.map(present), nextCursor: result.nextCursor };
    },
  );

  r.post(
    '/api/v1/pages',
    {
      config: { auth: 'admin', scope: 'pages:write', idempotent: true },
      schema: { tags, summary: 'Create a capture page', body: createPageBody, response: { 201: pageSchema } },
    },
    async (request, reply) => {
      const page = await createPage(deps.db, request.auth!.accountId, request.body);
      return reply.code(201).send(present(page));
    },
  );

  r.post(
    '/api/v1/pages/preview',
    {
      config: { auth: 'member', scope: 'pages:read' },
      schema: {
        tags,
        summary: 'Render a page as visitors would see it, before it is saved (nothing is written)',
        body: previewBody,
        response: { 200: previewSchema },
      },
    },
    async (request) => {
      const { page, branding, view } = request.body;
      const draft = {
        kind: page.kind,
        slug: page.slug ?? null,
        title: page.title || 'Untitled page',
        headline: page.headline ?? null,
        subheadline: page.subheadline ?? null,
        callToAction: page.callToAction ?? null,
        description: page.description ?? null,
        consentText: page.consentText ?? null,
        thankYouHeadline: page.thankYouHeadline ?? null,
        thankYouMessage: page.thankYouMessage ?? null,
      };
      const pageView = await getPreviewView(deps.db, request.auth!.accountId, draft, branding);
      return { html: renderPreview(pageView, deps.config.baseUrl, view) };
    },
  );

  r.get(
    '/api/v1/pages/:id',
    {
      config: { auth: 'member', scope: 'pages:read' },
      schema: { tags, summary: 'One capture page', params: pageParams, response: { 200: pageSchema } },
    },
    async (request) => {
      return present(await getPageById(deps.db, request.auth!.accountId, request.params.id));
    },
  );

  r.patch(
    '/api/v1/pages/:id',
    {
      config: { auth: 'admin', scope: 'pages:write' },
      schema: {
        tags,
        summary: "Change a capture page's fields (not its kind)",
        params: pageParams,
        body: updatePageBody,
        response: { 200: pageSchema },
      },
    },
    async (request) => {
      const { kind: _kind, ...changes } = request.body;
      return present(await updatePage(deps.db, request.auth!.accountId, request.params.id, changes));
    },
  );

  r.delete(
    '/api/v1/pages/:id',
    {
      config: { auth: 'admin', scope: 'pages:write' },
      schema: {
        tags,
        summary: 'Delete a capture page (archived instead when it has leads)',
        params: pageParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deletePage(deps.db, request.auth!.accountId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/api/v1/pages/:id/stats',
    {
      config: { auth: 'member', scope: 'pages:read' },
      schema: {
        tags,
        summary: "A page's daily views, unique visitors and submissions",
        params: pageParams,
        querystring: statsQuery,
        response: { 200: statsSchema },
      },
    },
    async (request) => {
      return getPageStats(deps.db, request.auth!.accountId, request.params.id, request.query);
    },
  );
}
