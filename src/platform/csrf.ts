/**
 * CSRF check for cookie-authenticated requests, by request provenance rather than a token.
 *
 * Why this suffices: every current browser sends `Sec-Fetch-Site` and/or `Origin` on a
 * cross-site POST (and on fetch/XHR with any unsafe method), so a form posted from another
 * site is refused here. `same-site` is refused too: tenants' pages live on sibling
 * subdomains of BASE_DOMAIN, which are the same *site* as the dashboard, and SameSite=Lax
 * cookies would still ride along. A request with none of Sec-Fetch-Site, Origin and Referer
 * comes from a program, not a browser, and a program only holds the cookie if its owner gave
 * it away, so it passes. `Origin: null` (sandboxed frames, some redirects, file://) is
 * refused: its real origin cannot be known.
 *
 * The check applies only to requests authenticated by the session cookie; the caller decides
 * that (API-key requests carry no ambient credential and need no CSRF check).
 */

export type CsrfRequest = {
  method: string;
  headers: Record<string, string | string[] | undefined>;
};

export type CsrfResult = { ok: true } | { ok: false; reason: string };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const ALLOWED_FETCH_SITES = new Set(['same-origin', 'none']);

/**
 * A header's single value; undefined when absent. Repeated headers arrive as an array or
 * joined with commas, and neither is a valid Origin or Sec-Fetch-Site, so both fail later.
 */
function header(headers: CsrfRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.length === 1 ? value[0] : value.join(', ');
  return value;
}

/** The serialized origin (scheme://host[:port], host lowercased, default port dropped) of a URL, or null. */
function originOf(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/** Verifies that an unsafe cookie-authenticated request came from one of `allowedOrigins`. */
export function checkCsrf(request: CsrfRequest, options: { allowedOrigins: string[] }): CsrfResult {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return { ok: true };
  const allowed = new Set(options.allowedOrigins.map(originOf).filter((o): o is string => o !== null));

  const fetchSite = header(request.headers, 'sec-fetch-site');
  if (fetchSite !== undefined) {
    return ALLOWED_FETCH_SITES.has(fetchSite.trim().toLowerCase())
      ? { ok: true }
      : { ok: false, reason: 'cross-site request (Sec-Fetch-Site)' };
  }

  const origin = header(request.headers, 'origin');
  if (origin !== undefined) {
    if (origin.trim() === 'null') return { ok: false, reason: 'opaque origin (Origin: null)' };
    const parsed = originOf(origin);
    // An Origin header is exactly an origin; one with a path or credentials was not sent by a browser.
    const isBareOrigin = parsed !== null && new URL(origin).href === `${parsed}/`;
    return isBareOrigin && allowed.has(parsed)
      ? { ok: true }
      : { ok: false, reason: 'cross-origin request (Origin)' };
  }

  const referer = header(request.headers, 'referer');
  if (referer !== undefined) {
    const parsed = originOf(referer);
    return parsed !== null && allowed.has(parsed)
      ? { ok: true }
      : { ok: false, reason: 'cross-origin request (Referer)' };
  }

  return { ok: true };
}
