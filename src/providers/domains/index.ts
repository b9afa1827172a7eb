import type { Config } from '../../config.ts';
import { createCloudflareDomainsProvider } from './cloudflare.ts';
import { createDevDomainsProvider } from './dev.ts';
import type { DomainsProvider } from './types.ts';

export type { DomainStatus, DomainsProvider, DomainVerification, ProviderHostname } from './types.ts';

/** The provider DOMAINS_PROVIDER names (config has already checked Cloudflare's settings). */
export function createDomainsProvider(config: Pick<Config, 'domains'>): DomainsProvider {
  const { provider, cloudflare, cnameTarget } = config.domains;
  if (provider === 'cloudflare') {
    return createCloudflareDomainsProvider({
      apiUrl: cloudflare.apiUrl,
      apiToken: cloudflare.apiToken ?? '',
      zoneId: cloudflare.zoneId ?? '',
      cnameTarget,
    });
  }
  return createDevDomainsProvider({ cnameTarget });
}
