import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

/**
 * Real processes on the embedded database: graceful shutdown, the data-dir lock and the
 * first-run experience. PGlite only (each process gets its own DATA_DIR and port).
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'src/cli.ts');
const SLOW_SERVER = path.join(ROOT, 'test/fixtures/slow-server.ts');

type Proc = {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
};

const children = new Set<ChildProcess>();
const dirs: string[] = [];

function tempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-server-test-'));
  dirs.push(dir);
  return dir;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function start(script: string, args: string[], env: Record<string, string>): Proc {
  const base = { ...process.env };
  for (const name of ['DATABASE_URL', 'PORT', 'DATA_DIR', 'BASE_URL', 'DEMO_SEED']) delete base[name];
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: { ...base, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * Polls `check` until it returns a value other than undefined; fails after `timeoutMs`, or at
 * once when `proc` (the process being waited on) has exited, with its output in the message.
 */
async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  options: { proc?: Proc; timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const { proc, timeoutMs = 30_000, everyMs = 25 } = options;
  const deadline = Date.now() + timeoutMs;
  const fail = (why: string) =>
    new Error(
      `${why} waiting for ${what}` +
        (proc ? `\n--- stdout ---\n${proc.stdout()}\n--- stderr ---\n${proc.stderr()}` : ''),
    );
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (proc && proc.child.exitCode !== null) throw fail(`the process exited (${proc.child.exitCode})`);
    if (proc?.child.signalCode) throw fail(`the process was killed (${proc.child.signalCode})`);
    if (Date.now() > deadline) throw fail(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
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

function exitWithin(proc: Proc, ms: number): Promise<number | string> {
  return Promise.race([
    proc.exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`process did not exit within ${ms} ms`)), ms).unref(),
    ),
  ]);
}

function killAll() {
  for (const child of children) child.kill('SIGKILL');
}

afterEach(() => killAll());
afterAll(() => {
  killAll();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(process.env.TEST_ENGINE === 'postgres')('server processes', () => {
  it('drains an in-flight request on SIGTERM, exits 0 and releases the data-dir lock', async () => {
    const dataDir = tempDataDir();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const proc = start(SLOW_SERVER, [], { DATA_DIR: dataDir, PORT: String(port) });

    await waitFor('READY', () => (proc.stdout().includes('READY') ? true : undefined), {
      proc,
      timeoutMs: 45_000,
    });
    await waitFor(
      '/readyz 200',
      async () => ((await statusOf(`${base}/readyz`)) === 200 ? true : undefined),
      {
        proc,
      },
    );
    expect(fs.existsSync(path.join(dataDir, 'porchlight.lock'))).toBe(true);

    const sentAt = Date.now();
    const slow = fetch(`${base}/__test/slow?ms=3000`).then(async (res) => ({
      status: res.status,
      body: (await res.json()) as unknown,
      at: Date.now(),
    }));
    await new Promise((r) => setTimeout(r, 300));
    proc.child.kill('SIGTERM');

    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ done: true });
    expect(answer.at - sentAt).toBeGreaterThanOrEqual(2900);

    expect(await exitWithin(proc, 30_000)).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'porchlight.lock'))).toBe(false);
  }, 60_000);

  it('lets a handler whose client hung up finish with the database before closing it', async () => {
    const dataDir = tempDataDir();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const proc = start(SLOW_SERVER, [], { DATA_DIR: dataDir, PORT: String(port) });
    await waitFor('READY', () => (proc.stdout().includes('READY') ? true : undefined), {
      proc,
      timeoutMs: 45_000,
    });
    // The client hangs up once the handler has started (not before: on a busy machine the
    // request could otherwise be dropped before it reaches the handler).
    const hangUp = new AbortController();
    const gone = fetch(`${base}/__test/slow-db?ms=1500`, { signal: hangUp.signal }).catch(() => 'aborted');
    await waitFor('the handler', () => (proc.stdout().includes('SLOW-DB start') ? true : undefined), {
      proc,
    });
    hangUp.abort();
    expect(await gone).toBe('aborted');
    proc.child.kill('SIGTERM');
    expect(await exitWithin(proc, 30_000)).toBe(0);
    expect(proc.stdout()).toContain('SLOW-DB ok');
    expect(proc.stdout()).not.toContain('SLOW-DB failed');
  }, 60_000);

  it('refuses a second process on the same data directory', async () => {
    const dataDir = tempDataDir();
    const first = start(CLI, ['start'], { DATA_DIR: dataDir, PORT: String(await freePort()) });
    const lock = path.join(dataDir, 'porchlight.lock');
    await waitFor(
      'the lock file',
      () =>
        fs.existsSync(lock) && fs.readFileSync(lock, 'utf8').trim() === String(first.child.pid)
          ? true
          : undefined,
      { proc: first },
    );

    const second = start(CLI, ['start'], { DATA_DIR: dataDir, PORT: String(await freePort()) });
    const code = await exitWithin(second, 20_000);
    expect(code).not.toBe(0);
    expect(typeof code).toBe('number');
    expect(second.stderr()).toContain('in use by another Porchlight process');
    expect(second.stderr()).toContain(`pid ${first.child.pid}`);
    // The refused process leaves the first one's lock alone.
    expect(fs.readFileSync(lock, 'utf8').trim()).toBe(String(first.child.pid));
    expect(first.child.exitCode).toBeNull();
  }, 30_000);

  it('`start` prints the demo login on first run and answers /healthz, then /readyz', async () => {
    const dataDir = tempDataDir();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const spawnedAt = Date.now();
    const proc = start(CLI, ['start'], { DATA_DIR: dataDir, PORT: String(port) });

    const healthyAfter = await waitFor(
      '/healthz 200',
      async () => ((await statusOf(`${base}/healthz`)) === 200 ? Date.now() - spawnedAt : undefined),
      { proc, everyMs: 10 },
    );
    const readyAfter = await waitFor(
      '/readyz 200',
      async () => ((await statusOf(`${base}/readyz`)) === 200 ? Date.now() - spawnedAt : undefined),
      { proc, timeoutMs: 45_000 },
    );
    console.log(
      `porchlight start: /healthz 200 after ${healthyAfter} ms, /readyz 200 after ${readyAfter} ms`,
    );

    const line = await waitFor(
      'the demo login',
      () =>
        proc
          .stdout()
          .split('\n')
          .find((l) => l.includes('demo@porchlight.local')),
      { proc },
    );
    expect(line).toMatch(/Demo login \(first run\):\s+demo@porchlight\.local\s+\/\s+\S+/);
    expect(fs.existsSync(path.join(dataDir, 'demo-login.txt'))).toBe(true);
    expect((await fetch(`${base}/healthz`).then((r) => r.json())) as unknown).toEqual({ status: 'ok' });

    proc.child.kill('SIGTERM');
    expect(await exitWithin(proc, 30_000)).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'porchlight.lock'))).toBe(false);
  }, 60_000);
});
