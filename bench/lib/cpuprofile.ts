/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, see BENCH_CPU_PROF in server.ts): where the
 * server's time went, by function (self time) and by package, and the inclusive time of the
 * frames named on the command line.
 *
 *   npx tsx bench/lib/cpuprofile.ts /tmp/prof/CPU.*.cpuprofile [frame names…]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

type Node = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
};
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

function where(url: string): string {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const src = url.indexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  return path.basename(url);
}

export function summarise(file: string, frames: string[] = [], top = 25): string {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self.entries()]
    .filter(([id]) =>
      ['(idle)', '(program)', '(garbage collector)'].includes(byId.get(id)!.callFrame.functionName),
    )
    .map(([id, t]) => [byId.get(id)!.callFrame.functionName, t] as const);
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    const key = `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + t);
    const k = where(n.callFrame.url);
    pkg.set(k, (pkg.get(k) ?? 0) + t);
  }
  // Inclusive time of named frames (each sample counted once per frame name, recursion too).
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>(frames.map((f) => [f, 0]));
  if (frames.length) {
    for (const [id, t] of self) {
      const seen = new Set<string>();
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const name = byId.get(cur)!.callFrame.functionName;
        if (inclusive.has(name) && !seen.has(name)) {
          seen.add(name);
          inclusive.set(name, inclusive.get(name)! + t);
        }
      }
    }
  }
  const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
  const lines = [`${path.basename(file)}: ${(total / 1e6).toFixed(1)} s sampled`];
  lines.push(`  ${idle.map(([n, t]) => `${n} ${pct(t)}`).join(', ')}`);
  lines.push('  by package / file (self time):');
  for (const [k, t] of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(t)}  ${k}`);
  lines.push('  by function (self time):');
  for (const [k, t] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(t)}  ${k}`);
  if (frames.length) {
    lines.push('  inclusive:');
    for (const [k, t] of inclusive) lines.push(`  ${pct(t)}  ${k}`);
  }
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, ...frames] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: npx tsx bench/lib/cpuprofile.ts FILE.cpuprofile [frame names…]\n');
    process.exit(2);
  }
  console.log(summarise(file, frames));
}
