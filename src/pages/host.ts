import type { IncomingMessage } from 'node:http';
import type { Config } from '../config.ts';

/** Paths that belong to the application on every host: never an account's page. */
const APP_PATHS = ['/api/', '/healthz', '/readyz', '/assets/'];
/** Host labels under BASE_DOMAIN that are the application's own, not an account's. */
const RESERVED_LABELS = new Set(['www', 'app', 'api']);
const HOSTNAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The host name of a Host header: lower-cased, without its port; IPv6 literals keep brackets. */
export function hostnameOf(hostHeader: string | undefined): string | null {
  if (!hostHeader) return null;
  const host = hostHeader.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end > 0 ? host.slice(0, end + 1) : null;
  }
  const name = host.split(':')[0]!.replace(/\.$/, '');
  return name || null;
}

export type SiteHost =
  | { kind: 'app' }
  | { kind: 'sub'; label: string }
  | { kind: 'custom'; hostname: string };

/** What a request's host is: the application's own, an account's subdomain, or a custom host. */
export function classifyHost(config: Config, hostHeader: string | undefined): SiteHost {
  const host = hostnameOf(hostHeader);
  const appHost = new URL(config.baseUrl).hostname.toLowerCase();
  const baseDomain = hostnameOf(config.baseDomain) ?? appHost;
  if (!host || host === appHost || host === baseDomain || host === 'localhost') return { kind: 'app' };
  if (host.startsWith('[') || IPV4.test(host) || !HOSTNAME.test(host) || host.length > 253) {
    return { kind: 'app' };
  }
  if (host.endsWith(`.${baseDomain}`)) {
    const label = host.slice(0, -(baseDomain.length + 1));
    if (RESERVED_LABELS.has(label)) return { kind: 'app' };
    if (!label.includes('.')) return { kind: 'sub', label };
  }
  return { kind: 'custom', hostname: host };
}

/**
 * Fastify's `rewriteUrl`: a request for an account's own host (`{slug}.{BASE_DOMAIN}` or a
 * custom hostname) is routed to the site routes, `/_site/sub/{slug}/…` or
 * `/_site/host/{hostname}/…`. Sync, string work only; the application's own paths and hosts
 * (BASE_URL's, localhost, IP literals, www/app/api under BASE_DOMAIN) pass unchanged.
 */
export function siteUrlRewriter(config: Config): (req: IncomingMessage) => string {
  return (req) => {
    const url = req.url ?? '/';
    if (!url.startsWith('/') || url.startsWith('//')) return url;
    if (APP_PATHS.some((p) => url.startsWith(p))) return url;
    const site = classifyHost(config, req.headers.host);
    switch (site.kind) {
      case 'app':
        return url;
      case 'sub':
        return `/_site/sub/${site.label}${url}`;
      case 'custom':
        return `/_site/host/${site.hostname}${url}`;
    }
  };
}
