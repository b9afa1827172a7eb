import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../platform/module.ts';
import { createDomainsProvider } from '../../providers/domains/index.ts';
import {
  addDomainBody,
  domainListSchema,
  domainParams,
  domainSchema,
  verificationSchema,
} from './domains.schema.ts';
import {
  addDomain,
  type DomainRow,
  type DomainsContext,
  listDomains,
  makePrimaryDomain,
  removeDomain,
  verifyDomain,
} from './domains.service.ts';

function presentDomain(d: DomainRow, cnameTarget: string): z.infer<typeof domainSchema> {
  const stored = verificationSchema.safeParse(d.verification);
  return {
    id: d.id,
    hostname: d.hostname,
    verificationStatus: d.verificationStatus as z.infer<typeof domainSchema>['verificationStatus'],
    isPrimary: d.isPrimary,
    verification: stored.success
      ? stored.data
      : {
          cnameTarget,
          records: [{ type: 'CNAME', name: d.hostname, value: cnameTarget, purpose: 'routing' }],
          sslStatus: null,
          errors: [],
        },
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    verifiedAt: d.verifiedAt?.toISOString() ?? null,
  };
}

/**
 * Custom hostnames of the active account, served through the edge provider (DOMAINS_PROVIDER):
 * members list them, admins add, check, choose the primary and remove them. API keys need
 * `pages:read` to list.
 */
export function registerDomainRoutes(app: FastifyInstance, deps: ModuleDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['domains'];
  const { cnameTarget } = deps.config.domains;
  const ctx: DomainsContext = {
    db: deps.db,
    provider: createDomainsProvider(deps.config),
    platformHosts: [deps.config.baseDomain, new URL(deps.config.baseUrl).hostname, cnameTarget],
    cnameTarget,
  };
  const present = (d: DomainRow) => presentDomain(d, cnameTarget);

  r.get(
    '/api/v1/domains',
    {
      config: { auth: 'member', scope: 'pages:read' },
      schema: {
        tags,
        summary: "The account's custom domains (all of them: at most 20), primary first",
        response: { 200: domainListSchema },
      },
    },
    async (request) => {
      const rows = await listDomains(deps.db, request.auth!.accountId);
      return { data: rows.map(present), nextCursor: null };
    },
  );

  r.post(
    '/api/v1/domains',
    {
      config: { auth: 'admin', scope: 'pages:write', idempotent: true },
      schema: {
        tags,
        summary: 'Add a custom domain (plans with custom domains only)',
        body: addDomainBody,
        response: { 201: domainSchema },
      },
    },
    async (request, reply) => {
      const domain = await addDomain(ctx, request.auth!.accountId, request.body.hostname);
      return reply.code(201).send(present(domain));
    },
  );

  r.delete(
    '/api/v1/domains/:id',
    {
      config: { auth: 'admin', scope: 'pages:write' },
      schema: { tags, summary: 'Remove a custom domain', params: domainParams, response: { 204: z.null() } },
    },
    async (request, reply) => {
      await removeDomain(ctx, request.auth!.accountId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/v1/domains/:id/verify',
    {
      config: { auth: 'admin', scope: 'pages:write' },
      schema: {
        tags,
        summary: 'Check the domain with the provider again',
        params: domainParams,
        response: { 200: domainSchema },
      },
    },
    async (request) => {
      return present(await verifyDomain(ctx, request.auth!.accountId, request.params.id));
    },
  );

  r.post(
    '/api/v1/domains/:id/primary',
    {
      config: { auth: 'admin', scope: 'pages:write' },
      schema: {
        tags,
        summary: "Make the domain the account's primary hostname",
        params: domainParams,
        response: { 200: domainSchema },
      },
    },
    async (request) => {
      return present(await makePrimaryDomain(deps.db, request.auth!.accountId, request.params.id));
    },
  );
}
