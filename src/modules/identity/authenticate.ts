import type { FastifyRequest } from 'fastify';
import type { Database } from '../../db/client.ts';
import type { AuthContext, Authenticator } from '../../platform/auth.ts';
import { getRole } from '../accounts/accounts.service.ts';
import { type ApiKeyRateLimiter, authenticateApiKey, createApiKeyRateLimiter } from './api-keys.service.ts';
import { resolveSession, type SessionPolicy } from './sessions.service.ts';

/** The session cookie: `__Host-` (Secure, Path=/, no Domain) when served over https. */
export function sessionCookieName(isHttps: boolean): string {
  return isHttps ? '__Host-porchlight_session' : 'porchlight_session';
}

/** The user id an API-key request carries: a key acts for its account, not for a person. */
export const API_KEY_USER_ID = '00000000-0000-0000-0000-000000000000';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * Who is asking. A request with an `Authorization` header is decided by it alone: a live API
 * key (`Bearer pl_live_…`) of one account, with the member role and the key's scopes; anything
 * else there is nobody (401), never a fall back to a cookie. Otherwise the session cookie's
 * user, in the session's active account, with their role there.
 */
export function createAuthenticator(options: {
  db: Database;
  isHttps: boolean;
  policy: SessionPolicy;
  /** Keys API-key HMACs: the server pepper. */
  pepper: string;
  /** Requests per key; default 600 a minute, per process. */
  apiKeyLimiter?: ApiKeyRateLimiter;
}): Authenticator {
  const cookie = sessionCookieName(options.isHttps);
  const limiter = options.apiKeyLimiter ?? createApiKeyRateLimiter();
  return async (request: FastifyRequest): Promise<AuthContext | null> => {
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const key = BEARER.exec(authorization)?.[1];
      if (!key) return null;
      const apiKey = await authenticateApiKey(options.db, options.pepper, key);
      if (!apiKey) return null;
      limiter.hit(apiKey.id);
      return {
        // Not the key's creator: routes that act for "the signed-in person" (who am I, switch
        // account, leave the team) must not let a key act as — or mint a session for — them.
        userId: API_KEY_USER_ID,
        accountId: apiKey.accountId,
        role: 'member',
        isPlatformAdmin: false,
        via: 'api_key',
        apiKeyId: apiKey.id,
        scopes: apiKey.scopes,
      };
    }
    const token = request.cookies?.[cookie];
    if (!token) return null;
    const session = await resolveSession(options.db, token, options.policy);
    if (!session?.activeAccountId) return null;
    const role = await getRole(options.db, session.activeAccountId, session.userId);
    if (!role) return null;
    return {
      userId: session.userId,
      accountId: session.activeAccountId,
      role,
      isPlatformAdmin: session.isPlatformAdmin,
      via: 'session',
      sessionId: session.id,
    };
  };
}
