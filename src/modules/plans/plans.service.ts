import type { Database } from '../../db/client.ts';
import { withSystem } from '../../db/tenant.ts';
import { findActivePlans } from './plans.repo.ts';
import type { Plan } from './plans.schema.ts';

/** The public plan catalogue (a global table: no tenant involved). */
export async function listPlans(db: Database): Promise<Plan[]> {
  const rows = await withSystem(db, 'plans: public catalogue', (tx) => findActivePlans(tx));
  return rows.map((p) => ({
    code: p.code,
    name: p.name,
    priceMonthCents: p.priceMonthCents,
    priceYearCents: p.priceYearCents,
    limits: p.limits,
    features: p.features,
    includedCredits: p.includedCredits,
    stripePriceId: p.stripePriceIdMonth,
  }));
}
