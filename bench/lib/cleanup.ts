/**
 * Cleanup that runs however a benchmark ends: normally (call runCleanup in a finally), on an
 * error, or on SIGINT/SIGTERM. Child processes also get a last SIGKILL on exit, synchronously.
 */
import type { ChildProcess } from 'node:child_process';

type Step = { label: string; fn: () => Promise<void> | void };

const steps: Step[] = [];
const children = new Set<ChildProcess>();
let running: Promise<void> | undefined;

/** Registers a cleanup step; steps run last-registered first. Returns a function that drops it. */
export function onCleanup(label: string, fn: () => Promise<void> | void): () => void {
  const step = { label, fn };
  steps.push(step);
  return () => {
    const i = steps.indexOf(step);
    if (i >= 0) steps.splice(i, 1);
  };
}

/** A child process to kill (SIGKILL) when this process exits, whatever the reason. */
export function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Runs a benchmark's main, then the cleanup; an error is printed and sets exit code 1. */
export async function runBench(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    await runCleanup();
  }
}

export function runCleanup(): Promise<void> {
  running ??= (async () => {
    while (steps.length > 0) {
      const step = steps.pop()!;
      try {
        await step.fn();
      } catch (error) {
        process.stderr.write(`cleanup "${step.label}" failed: ${(error as Error).message}\n`);
      }
    }
  })();
  return running;
}

process.on('exit', () => {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {}
  }
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    const hard = setTimeout(() => process.exit(130), 20_000);
    hard.unref();
    void runCleanup().finally(() => process.exit(130));
  });
}
