import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** What the dashboard's browser tests share: Debian's Chromium, a free port, the build, axe-core. */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = fs.existsSync(CHROMIUM);

/** A port free now, so BASE_URL (the CSRF check's origin and the emails' links) can name it. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Builds the dashboard if web/ changed since the last build (scripts/build-web.ts). Called once,
 * from the global setup: test files building at once would race on web/dist.
 */
export function buildDashboard(): void {
  execFileSync('npx', ['tsx', 'scripts/build-web.ts'], { stdio: 'inherit' });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

/**
 * axe-core's serious and critical findings on the page as it stands (the script injected: the
 * page's context needs `bypassCSP`, as the app's CSP rightly refuses it).
 */
export async function axeProblems(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: path.resolve('node_modules/axe-core/axe.min.js') });
  // Runs in the page (a string: these files have no DOM types).
  const violations = (await page.evaluate(
    'axe.run().then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => ({ target: n.target })) })))',
  )) as { id: string; impact: string; nodes: { target: string[] }[] }[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** The widths every screen is checked at: a desktop and a 375 px phone. */
export const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 375, height: 740 },
] as const;

/**
 * A browser context signed in with a session cookie. bypassCSP: the app's CSP rightly forbids
 * the injected axe script.
 */
export async function signedInContext(
  browser: Browser,
  origin: string,
  cookie: string,
  viewport: { width: number; height: number } = SIZES[0],
) {
  const context = await browser.newContext({
    viewport: { width: viewport.width, height: viewport.height },
    bypassCSP: true,
  });
  await context.addCookies([{ name: 'porchlight_session', value: cookie, url: origin }]);
  return context;
}
