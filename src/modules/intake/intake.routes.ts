import type { FastifyInstance } from 'fastify';
import type { ModuleDeps } from '../../platform/module.ts';

export async function registerIntakeRoutes(_app: FastifyInstance, _deps: ModuleDeps): Promise<void> {}
