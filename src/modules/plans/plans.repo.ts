import { asc, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { plans } from '../../db/schema/index.ts';

export function findActivePlans(tx: Tx) {
  return tx.select().from(plans).where(eq(plans.isActive, true)).orderBy(asc(plans.sortOrder));
}

export async function getPlanByCode(tx: Tx, code: string) {
  const [row] = await tx.select().from(plans).where(eq(plans.code, code)).limit(1);
  return row;
}
