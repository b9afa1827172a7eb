import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real `porchlight start` as a child process (`node --import tsx src/cli.ts start`: the
 * child's pid is the server itself, so a SIGKILL reaches it, not a wrapper), for tests that
 * kill it and start it again on the same port and database.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'src/cli.ts');
const KEEP_OUTPUT = 20_000;

export type ServerProcess = {
  child: ChildProcess;
  /** The last few kilobytes of its stdout and stderr, for failure messages. */
  output(): string;
  /** Resolves with the exit code, or the signal's name, once the process has exited. */
  exited: Promise<number | string>;
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function startServerProcess(env: Record<string, string>): ServerProcess {
  const base = { ...process.env };
  for (const name of ['DATABASE_URL', 'PORT', 'DATA_DIR', 'BASE_URL', 'DEMO_SEED', 'AUTH_PEPPER']) {
    delete base[name];
  }
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start'], {
    cwd: ROOT,
    env: { ...base, HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (chunk: string) => {
    out = (out + chunk).slice(-KEEP_OUTPUT);
  };
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  return { child, output: () => out, exited };
}

function isRunning(proc: ServerProcess): boolean {
  return proc.child.exitCode === null && proc.child.signalCode === null;
}

/** Kills with SIGKILL (no drain, no cleanup) and waits for the exit. */
export async function killHard(proc: ServerProcess, timeoutMs = 10_000): Promise<void> {
  if (isRunning(proc)) proc.child.kill('SIGKILL');
  await Promise.race([
    proc.exited,
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`pid ${proc.child.pid} did not exit after SIGKILL`)),
        timeoutMs,
      ).unref(),
    ),
  ]);
}

async function statusOf(url: string): Promise<number | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return undefined; // not listening yet
  }
}

/** Polls /readyz until it answers 200; fails at once if the process exits, with its output. */
export async function waitReady(proc: ServerProcess, baseUrl: string, timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    if ((await statusOf(`${baseUrl}/readyz`)) === 200) return Date.now() - started;
    if (!isRunning(proc)) {
      throw new Error(
        `the server exited (${proc.child.exitCode ?? proc.child.signalCode}) before /readyz answered 200\n` +
          proc.output(),
      );
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`/readyz did not answer 200 within ${timeoutMs} ms\n${proc.output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
