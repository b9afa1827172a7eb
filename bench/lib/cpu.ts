/**
 * CPU time of processes, from /proc (Linux): how much of the machine's two cores the server,
 * the load generator and PostgreSQL each used during a run. Elsewhere: no figures.
 */
import fs from 'node:fs';

const TICK = 100; // USER_HZ on Linux

function ticksOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime are fields 14 and 15 of the line, 12 and 13 after "(comm) ".
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** Every process whose command name is `postgres` (the whole cluster, other users' work too). */
function postgresPids(): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

/** Total CPU ticks of the whole machine (all cores, busy), from /proc/stat. */
function machineBusyTicks(): number | null {
  try {
    const cpu = fs
      .readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const [user, nice, system, , , irq, softirq, steal] = cpu as number[];
    return user! + nice! + system! + irq! + softirq! + (steal ?? 0);
  } catch {
    return null;
  }
}

export type CpuSnapshot = {
  at: bigint;
  server: number | null;
  pg: Map<number, number>;
  self: NodeJS.CpuUsage;
  machine: number | null;
};

export function cpuSnapshot(serverPid?: number): CpuSnapshot {
  const pg = new Map<number, number>();
  for (const pid of postgresPids()) {
    const t = ticksOf(pid);
    if (t !== null) pg.set(pid, t);
  }
  return {
    at: process.hrtime.bigint(),
    server: serverPid ? ticksOf(serverPid) : null,
    pg,
    self: process.cpuUsage(),
    machine: machineBusyTicks(),
  };
}

/** Cores used (CPU seconds per wall second) between two snapshots. */
export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot) {
  const wall = Number(b.at - a.at) / 1e9;
  let pgTicks = 0;
  // A backend that started meanwhile counts from 0; one that came and went is missed.
  for (const [pid, t] of b.pg) pgTicks += t - (a.pg.get(pid) ?? 0);
  const self = { user: b.self.user - a.self.user, system: b.self.system - a.self.system };
  return {
    wall,
    server: a.server !== null && b.server !== null ? (b.server - a.server) / TICK / wall : Number.NaN,
    postgres: pgTicks / TICK / wall,
    bench: (self.user + self.system) / 1e6 / wall,
    machine: a.machine !== null && b.machine !== null ? (b.machine - a.machine) / TICK / wall : Number.NaN,
  };
}
