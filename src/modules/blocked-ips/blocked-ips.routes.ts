import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../platform/module.ts';
import {
  blockedIpListSchema,
  blockedIpParams,
  blockedIpSchema,
  createBlockedIpBody,
} from './blocked-ips.schema.ts';
import { addBlockedIp, type BlockedIp, listBlockedIps, removeBlockedIp } from './blocked-ips.service.ts';

/** `203.0.113.7/32` → `203.0.113.7`: a single address is shown as it was typed. */
export function presentNetwork(network: string): string {
  const single = network.includes(':') ? '/128' : '/32';
  return network.endsWith(single) ? network.slice(0, -single.length) : network;
}

function presentBlockedIp(b: BlockedIp) {
  return {
    id: b.id,
    network: presentNetwork(b.network),
    reason: b.reason,
    createdAt: b.createdAt.toISOString(),
  };
}

/** Addresses and networks whose form submissions are stored as spam. Owners and admins manage them. */
export function registerBlockedIpRoutes(app: FastifyInstance, deps: ModuleDeps): void {
  // Until app.ts registers it with the other platform plugins; a second call does nothing.
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['leads'];

  r.get(
    '/api/v1/blocked-ips',
    {
      config: { auth: 'admin', scope: null },
      schema: { tags, summary: 'Blocked addresses and networks', response: { 200: blockedIpListSchema } },
    },
    async (request) => {
      const rows = await listBlockedIps(deps.db, request.auth!.accountId);
      return { data: rows.map(presentBlockedIp), nextCursor: null };
    },
  );

  r.post(
    '/api/v1/blocked-ips',
    {
      config: { auth: 'admin', scope: null, idempotent: true },
      schema: {
        tags,
        summary: 'Block an address or a network (CIDR)',
        body: createBlockedIpBody,
        response: { 201: blockedIpSchema },
      },
    },
    async (request, reply) => {
      const row = await addBlockedIp(deps.db, request.auth!.accountId, request.body);
      return reply.code(201).send(presentBlockedIp(row));
    },
  );

  r.delete(
    '/api/v1/blocked-ips/:id',
    {
      config: { auth: 'admin', scope: null },
      schema: { tags, summary: 'Unblock', params: blockedIpParams, response: { 204: z.null() } },
    },
    async (request, reply) => {
      await removeBlockedIp(deps.db, request.auth!.accountId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
