import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ModuleDeps } from '../platform/module.ts';
import { createSiteHandlers, type SiteHandlers, sendNotFound } from './handlers.ts';
import { isRewritten, type SiteMode } from './urls.ts';

/**
 * The server-rendered public site: capture pages, their thank-you pages and a site home, at
 * `/p/{account}/{page}` on BASE_URL and, through the host rewrite (host.ts), at
 * `{account}.{BASE_DOMAIN}/{page}` and active custom hostnames. The form posts to its own URL
 * (urlencoded, parsed in these routes' scope only) and is answered with 303 to the thank-you page.
 * Form posts are `csrf: false`: they come cross-site on purpose (custom hosts, embeds) and carry
 * their own signed token; they act on no one's session.
 */

type PageParams = { pageSlug: string };
type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export function parseFormBodies(scope: FastifyInstance) {
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_req, body, done) => {
      // Object.fromEntries defines own properties: a `__proto__` field is just a field.
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );
  scope.setNotFoundHandler((_request, reply) => sendNotFound(reply));
}

/**
 * GET and POST `{prefix}/:pageSlug`, GET `{prefix}/:pageSlug/thanks` and the site home for one
 * way of naming the account; `modeOf` reads it from the params (null: not a site request).
 */
function registerSite(
  scope: FastifyInstance,
  handlers: SiteHandlers,
  prefix: string,
  homePaths: string[],
  modeOf: (request: FastifyRequest) => SiteMode | null,
) {
  const schema = { hide: true };
  const pageSlug = (request: FastifyRequest) => (request.params as PageParams).pageSlug;
  const guarded =
    (fn: (request: FastifyRequest, reply: FastifyReply, mode: SiteMode) => Promise<unknown>): Handler =>
    async (request, reply) => {
      const mode = modeOf(request);
      return mode ? fn(request, reply, mode) : sendNotFound(reply);
    };
  for (const path of homePaths) {
    scope.get(
      path,
      { config: { auth: 'public' }, schema },
      guarded((rq, rp, mode) => handlers.showIndex(rq, rp, mode)),
    );
  }
  scope.get(
    `${prefix}/:pageSlug`,
    { config: { auth: 'public' }, schema },
    guarded((rq, rp, mode) => handlers.showPage(rq, rp, mode, pageSlug(rq))),
  );
  scope.post(
    `${prefix}/:pageSlug`,
    { config: { auth: 'public', csrf: false }, schema },
    guarded((rq, rp, mode) => handlers.submitPage(rq, rp, mode, pageSlug(rq))),
  );
  scope.get(
    `${prefix}/:pageSlug/thanks`,
    { config: { auth: 'public' }, schema },
    guarded((rq, rp, mode) => handlers.showThanks(rq, rp, mode, pageSlug(rq))),
  );
}

export async function registerSiteRoutes(app: FastifyInstance, deps: ModuleDeps): Promise<void> {
  const handlers = createSiteHandlers(deps);
  const param = (request: FastifyRequest, name: string) => (request.params as Record<string, string>)[name]!;

  await app.register(
    async (scope) => {
      parseFormBodies(scope);
      registerSite(scope, handlers, '/:accountSlug', ['/:accountSlug'], (request) => ({
        kind: 'path',
        accountSlug: param(request, 'accountSlug'),
      }));
    },
    { prefix: '/p' },
  );

  // Reached only through the host rewrite; asked for by name, they are not found.
  await app.register(
    async (scope) => {
      parseFormBodies(scope);
      registerSite(scope, handlers, '/sub/:label', ['/sub/:label/'], (request) =>
        isRewritten(request) ? { kind: 'sub', label: param(request, 'label') } : null,
      );
      registerSite(scope, handlers, '/host/:hostname', ['/host/:hostname/'], (request) =>
        isRewritten(request) ? { kind: 'custom', hostname: param(request, 'hostname') } : null,
      );
    },
    { prefix: '/_site' },
  );
}
