/**
 * Builds the dashboard (web/ → web/dist) when its sources are newer than the last build, so
 * `npm start` on a fresh clone serves a built dashboard without a separate step, and a restart
 * with nothing changed does not rebuild (decision 012). `--force` always builds.
 *
 *   npx tsx scripts/build-web.ts [--force]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const web = fileURLToPath(new URL('../web', import.meta.url));
const stamp = path.join(web, 'dist', '.built');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }
  return latest;
}

const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
if (process.argv.includes('--force') || newest(web) > built) {
  const started = Date.now();
  // React's production build (without it, the development one is bundled).
  process.env.NODE_ENV = 'production';
  await build({ configFile: path.join(web, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  fs.writeFileSync(stamp, new Date().toISOString());
  console.log(`dashboard built into web/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
