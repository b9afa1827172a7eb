import type { Database, Engine } from './client.ts';

/**
 * A Database that exists before its connection does: the HTTP server listens (and answers
 * /healthz) while the embedded database starts and migrates. Calls wait for `resolve`.
 */
export function deferredDatabase(engine: Engine): Database & {
  resolve(db: Database): void;
  reject(error: unknown): void;
  current(): Database | undefined;
} {
  let resolveFn!: (db: Database) => void;
  let rejectFn!: (error: unknown) => void;
  let current: Database | undefined;
  const ready = new Promise<Database>((resolve, reject) => {
    resolveFn = resolve;
    rejectFn = reject;
  });
  ready.catch(() => {});
  const proxy: ReturnType<typeof deferredDatabase> = {
    engine,
    query: async (text, values) => (await ready).query(text, values),
    transaction: async (setupSql, fn) => (await ready).transaction(setupSql, fn),
    close: async () => current?.close(),
    // withSystem reports to the proxy's own onSystemUse; the real database is reached only
    // through `transaction`, so nothing is reported twice.
    resolve: (db) => {
      current = db;
      resolveFn(db);
    },
    reject: (error) => rejectFn(error),
    current: () => current,
  };
  return proxy;
}
