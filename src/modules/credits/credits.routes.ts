import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ModuleDeps } from '../../platform/module.ts';
import {
  creditBundleListSchema,
  creditLedgerQuery,
  creditLedgerSchema,
  creditSettingsBody,
  creditWalletSchema,
} from './credits.schema.ts';
import { getWallet, listBundles, listLedger, updateWalletSettings } from './credits.service.ts';

/**
 * The account's credit wallet: its balance and settings (members, and API keys with
 * `account:read`), its ledger and settings changes (admins). Credits move only through the
 * services that spend or sell them, never through these routes.
 */
export function registerCreditRoutes(app: FastifyInstance, deps: Pick<ModuleDeps, 'db'>) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['credits'];

  r.get(
    '/api/v1/credits',
    {
      config: { auth: 'member', scope: 'account:read' },
      schema: {
        tags,
        summary: "The account's credit balance, today's spend (UTC), daily limit and auto-recharge setting",
        response: { 200: creditWalletSchema },
      },
    },
    async (request) => {
      return getWallet(deps.db, request.auth!.accountId);
    },
  );

  r.get(
    '/api/v1/credits/bundles',
    {
      config: { auth: 'member', scope: 'account:read' },
      schema: {
        tags,
        summary: 'The credit bundles on sale (Checkout with { bundle }), prices in US cents',
        response: { 200: creditBundleListSchema },
      },
    },
    async () => listBundles(deps.db),
  );

  r.get(
    '/api/v1/credits/ledger',
    {
      config: { auth: 'admin', scope: 'account:read' },
      schema: {
        tags,
        summary:
          'Every credit movement, newest first (purchases, grants, spending with its action, refunds, adjustments), with the balance',
        querystring: creditLedgerQuery,
        response: { 200: creditLedgerSchema },
      },
    },
    async (request) =>
      listLedger(deps.db, request.auth!.accountId, {
        limit: request.query.limit,
        before: request.query.cursor,
      }),
  );

  r.patch(
    '/api/v1/credits/settings',
    {
      config: { auth: 'admin', scope: null },
      schema: {
        tags,
        summary:
          'Set or clear the daily credit limit and the auto-recharge (a bundle bought when the balance falls under a threshold)',
        body: creditSettingsBody,
        response: { 200: creditWalletSchema },
      },
    },
    async (request) => updateWalletSettings(deps.db, request.auth!.accountId, request.body),
  );
}
