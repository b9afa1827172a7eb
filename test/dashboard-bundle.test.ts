import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WEB_DIST } from '../src/pages/dashboard.ts';

/**
 * The dashboard's initial JavaScript (what index.html loads before the first screen: the entry
 * and its preloaded chunks) against its budget of 300 kB gzipped. The dashboard was built by the
 * global setup (test/global-setup.ts). Other screens are chunks loaded when opened.
 */
describe('the built dashboard', () => {
  it('loads under 300 kB of gzipped JavaScript before the first screen', () => {
    const html = fs.readFileSync(path.join(WEB_DIST, 'index.html'), 'utf8');
    const files = [...html.matchAll(/(?:src|href)="\/app\/(assets\/[\w.-]+\.js)"/g)].map((m) => m[1]!);
    expect(files.length).toBeGreaterThan(0);
    const gzipped = files.reduce(
      (n, file) => n + zlib.gzipSync(fs.readFileSync(path.join(WEB_DIST, file)), { level: 9 }).length,
      0,
    );
    console.log(
      `dashboard: initial JavaScript ${files.length} file(s), ${(gzipped / 1000).toFixed(0)} kB gzipped (budget 300 kB)`,
    );
    expect(gzipped).toBeLessThan(300_000);
  });
});
