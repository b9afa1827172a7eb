import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The dashboard (web/, a React single-page app built by Vite into web/dist) under /app: its
 * assets (hashed names, cached for a year) and, for every other /app path, its index.html, so a
 * deep link (/app/leads/…) opens the app there. Unbuilt (a checkout before `npm run build:web`),
 * /app says how to build it. The app talks only to /api/v1 (decision 012).
 */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Porchlight</title></head>
<body style="font:16px system-ui;max-width:40rem;margin:3rem auto;padding:0 1rem"><h1>The dashboard is not built</h1>
<p>Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it when needed), then reload.</p></body></html>`;

const ASSET_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

/**
 * The page's policy. index.html's one inline script (the boot reads, web/index.html) runs by its
 * hash, computed from the file as built; nothing else inline runs.
 */
export function dashboardPolicy(html: string): string {
  const hashes = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
    (m) =>
      `'sha256-${crypto
        .createHash('sha256')
        .update(m[1] ?? '')
        .digest('base64')}'`,
  );
  return [
    "default-src 'self'",
    `script-src 'self'${hashes.map((h) => ` ${h}`).join('')}`,
    "img-src 'self' data: https:",
    "style-src 'self' 'unsafe-inline'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

export async function registerDashboard(
  app: FastifyInstance,
  options: { dist?: string } = {},
): Promise<void> {
  const dist = options.dist ?? WEB_DIST;
  const indexFile = path.join(dist, 'index.html');
  const assets = path.join(dist, 'assets');
  await app.register(async (scope) => {
    const route = { config: { auth: 'public' as const }, schema: { hide: true } };
    // Vite's hashed file names: one directory, no subpaths; a name changes with its content, so
    // each is read once and kept (the whole build is well under a megabyte). Sent from memory,
    // an asset does not wait for the file reads' turns of the event loop, which the embedded
    // database holds while it runs a query: the app's code arrives while its first reads run.
    const kept = new Map<string, Buffer>();
    const built = await fs.promises.readdir(assets).catch(() => [] as string[]);
    for (const file of built) {
      if (!ASSET_TYPES[path.extname(file)]) continue;
      const body = await fs.promises.readFile(path.join(assets, file)).catch(() => null);
      if (body) kept.set(file, body);
    }
    scope.get<{ Params: { file: string } }>('/app/assets/:file', route, async (request, reply) => {
      const { file } = request.params;
      const type = ASSET_TYPES[path.extname(file)];
      let body = kept.get(file) ?? null;
      if (!body && /^[\w.-]+$/.test(file) && type) {
        body = await fs.promises.readFile(path.join(assets, file)).catch(() => null);
        if (body) kept.set(file, body);
      }
      if (!body || !type) return reply.code(404).type('text/plain').send('Not found');
      return reply.header('cache-control', 'public, max-age=31536000, immutable').type(type).send(body);
    });
    // Checked per request, read when it changed: a rebuild while the server runs is picked up.
    // Synchronously, for the same reason as the assets (a stat of one small file).
    let index: { mtimeMs: number; html: string; policy: string } | null = null;
    const readIndex = () => {
      const mtimeMs = fs.statSync(indexFile, { throwIfNoEntry: false })?.mtimeMs;
      if (mtimeMs === undefined) return null;
      if (index?.mtimeMs !== mtimeMs) {
        const html = fs.readFileSync(indexFile, 'utf8');
        index = { mtimeMs, html, policy: dashboardPolicy(html) };
      }
      return index;
    };
    const sendIndex = async (_request: FastifyRequest, reply: FastifyReply) => {
      const page = readIndex();
      return reply
        .header('cache-control', 'no-cache')
        .header('content-security-policy', page?.policy ?? dashboardPolicy(''))
        .type('text/html; charset=utf-8')
        .code(page ? 200 : 503)
        .send(page?.html ?? NOT_BUILT);
    };
    scope.get('/app', route, sendIndex);
    scope.get('/app/*', route, sendIndex);
  });
}
