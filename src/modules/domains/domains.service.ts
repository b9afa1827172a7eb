import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { isUuid, withTenant } from '../../db/tenant.ts';
import { AppError, invalid, notFound } from '../../platform/errors.ts';
import type { DomainsProvider, ProviderHostname } from '../../providers/domains/index.ts';
import { planStateOf } from '../billing/entitlements.ts';
import {
  countDomains,
  type DomainRow,
  deleteDomain,
  findDomains,
  getDomain,
  hasPrimaryDomain,
  insertDomain,
  insertHostnameClaim,
  lockAccountDomains,
  setPrimaryDomain,
  updateDomainState,
} from './domains.repo.ts';
import { checkHostname } from './hostname.ts';

export type { DomainRow } from './domains.repo.ts';

/** What the domain rules need to know of the platform and its edge provider. */
export type DomainsContext = {
  db: Database;
  provider: DomainsProvider;
  /** The platform's own names (BASE_DOMAIN, BASE_URL's host, the CNAME target): never a tenant's. */
  platformHosts: string[];
  cnameTarget: string;
};

/** An account has at most this many custom hostnames: the list is always answered whole. */
export const MAX_DOMAINS = 20;

const DOMAIN_NOT_FOUND = () => notFound('DOMAIN_NOT_FOUND', 'No such domain');

function hostnameTaken(): AppError {
  return new AppError('conflict', 'DOMAIN_HOSTNAME_TAKEN', 'That hostname is already in use', [
    { path: 'body.hostname', message: 'is already in use' },
  ]);
}

/** The provider's answer as the domain's stored state. */
function stateOf(found: ProviderHostname, previous: DomainRow) {
  const now = new Date();
  return {
    providerHostnameId: found.providerId,
    verificationStatus: found.status,
    verification: found.verification,
    lastError: found.status === 'active' ? null : found.verification.errors.join('; ').slice(0, 1000) || null,
    verifiedAt: found.status === 'active' ? (previous.verifiedAt ?? now) : previous.verifiedAt,
    checkedAt: now,
  };
}

export function listDomains(db: Database, accountId: string): Promise<DomainRow[]> {
  return withTenant(db, accountId, (tx) => findDomains(tx, accountId, MAX_DOMAINS));
}

/**
 * Adds a custom hostname: only on a plan with the customDomain feature (403), valid and not the
 * platform's own (422), claimed by no account (409, by the global hostnames table in the same
 * transaction). The account's first domain becomes its primary. The claim is committed before
 * the provider is asked, so two accounts never both register one hostname there; if the
 * provider refuses, the claim is withdrawn.
 */
export async function addDomain(
  ctx: DomainsContext,
  accountId: string,
  rawHostname: string,
): Promise<DomainRow> {
  let created: DomainRow;
  try {
    created = await withTenant(ctx.db, accountId, async (tx, client) => {
      await lockAccountDomains(client, accountId);
      const plan = await planStateOf(client, accountId);
      if (!plan.features.customDomain) {
        throw new AppError(
          'forbidden',
          'PLAN_FEATURE_REQUIRED',
          `Custom domains are not part of the ${plan.plan.name} plan; upgrade to a plan that includes them ` +
            'to use your own hostname. Your pages stay available on your Porchlight address meanwhile.',
        );
      }
      const checked = checkHostname(rawHostname, ctx.platformHosts);
      if (!checked.ok)
        throw invalid('DOMAIN_HOSTNAME_INVALID', [{ path: 'body.hostname', message: checked.message }]);
      if ((await countDomains(tx, accountId)) >= MAX_DOMAINS) {
        throw new AppError(
          'conflict',
          'DOMAIN_LIMIT',
          `An account has at most ${MAX_DOMAINS} custom domains`,
        );
      }
      const id = crypto.randomUUID();
      const row = await insertDomain(tx, {
        accountId,
        id,
        hostname: checked.hostname,
        provider: ctx.provider.name,
        verificationStatus: 'pending',
        verification: {
          cnameTarget: ctx.cnameTarget,
          records: [{ type: 'CNAME', name: checked.hostname, value: ctx.cnameTarget, purpose: 'routing' }],
          sslStatus: null,
          errors: [],
        },
        isPrimary: !(await hasPrimaryDomain(tx, accountId)),
      });
      await insertHostnameClaim(tx, { hostname: checked.hostname, accountId, domainId: id });
      return row;
    });
  } catch (error) {
    if (
      isUniqueViolation(error, 'hostnames_pkey') ||
      isUniqueViolation(error, 'domains_account_hostname_key')
    ) {
      throw hostnameTaken();
    }
    throw error;
  }

  let found: ProviderHostname;
  try {
    found = await ctx.provider.createHostname(created.hostname);
  } catch (error) {
    await withTenant(ctx.db, accountId, (tx) => deleteDomain(tx, accountId, created.id));
    throw error;
  }
  const saved = await withTenant(ctx.db, accountId, (tx) =>
    updateDomainState(tx, accountId, created.id, stateOf(found, created)),
  );
  // Removed meanwhile: the provider's hostname goes too.
  if (!saved) await ctx.provider.deleteHostname(found.providerId);
  return saved ?? created;
}

/** Asks the provider again; registers the hostname there anew if it never got or lost it. */
export async function verifyDomain(ctx: DomainsContext, accountId: string, id: string): Promise<DomainRow> {
  if (!isUuid(id)) throw DOMAIN_NOT_FOUND();
  const domain = await withTenant(ctx.db, accountId, (tx) => getDomain(tx, accountId, id));
  if (!domain) throw DOMAIN_NOT_FOUND();
  let found: ProviderHostname;
  if (!domain.providerHostnameId) {
    found = await ctx.provider.createHostname(domain.hostname);
  } else {
    try {
      found = await ctx.provider.getHostname(domain.providerHostnameId);
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'DOMAIN_PROVIDER_MISSING')) throw error;
      found = await ctx.provider.createHostname(domain.hostname);
    }
  }
  const saved = await withTenant(ctx.db, accountId, (tx) =>
    updateDomainState(tx, accountId, id, stateOf(found, domain)),
  );
  if (!saved) throw DOMAIN_NOT_FOUND();
  return saved;
}

/** Makes the domain the account's one primary hostname. */
export async function makePrimaryDomain(db: Database, accountId: string, id: string): Promise<DomainRow> {
  if (!isUuid(id)) throw DOMAIN_NOT_FOUND();
  return withTenant(db, accountId, async (tx, client) => {
    await lockAccountDomains(client, accountId);
    const row = await setPrimaryDomain(tx, accountId, id);
    if (!row) throw DOMAIN_NOT_FOUND();
    return row;
  });
}

/**
 * Removes a custom hostname: at the provider first (which counts one it no longer has as
 * removed, so a retry after a failure here is safe), then the domain and its hostname claim.
 * No other domain becomes primary: the account's own subdomain serves its pages.
 */
export async function removeDomain(ctx: DomainsContext, accountId: string, id: string): Promise<void> {
  if (!isUuid(id)) throw DOMAIN_NOT_FOUND();
  const domain = await withTenant(ctx.db, accountId, (tx) => getDomain(tx, accountId, id));
  if (!domain) throw DOMAIN_NOT_FOUND();
  if (domain.providerHostnameId) await ctx.provider.deleteHostname(domain.providerHostnameId);
  await withTenant(ctx.db, accountId, (tx) => deleteDomain(tx, accountId, id));
}
