import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ModuleDeps } from '../../platform/module.ts';
import { requireSession } from '../identity/api-keys.service.ts';
import { notificationsBody, notificationsSchema } from './notifications.schema.ts';
import { getNotificationPreferences, setNotificationPreferences } from './notifications.service.ts';

/**
 * The signed-in member's own notification preferences in the active account. Any member may
 * read and change their own; an API key acts for the account, not for a person, so it gets
 * 403 SESSION_REQUIRED here.
 */
export function registerNotificationRoutes(app: FastifyInstance, deps: Pick<ModuleDeps, 'db'>) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/account/notifications',
    {
      config: { auth: 'member', scope: null },
      schema: {
        tags: ['account'],
        summary: 'Your new-lead email alerts in the active account, and where they go',
        response: { 200: notificationsSchema },
      },
    },
    async (request) => {
      const auth = requireSession(request);
      return getNotificationPreferences(deps.db, auth.accountId, auth.userId);
    },
  );

  r.put(
    '/api/v1/account/notifications',
    {
      config: { auth: 'member', scope: null },
      schema: {
        tags: ['account'],
        summary: 'Choose which new leads you are emailed about in the active account',
        body: notificationsBody,
        response: { 200: notificationsSchema },
      },
    },
    async (request) => {
      const auth = requireSession(request);
      return setNotificationPreferences(deps.db, auth.accountId, auth.userId, request.body);
    },
  );
}
