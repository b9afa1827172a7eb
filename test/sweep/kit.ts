import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { asSession, type SignedUp } from '../http.ts';

/** Shared by the cross-tenant sweep's case files (see test/sweep.test.ts). */
export type Tenant = SignedUp;
export type Ctx = { app: FastifyInstance; db: Database; a: Tenant; b: Tenant };
export type Case = (ctx: Ctx) => Promise<void>;

export function as(t: Tenant, app: FastifyInstance) {
  return asSession(app, t.cookie);
}

export function expectNotFound(res: LightMyRequestResponse) {
  expect(res.statusCode, res.body).toBe(404);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
}
