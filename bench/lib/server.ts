/**
 * The real server (`src/cli.ts start`) as a child process, so the load generator and the server
 * do not share an event loop. Its stdout/stderr are kept (the last 200 lines) for diagnostics.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onCleanup, trackChild } from './cleanup.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A pepper for the server and the benchmark (API keys and IP hashes must agree). */
export const BENCH_PEPPER = 'bench-pepper-bench-pepper-bench-pepper-0000';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export type ServerChild = {
  url: string;
  port: number;
  pid: number;
  proc: ChildProcess;
  /** Milliseconds from spawn to the first 200 from /readyz. */
  readyMs: number;
  output(): string;
  stop(): Promise<void>;
};

/**
 * Starts `node --import tsx src/cli.ts start` with `env` (on top of PATH/HOME only: nothing of
 * this process's environment leaks in, DATABASE_URL included) and waits for /readyz.
 */
export async function startServer(
  env: Record<string, string>,
  options: { readyTimeoutMs?: number; label?: string; nodeArgs?: string[] } = {},
): Promise<ServerChild> {
  const port = Number(env.PORT) || (await freePort());
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim()) lines.push(line);
    }
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  const started = Date.now();
  // BENCH_CPU_PROF=<dir>: a V8 CPU profile of the server, written when it stops.
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`]
    : [];
  const args = [...profile, ...(options.nodeArgs ?? []), '--import', 'tsx', 'src/cli.ts', 'start'];
  const proc = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      AUTH_PEPPER: BENCH_PEPPER,
      DEMO_SEED: 'false',
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(proc);
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  let exited: number | null | undefined;
  proc.once('exit', (code, signal) => {
    exited = code ?? (signal ? -1 : null);
  });
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (exited !== undefined) return;
    const done = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    await done;
    clearTimeout(timer);
  };
  const dropCleanup = onCleanup(`stop server ${options.label ?? proc.pid}`, stop);

  const deadline = started + (options.readyTimeoutMs ?? 90_000);
  for (;;) {
    if (exited !== undefined) {
      dropCleanup();
      throw new Error(`server exited (${exited}) before it was ready:\n${lines.slice(-40).join('\n')}`);
    }
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      dropCleanup();
      throw new Error(
        `server not ready after ${options.readyTimeoutMs ?? 90_000} ms:\n${lines.slice(-40).join('\n')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    pid: proc.pid!,
    proc,
    readyMs: Date.now() - started,
    output: () => lines.join('\n'),
    stop: async () => {
      await stop();
      dropCleanup();
    },
  };
}
