/**
 * Custom hostnames at an edge provider (Cloudflare for SaaS, or the dev stand-in): the provider
 * terminates TLS for a customer's own hostname and routes it to us. Adapters know only their
 * outside service, never the database.
 */
export type DomainStatus = 'pending' | 'active' | 'failed';

/** One thing the customer must publish (DNS) or that the provider checks (an HTTP token). */
export type VerificationRecord = {
  type: 'CNAME' | 'TXT' | 'HTTP';
  /** A DNS name, or for HTTP the URL the provider fetches. */
  name: string;
  /** The record's value, or for HTTP the body that URL must answer. */
  value: string;
  purpose: 'routing' | 'ownership' | 'certificate';
};

/** What the customer must do, and what the provider last said about it. Shown to the customer. */
export type DomainVerification = {
  /** Where the hostname's CNAME must point. */
  cnameTarget: string;
  records: VerificationRecord[];
  /** The provider's certificate state, as it names it (null: none reported). */
  sslStatus: string | null;
  /** The provider's reasons for not being active yet, for the customer to read. */
  errors: string[];
};

export type ProviderHostname = {
  providerId: string;
  status: DomainStatus;
  verification: DomainVerification;
};

export type DomainsProvider = {
  readonly name: 'dev' | 'cloudflare';
  /** Registers the hostname and asks for its certificate. */
  createHostname(hostname: string): Promise<ProviderHostname>;
  /** The hostname's current state at the provider. */
  getHostname(providerId: string): Promise<ProviderHostname>;
  /** Removes the hostname; one the provider no longer has counts as removed. */
  deleteHostname(providerId: string): Promise<void>;
};

/** The CNAME every custom hostname needs, whatever else the provider asks for. */
export function routingRecord(hostname: string, cnameTarget: string): VerificationRecord {
  return { type: 'CNAME', name: hostname, value: cnameTarget, purpose: 'routing' };
}
