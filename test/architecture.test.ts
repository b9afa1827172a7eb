import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The import rules of STYLE.md, checked on the source: db/ knows no feature, platform/ knows
// no module, and modules reach the database only through withTenant / withSystem.
const SRC = path.resolve(import.meta.dirname, '../src');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'migrations' ? [] : files(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);
}

function resolved(file: string, spec: string): string {
  return spec.startsWith('.') ? path.relative(SRC, path.resolve(path.dirname(file), spec)) : spec;
}

describe('architecture', () => {
  it('db/ imports no module, platform or provider code', () => {
    for (const file of files(path.join(SRC, 'db'))) {
      for (const spec of imports(file).map((s) => resolved(file, s))) {
        expect(spec, `${path.relative(SRC, file)} imports ${spec}`).not.toMatch(
          /^(modules|platform|providers|pages)\//,
        );
      }
    }
  });

  it('platform/ imports no module', () => {
    for (const file of files(path.join(SRC, 'platform'))) {
      for (const spec of imports(file).map((s) => resolved(file, s))) {
        expect(spec, `${path.relative(SRC, file)} imports ${spec}`).not.toMatch(/^(modules|pages)\//);
      }
    }
  });

  it('modules reach the database only through withTenant / withSystem, never a driver', () => {
    const drivers = /^(pg|@electric-sql\/pglite.*|drizzle-orm\/(node-postgres|pglite).*|pg-boss)$/;
    for (const file of files(path.join(SRC, 'modules'))) {
      const rel = path.relative(SRC, file);
      for (const spec of imports(file)) expect(spec, `${rel} imports ${spec}`).not.toMatch(drivers);
      const text = fs.readFileSync(file, 'utf8');
      expect(text, `${rel} calls db.query/db.transaction directly`).not.toMatch(
        /\bdb\.(query|transaction)\(/,
      );
    }
  });

  it('no module imports another module’s repo', () => {
    for (const file of files(path.join(SRC, 'modules'))) {
      const own = path.relative(SRC, file).split(path.sep)[1];
      for (const spec of imports(file).map((s) => resolved(file, s))) {
        const m = /^modules\/([^/]+)\/[^/]+\.repo\.ts$/.exec(spec);
        if (m && m[1] !== own) {
          throw new Error(`${path.relative(SRC, file)} imports another module's repo ${spec}`);
        }
      }
    }
  });
});
