import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';

/**
 * The rules for a custom hostname, pure: lower-cased, trailing dot dropped, international names
 * in their ASCII (punycode) form; a DNS name of two labels or more with an alphabetic top-level
 * label (as the domains table checks); never an IP address, a local-only name, or a name of the
 * platform itself (its own hosts are served already, and one tenant must not claim them).
 */
const DNS_NAME = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const LOCAL_ONLY = ['localhost', 'local', 'internal', 'invalid', 'home.arpa'];

export type HostnameCheck = { ok: true; hostname: string } | { ok: false; message: string };

/** `platformHosts`: the base domain and other names of this service (ports are ignored). */
export function checkHostname(raw: string, platformHosts: string[]): HostnameCheck {
  const given = raw.trim().toLowerCase().replace(/\.$/, '');
  if (given === '') return { ok: false, message: 'is required' };
  if (isIP(given) || isIP(given.replace(/^\[|\]$/g, ''))) {
    return { ok: false, message: 'must be a hostname, not an IP address' };
  }
  if (/[\s/:@?#]/.test(given)) {
    return { ok: false, message: 'must be a hostname such as leads.example.com, without https:// or a path' };
  }
  const hostname = domainToASCII(given);
  if (hostname === '' || hostname.length > 253 || !DNS_NAME.test(hostname)) {
    return { ok: false, message: 'is not a valid hostname' };
  }
  if (LOCAL_ONLY.some((l) => hostname === l || hostname.endsWith(`.${l}`))) {
    return { ok: false, message: 'must be a public hostname' };
  }
  for (const host of platformHosts) {
    const base = host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
    if (base && (hostname === base || hostname.endsWith(`.${base}`))) {
      return { ok: false, message: `must be a hostname you own, not part of ${base}` };
    }
  }
  return { ok: true, hostname };
}
