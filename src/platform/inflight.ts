import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /** The route handlers still running (see trackHandlers). */
    handlers: HandlerTracker;
  }
}

/**
 * Counts route handlers still running. A handler whose client hung up keeps running (Fastify
 * cannot stop it), while `app.close()` resolves once the sockets are gone: a stop that closed
 * the database then would cut such a handler off half-way. The server's stop waits for
 * `idle()` between the two. Must be installed before any route is registered.
 */
export function trackHandlers(app: FastifyInstance) {
  let running = 0;
  const waiters = new Set<() => void>();
  const done = () => {
    running -= 1;
    if (running === 0) for (const wake of waiters) wake();
  };
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function tracked(this: FastifyInstance, request, reply) {
      running += 1;
      let result: unknown;
      try {
        result = handler.call(this, request, reply);
      } catch (error) {
        done();
        throw error;
      }
      if (result instanceof Promise) return result.finally(done);
      done();
      return result;
    };
  });
  const tracker = {
    get running() {
      return running;
    },
    /** Resolves true once no handler is running, or false after `timeoutMs`. */
    idle(timeoutMs: number): Promise<boolean> {
      if (running === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(true);
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          resolve(false);
        }, timeoutMs);
        timer.unref();
        waiters.add(wake);
      });
    },
  };
  app.decorate('handlers', tracker);
  return tracker;
}

export type HandlerTracker = ReturnType<typeof trackHandlers>;
