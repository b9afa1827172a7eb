import { describe, expect, it } from 'vitest';
import { API_KEY_SCOPES } from '../src/modules/identity/api-keys.schema.ts';
import { declaredRoutes } from '../src/platform/auth.ts';
import { asSession, signUp, useTestApp } from './http.ts';

/**
 * API keys with scopes work on every /api/v1 route a member can use: for each member and admin
 * route, a key holding just its scope gets past authentication and authorisation (whatever the
 * handler then answers to an empty request), a key holding every other scope gets 403
 * API_KEY_SCOPE, and a route for people only (`scope: null`) refuses any key.
 */

const t = useTestApp();

/** Streams that stay open (the inbox's live feed): only their refusals are checked here. */
const OPEN_STREAMS = new Set(['GET /api/v1/leads/stream']);
const ZERO_ID = '00000000-0000-4000-8000-000000000000';

describe('API-key scopes on every route', () => {
  it('lets a key with the scope through and refuses one without it', async () => {
    const owner = await signUp(t.app, 'scopes');
    const asOwner = asSession(t.app, owner.cookie);
    const keyWith = async (scopes: readonly string[]) => {
      const res = await asOwner('POST', '/api/v1/api-keys', { name: `k ${scopes.length}`, scopes });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().key as string;
    };
    const only = new Map<string, string>();
    const allBut = new Map<string, string>();
    for (const scope of API_KEY_SCOPES) {
      only.set(scope, await keyWith([scope]));
      allBut.set(scope, await keyWith(API_KEY_SCOPES.filter((s) => s !== scope)));
    }
    const everything = await keyWith(API_KEY_SCOPES);

    const routes = declaredRoutes(t.app).filter(
      (r) => r.url.startsWith('/api/v1/') && (r.auth === 'member' || r.auth === 'admin'),
    );
    expect(routes.length).toBeGreaterThan(60);
    const call = (method: string, url: string, key: string) =>
      t.app.inject({
        method: method as 'GET',
        url: url.replace(/:[A-Za-z]+/g, ZERO_ID),
        headers: { authorization: `Bearer ${key}` },
        ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }),
      });
    for (const route of routes) {
      const label = `${route.method} ${route.url}`;
      if (route.scope === null) {
        const res = await call(route.method, route.url, everything);
        expect(res.statusCode, label).toBe(403);
        expect(res.json().code, label).toBe('SESSION_REQUIRED');
        continue;
      }
      const refused = await call(route.method, route.url, allBut.get(route.scope)!);
      expect(refused.statusCode, label).toBe(403);
      expect(refused.json().code, label).toBe('API_KEY_SCOPE');
      if (OPEN_STREAMS.has(label)) continue;
      const allowed = await call(route.method, route.url, only.get(route.scope)!);
      expect([401, 403], `${label} answered ${allowed.statusCode}: ${allowed.body}`).not.toContain(
        allowed.statusCode,
      );
    }
  });
});
