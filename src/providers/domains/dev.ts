import { type DomainsProvider, type ProviderHostname, routingRecord } from './types.ts';

const PREFIX = 'dev:';

/**
 * The embedded default: nothing leaves the machine and every hostname is active at once (the
 * developer points it at the app by hand, e.g. in /etc/hosts). Stateless: the provider id
 * carries the hostname, so a restart loses nothing.
 */
export function createDevDomainsProvider(options: { cnameTarget: string }): DomainsProvider {
  const describe = (hostname: string): ProviderHostname => ({
    providerId: `${PREFIX}${hostname}`,
    status: 'active',
    verification: {
      cnameTarget: options.cnameTarget,
      records: [routingRecord(hostname, options.cnameTarget)],
      sslStatus: null,
      errors: [],
    },
  });
  return {
    name: 'dev',
    createHostname: async (hostname) => describe(hostname),
    getHostname: async (providerId) => describe(providerId.replace(PREFIX, '')),
    deleteHostname: async () => {},
  };
}
