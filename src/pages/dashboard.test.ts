import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardPolicy, registerDashboard, WEB_DIST } from './dashboard.ts';

/** A build of the dashboard's shape in a directory of its own: index.html and one asset. */
function fakeBuild(inline: string): string {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-dist-'));
  fs.mkdirSync(path.join(dist, 'assets'));
  fs.writeFileSync(
    path.join(dist, 'index.html'),
    `<!doctype html><html><head><script>${inline}</script><script type="module" src="/app/assets/index-abc.js"></script></head><body></body></html>`,
  );
  fs.writeFileSync(path.join(dist, 'assets', 'index-abc.js'), 'console.log("app")');
  return dist;
}

const hashOf = (text: string) => `'sha256-${crypto.createHash('sha256').update(text).digest('base64')}'`;

describe('the dashboard’s files under /app', () => {
  let app: FastifyInstance;
  let dist: string;
  beforeAll(async () => {
    dist = fakeBuild('window.boot = 1;');
    app = Fastify();
    await registerDashboard(app, { dist });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(dist, { recursive: true, force: true });
  });

  it('runs index.html’s inline script by its hash and nothing else inline', async () => {
    const res = await app.inject({ method: 'GET', url: '/app/leads?status=new' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<script>window.boot = 1;</script>');
    const policy = String(res.headers['content-security-policy']);
    expect(policy).toContain(`script-src 'self' ${hashOf('window.boot = 1;')};`);
    expect(policy).not.toMatch(/script-src[^;]*unsafe/);
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('serves a rebuilt index.html, with its new script’s hash, without a restart', async () => {
    const file = path.join(dist, 'index.html');
    fs.writeFileSync(file, '<!doctype html><script>window.boot = 2;</script>');
    // A rebuild lands at a later time than the one already read.
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(file, later, later);
    const res = await app.inject({ method: 'GET', url: '/app' });
    expect(res.body).toContain('window.boot = 2;');
    expect(String(res.headers['content-security-policy'])).toContain(hashOf('window.boot = 2;'));
  });

  it('keeps the assets it has read: served from memory, for a year, unknown names 404', async () => {
    fs.rmSync(path.join(dist, 'assets', 'index-abc.js'));
    const res = await app.inject({ method: 'GET', url: '/app/assets/index-abc.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('console.log("app")');
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    for (const url of ['/app/assets/index-new.js', '/app/assets/..%2Findex.html', '/app/assets/x.exe']) {
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
    }
  });

  it('says how to build it when it is not built', async () => {
    const bare = Fastify();
    await registerDashboard(bare, { dist: path.join(dist, 'nowhere') });
    const res = await bare.inject({ method: 'GET', url: '/app/leads' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build:web');
    await bare.close();
  });
});

describe('the built dashboard’s policy', () => {
  it('allows its boot script (web/index.html) by hash', () => {
    const html = fs.readFileSync(path.join(WEB_DIST, 'index.html'), 'utf8');
    const inline = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(inline).toContain('porchlightBoot');
    expect(dashboardPolicy(html)).toContain(hashOf(inline!));
  });
});
