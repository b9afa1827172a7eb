import { describe, it } from 'vitest';
import { signUp, useTestApp } from '../../../test/http.ts';
import type { Ctx } from '../../../test/sweep/kit.ts';
import { presenceCases } from '../../../test/sweep/presence.ts';

// The cross-tenant sweep's domain cases with a database on the context, so A can be put on a
// plan with custom domains and B is tried on A's real domains (test/sweep.test.ts runs every
// case; there the context may carry no database).
const t = useTestApp();

describe('cross-tenant sweep of the domain routes, A on a plan with custom domains', () => {
  for (const [route, run] of Object.entries(presenceCases).filter(([key]) => key.includes('/domains'))) {
    it(route, async () => {
      const ctx = {
        app: t.app,
        db: t.db,
        a: await signUp(t.app, 'dsweep-a'),
        b: await signUp(t.app, 'dsweep-b'),
      };
      await run(ctx as Ctx);
    });
  }
});
