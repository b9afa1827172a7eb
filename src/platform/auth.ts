import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { checkCsrf } from './csrf.ts';
import { AppError } from './errors.ts';

/**
 * Every route declares who may call it, in `config.auth`; start-up fails for one that
 * does not. `public`: anyone; `member`: a member of the active account (session or API key);
 * `admin`: an owner or admin of it (pages, domains, team, keys); `owner`: an owner of it
 * (billing, deleting the account); `platform`: a platform operator, whose routes reach tenants
 * only through the explicit cross-tenant path.
 */
export const AUTH_LEVELS = ['public', 'member', 'admin', 'owner', 'platform'] as const;
export type AuthLevel = (typeof AUTH_LEVELS)[number];

export type AuthContext = {
  userId: string;
  accountId: string;
  role: 'owner' | 'admin' | 'member' | 'affiliate';
  isPlatformAdmin: boolean;
  via: 'session' | 'api_key';
  /** The session behind a cookie-authenticated request. */
  sessionId?: string;
  /** The API key behind a Bearer-authenticated request. */
  apiKeyId?: string;
  /** What that API key may do (see requireScope in the identity module); unset for sessions. */
  scopes?: string[];
};

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthLevel;
    /** false for public endpoints that take cross-site posts on purpose (embedded lead forms). */
    csrf?: boolean;
    /**
     * What an API key needs to call the route (`leads:read`…), or `null` for what only a
     * signed-in person may do (keys, billing, their own profile). Every `member` and `admin`
     * route under /api/v1 declares it. A key holding the scope passes the role check of an
     * `admin` route (an admin created the key and chose its scopes); `owner` and `platform`
     * routes are never open to keys.
     */
    scope?: string | null;
  }
  interface FastifyRequest {
    auth: AuthContext | null;
  }
}

/** Resolves who is asking (session cookie, API key); the identity module supplies it. */
export type Authenticator = (request: FastifyRequest) => Promise<AuthContext | null>;

export type DeclaredRoute = { method: string; url: string; auth: AuthLevel; scope: string | null };

const routeTables = new WeakMap<FastifyInstance, DeclaredRoute[]>();

/** Every route the app registered with its auth level: the cross-tenant sweep is built from it. */
export function declaredRoutes(app: FastifyInstance): DeclaredRoute[] {
  return [...(routeTables.get(app) ?? [])];
}

export class RouteWithoutAuthError extends Error {
  constructor(method: string, url: string) {
    super(`route ${method} ${url} declares no auth level (config.auth: ${AUTH_LEVELS.join(' | ')})`);
    this.name = 'RouteWithoutAuthError';
  }
}

export class RouteWithoutScopeError extends Error {
  constructor(method: string, url: string) {
    super(
      `route ${method} ${url} declares no API-key scope (config.scope: a scope, or null when only a signed-in person may call it)`,
    );
    this.name = 'RouteWithoutScopeError';
  }
}

/** Where every member and admin route must say what an API key needs (`config.scope`). */
const SCOPED_PREFIX = '/api/v1/';

function allows(level: AuthLevel, auth: AuthContext, scope: string | null | undefined): boolean {
  switch (level) {
    case 'public':
    case 'member':
      return true;
    case 'admin':
      // A key's scope stands for the role: an admin made the key and gave it the scope.
      if (auth.via === 'api_key') return typeof scope === 'string';
      return auth.role === 'owner' || auth.role === 'admin';
    case 'owner':
      return auth.role === 'owner';
    case 'platform':
      return auth.isPlatformAdmin;
  }
}

/**
 * Registers the auth declaration check (onRoute) and enforcement (onRequest). Routes
 * registered by plugins that cannot take our config (swagger UI assets) are listed by prefix.
 */
export function registerAuth(
  app: FastifyInstance,
  options: {
    authenticate: Authenticator;
    publicPrefixes?: string[];
    allowedOrigins: string[];
    /** Every scope a route may name: a route naming another fails start-up. */
    scopes: readonly string[];
  },
): void {
  const publicPrefixes = options.publicPrefixes ?? [];
  const table: DeclaredRoute[] = [];
  routeTables.set(app, table);
  app.decorateRequest('auth', null);
  app.addHook('onRoute', (route: RouteOptions) => {
    const level = route.config?.auth;
    const scope = route.config?.scope ?? null;
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') table.push({ method, url: route.url, auth: level ?? 'public', scope });
    }
    const method = Array.isArray(route.method) ? route.method.join(',') : route.method;
    if (route.url.startsWith(SCOPED_PREFIX)) {
      if ((level === 'member' || level === 'admin') && route.config?.scope === undefined)
        throw new RouteWithoutScopeError(method, route.url);
      if (scope !== null && !options.scopes.includes(scope)) {
        throw new Error(`route ${method} ${route.url} names an unknown scope "${scope}"`);
      }
      // The OpenAPI document says how each route may be called: anyone, a signed-in person, or
      // also an API key with the scope.
      const security: Record<string, string[]>[] =
        level === undefined || level === 'public'
          ? []
          : scope === null || level === 'owner' || level === 'platform'
            ? [{ session: [] }]
            : [{ session: [] }, { apiKey: [scope] }];
      route.schema = { ...route.schema, security };
    }
    if (level && (AUTH_LEVELS as readonly string[]).includes(level)) return;
    if (publicPrefixes.some((p) => route.url.startsWith(p))) {
      route.config = { ...route.config, auth: 'public' };
      return;
    }
    throw new RouteWithoutAuthError(method, route.url);
  });
  app.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
    // A browser carrying cookies on an unsafe method must come from our own origin: a
    // cross-site form post (CSRF) is refused before any handler runs. Programs send no cookies.
    if (request.headers.cookie && request.routeOptions.config.csrf !== false) {
      const verdict = checkCsrf(request, { allowedOrigins: options.allowedOrigins });
      if (!verdict.ok)
        throw new AppError('forbidden', 'CSRF_REJECTED', `Cross-site request refused: ${verdict.reason}`);
    }
    const level = request.routeOptions.config.auth ?? 'public';
    if (level === 'public') return;
    const auth = await options.authenticate(request);
    if (!auth) throw new AppError('unauthorized', 'AUTH_REQUIRED', 'Sign in or send an API key');
    const scope = request.routeOptions.config.scope;
    if (auth.via === 'api_key' && level !== 'owner' && level !== 'platform') {
      if (typeof scope !== 'string')
        throw new AppError('forbidden', 'SESSION_REQUIRED', 'Sign in to do this; an API key cannot');
      if (!auth.scopes?.includes(scope))
        throw new AppError('forbidden', 'API_KEY_SCOPE', `This API key lacks the ${scope} scope`);
    }
    if (!allows(level, auth, scope))
      throw new AppError('forbidden', 'AUTH_FORBIDDEN', 'Your role does not allow this');
    request.auth = auth;
  });
}
