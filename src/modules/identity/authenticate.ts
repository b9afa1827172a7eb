import type { FastifyRequest } from 'fastify';
import type { Database } from '../../db/client.ts';
import type { AuthContext, Authenticator } from '../../platform/auth.ts';
import { getRole } from '../accounts/accounts.service.ts';
import { resolveSession, type SessionPolicy } from './sessions.service.ts';

/** The session cookie: `__Host-` (Secure, Path=/, no Domain) when served over https. */
export function sessionCookieName(isHttps: boolean): string {
  return isHttps ? '__Host-porchlight_session' : 'porchlight_session';
}

/**
 * Who is asking: the session cookie's user, in the session's active account, with their role
 * there. (API keys join here with the API-key slice of the identity issue.)
 */
export function createAuthenticator(options: {
  db: Database;
  isHttps: boolean;
  policy: SessionPolicy;
}): Authenticator {
  const cookie = sessionCookieName(options.isHttps);
  return async (request: FastifyRequest): Promise<AuthContext | null> => {
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
