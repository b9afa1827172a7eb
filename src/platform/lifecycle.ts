/**
 * Where the process is in its life. The HTTP server listens while the database opens and
 * migrates (`starting`), so /healthz answers at once; /readyz answers 200 only when `ready`.
 */
export type LifecycleState = 'starting' | 'ready' | 'draining' | 'failed';

export type Lifecycle = {
  state: LifecycleState;
  /** Why the process is not ready (shown by /readyz). */
  detail?: string;
};

export function createLifecycle(state: LifecycleState = 'starting'): Lifecycle {
  return { state };
}
