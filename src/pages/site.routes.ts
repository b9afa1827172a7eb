import type { FastifyInstance } from 'fastify';
import type { ModuleDeps } from '../platform/module.ts';

export async function registerSiteRoutes(_app: FastifyInstance, _deps: ModuleDeps): Promise<void> {}
