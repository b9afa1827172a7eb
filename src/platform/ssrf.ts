import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

/*
 * Requests to addresses our tenants choose (outbound webhooks): SSRF protection, decision 016.
 *
 * A destination is checked twice: when it is saved (the name resolved, every address checked) and
 * at connect time on every request, through a custom `lookup` that resolves the name once, refuses
 * when ANY address is in a blocked range and hands the socket the address it checked. A name that
 * resolves to a public address when saved and to loopback later (DNS rebinding) is caught there;
 * literal IPs never reach `lookup`, so they are checked before the request. Redirects are never
 * followed (a 3xx is an answer like any other).
 */

/** One address as a resolver gives it. */
export type ResolvedAddress = { address: string; family: 4 | 6 };
/** Resolves a host name to every address it has; injectable so tests need no DNS. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => {
  const found = await dns.promises.lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

export type DestinationPolicy = {
  /** WEBHOOKS_ALLOW_PRIVATE: no address or host-name check (tests, on-premise receivers). */
  allowPrivate: boolean;
  /** https only (production), unless allowPrivate. */
  requireHttps: boolean;
  resolve?: Resolver | undefined;
};

export type BlockReason = 'invalid_url' | 'scheme' | 'blocked_address' | 'unresolvable';

/** A destination refused; `reason` is safe to store and show, the message too (no address). */
export class BlockedDestinationError extends Error {
  constructor(
    readonly reason: BlockReason,
    message: string,
  ) {
    super(message);
    this.name = 'BlockedDestinationError';
  }
}

const BLOCKED_HOSTS = new Set(['localhost', 'metadata', 'metadata.google.internal', 'instance-data']);
const BLOCKED_SUFFIXES = ['.localhost', '.internal', '.local', '.home.arpa'];

/** True for names that mean "this machine" or a cloud's metadata service, whatever DNS says. */
export function isBlockedHostname(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.+$/, '');
  return BLOCKED_HOSTS.has(name) || BLOCKED_SUFFIXES.some((s) => name.endsWith(s));
}

/** The IPv4 address held in the last 32 bits of an IPv6 address. */
function lastV4(v6: ipaddr.IPv6): ipaddr.IPv4 {
  const p = v6.parts;
  return new ipaddr.IPv4([p[6]! >> 8, p[6]! & 0xff, p[7]! >> 8, p[7]! & 0xff]);
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo), if any. */
function embeddedV4(v6: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = v6.parts;
  switch (v6.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
    case 'rfc6052':
      return lastV4(v6);
    case '6to4':
      return new ipaddr.IPv4([p[1]! >> 8, p[1]! & 0xff, p[2]! >> 8, p[2]! & 0xff]);
    case 'teredo': {
      const x = [p[6]! ^ 0xffff, p[7]! ^ 0xffff];
      return new ipaddr.IPv4([x[0]! >> 8, x[0]! & 0xff, x[1]! >> 8, x[1]! & 0xff]);
    }
    default:
      // IPv4-compatible (::a.b.c.d, deprecated) and the 64:ff9b:1::/48 local-use NAT64 prefix.
      if (p.slice(0, 6).every((x) => x === 0)) return lastV4(v6);
      if (p[0] === 0x64 && p[1] === 0xff9b && p[2] === 1) return lastV4(v6);
      return undefined;
  }
}

/**
 * True for an address a webhook must never reach: anything but public unicast (loopback,
 * unspecified, private, link-local incl. 169.254.169.254, CGNAT, multicast, broadcast, reserved,
 * unique-local), and IPv6 forms that carry such an IPv4 address. Not an IP at all: blocked.
 */
export function isBlockedAddress(address: string): boolean {
  const text = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ipaddr.isValid(text)) return true;
  const parsed = ipaddr.parse(text);
  if (parsed.kind() === 'ipv4') return parsed.range() !== 'unicast';
  const v6 = parsed as ipaddr.IPv6;
  const v4 = embeddedV4(v6);
  if (v4) return v4.range() !== 'unicast';
  return v6.range() !== 'unicast';
}

/**
 * Parses and checks a destination's form (scheme, credentials, host name, a literal IP), without
 * DNS. WHATWG URL has already turned decimal, octal, hex and short IPv4 forms into dotted quads.
 */
export function parseDestination(raw: string, policy: DestinationPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BlockedDestinationError('invalid_url', 'is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new BlockedDestinationError('scheme', 'must be an http or https URL');
  if (policy.requireHttps && !policy.allowPrivate && url.protocol !== 'https:')
    throw new BlockedDestinationError('scheme', 'must be an https URL');
  if (url.username || url.password)
    throw new BlockedDestinationError('invalid_url', 'must not carry a user name or password');
  if (policy.allowPrivate) return url;
  const host = hostOf(url);
  if (isBlockedHostname(host))
    throw new BlockedDestinationError('blocked_address', 'names a local or internal host');
  if (net.isIP(host) && isBlockedAddress(host))
    throw new BlockedDestinationError('blocked_address', 'points at a private or reserved address');
  return url;
}

/** The host without IPv6 brackets. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/** Every address of a name, checked; throws when it does not resolve or any address is blocked. */
async function resolveChecked(hostname: string, policy: DestinationPolicy): Promise<ResolvedAddress[]> {
  let found: ResolvedAddress[];
  try {
    found = await (policy.resolve ?? systemResolver)(hostname);
  } catch {
    throw new BlockedDestinationError('unresolvable', 'its host name does not resolve');
  }
  if (!found.length) throw new BlockedDestinationError('unresolvable', 'its host name does not resolve');
  if (!policy.allowPrivate && found.some((a) => isBlockedAddress(a.address)))
    throw new BlockedDestinationError('blocked_address', 'resolves to a private or reserved address');
  return found;
}

/**
 * The check made when a destination is saved: its form, then (for a name) every address it
 * resolves to now. Answers the parsed URL; throws BlockedDestinationError.
 */
export async function checkDestination(raw: string, policy: DestinationPolicy): Promise<URL> {
  const url = parseDestination(raw, policy);
  const host = hostOf(url);
  if (!net.isIP(host)) await resolveChecked(host, policy);
  return url;
}

export type OutboundResult =
  | { ok: true; status: number; headers: Record<string, string | string[] | undefined>; durationMs: number }
  | { ok: false; error: 'timeout' | 'connection' | BlockReason; durationMs: number };

export type OutboundRequest = {
  url: string;
  method?: 'POST';
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** At most this much of the answer is read (and thrown away). */
  maxResponseBytes?: number;
};

/** One outbound HTTP request; the webhook delivery takes one as a parameter (tests fake it). */
export type HttpClient = (request: OutboundRequest) => Promise<OutboundResult>;

/**
 * Sends one request to a checked destination: the form checked first, the name resolved and
 * checked at connect time (see above), a deadline over the whole exchange, at most
 * `maxResponseBytes` of the answer read and discarded, redirects never followed. Never throws.
 */
export function createSafeHttpClient(policy: DestinationPolicy): HttpClient {
  return (request) => sendChecked(request, policy);
}

async function sendChecked(request: OutboundRequest, policy: DestinationPolicy): Promise<OutboundResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let url: URL;
  try {
    url = parseDestination(request.url, policy);
  } catch (error) {
    const reason = error instanceof BlockedDestinationError ? error.reason : 'invalid_url';
    return { ok: false, error: reason, durationMs: elapsed() };
  }
  const maxBytes = request.maxResponseBytes ?? 64 * 1024;
  return new Promise((resolve) => {
    let settled = false;
    let blocked: BlockReason | undefined;
    const finish = (result: OutboundResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const lookup: net.LookupFunction = (hostname, options, callback) => {
      resolveChecked(hostname, policy).then(
        (found) => {
          // Only the checked addresses are ever connected to.
          if (options.all) {
            (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, found);
          } else {
            const first = found.find((a) => !options.family || a.family === options.family) ?? found[0]!;
            callback(null, first.address, first.family);
          }
        },
        (error: unknown) => {
          blocked = error instanceof BlockedDestinationError ? error.reason : 'unresolvable';
          callback(error as NodeJS.ErrnoException, '', 4);
        },
      );
    };
    const send = url.protocol === 'https:' ? https.request : http.request;
    const req = send(
      {
        protocol: url.protocol,
        hostname: hostOf(url),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: request.method ?? 'POST',
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        lookup,
        agent: false,
      },
      (res) => {
        let read = 0;
        const done = () =>
          finish({ ok: true, status: res.statusCode ?? 0, headers: res.headers, durationMs: elapsed() });
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read >= maxBytes) {
            done();
            res.destroy();
          }
        });
        res.on('end', done);
        res.on('error', done);
        res.on('close', done);
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, error: 'timeout', durationMs: elapsed() });
      req.destroy();
    }, request.timeoutMs);
    req.on('error', () => finish({ ok: false, error: blocked ?? 'connection', durationMs: elapsed() }));
    req.end(request.body);
  });
}
