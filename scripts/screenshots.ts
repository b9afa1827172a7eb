/**
 * Screenshots of the main screens in a real browser (Debian's chromium, driven by
 * playwright-core), into docs/screenshots/. Starts the server on a scratch data dir.
 *
 *   npx tsx scripts/screenshots.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/platform/logger.ts';
import { startServer } from '../src/server.ts';

const out = path.resolve(import.meta.dirname, '../docs/screenshots');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-shots-'));
const config = loadConfig({
  DATA_DIR: dataDir,
  PORT: process.env.SCREENSHOT_PORT ?? '3391',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'error',
  DEMO_SEED: 'false',
});
const server = await startServer(config, { logger: createLogger('warn') });
await server.ready;
const address = server.app.server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // A sign-up, so the dev outbox has its verification email to show.
  const u = Date.now().toString(36);
  await fetch(`${base}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `maria-${u}@example.com`,
      password: `screenshot password ${u}`,
      name: 'Maria Lopez',
      accountName: 'Lopez Realty',
      accountSlug: `lopez-${u}`,
    }),
  });
  await new Promise((r) => setTimeout(r, 3000)); // the in-process worker sends it
  const shots = [
    { name: 'api-docs', url: '/api/docs/', ready: '.opblock' },
    { name: 'dev-outbox', url: '/dev/outbox', ready: 'article' },
  ];
  for (const shot of shots) {
    await page.goto(`${base}${shot.url}`);
    await page.waitForSelector(shot.ready, { timeout: 15_000 });
    const file = path.join(out, `${shot.name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
} finally {
  await browser.close();
  await server.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
