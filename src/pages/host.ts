import type { IncomingMessage } from 'node:http';
import type { Config } from '../config.ts';

/**
 * Fastify's `rewriteUrl`: a request for an account's own host (`{slug}.{BASE_DOMAIN}` or a
 * custom hostname) is routed to the site routes. Sync, string work only.
 */
export function siteUrlRewriter(_config: Config): (req: IncomingMessage) => string {
  return (req) => req.url ?? '/';
}
