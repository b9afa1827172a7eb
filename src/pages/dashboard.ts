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

export async function registerDashboard(
  app: FastifyInstance,
  options: { dist?: string } = {},
): Promise<void> {
  const dist = options.dist ?? WEB_DIST;
  const indexFile = path.join(dist, 'index.html');
  const assets = path.join(dist, 'assets');
  await app.register(async (scope) => {
    const route = { config: { auth: 'public' as const }, schema: { hide: true } };
    // Vite's hashed file names: one directory, no subpaths; a name changes with its content.
    scope.get<{ Params: { file: string } }>('/app/assets/:file', route, async (request, reply) => {
      const { file } = request.params;
      const type = ASSET_TYPES[path.extname(file)];
      const body =
        /^[\w.-]+$/.test(file) && type
          ? await fs.promises.readFile(path.join(assets, file)).catch(() => null)
          : null;
      if (!body || !type) return reply.code(404).type('text/plain').send('Not found');
      return reply.header('cache-control', 'public, max-age=31536000, immutable').type(type).send(body);
    });
    const sendIndex = async (_request: FastifyRequest, reply: FastifyReply) => {
      // Read per request: a rebuild while the server runs is picked up.
      const html = await fs.promises.readFile(indexFile, 'utf8').catch(() => null);
      return reply
        .header('cache-control', 'no-cache')
        .header(
          'content-security-policy',
          "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        )
        .type('text/html; charset=utf-8')
        .code(html ? 200 : 503)
        .send(html ?? NOT_BUILT);
    };
    scope.get('/app', route, sendIndex);
    scope.get('/app/*', route, sendIndex);
  });
}
