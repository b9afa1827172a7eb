import { eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { accounts, branding } from '../../db/schema/index.ts';

export type BrandingRow = typeof branding.$inferSelect;
export type BrandingFields = Omit<
  typeof branding.$inferInsert,
  'accountId' | 'id' | 'createdAt' | 'updatedAt'
>;

export async function getBrandingRow(tx: Tx, accountId: string): Promise<BrandingRow | undefined> {
  const [row] = await tx.select().from(branding).where(eq(branding.accountId, accountId));
  return row;
}

/** Writes the account's one branding row, creating it the first time. */
export async function upsertBranding(tx: Tx, accountId: string, id: string, fields: BrandingFields) {
  const [row] = await tx
    .insert(branding)
    .values({ accountId, id, ...fields })
    .onConflictDoUpdate({ target: branding.accountId, set: { ...fields, updatedAt: sql`now()` } })
    .returning();
  return row!;
}

/** The account's country (ISO 3166 alpha-2), which phone numbers are read in. */
export async function getAccountCountry(tx: Tx, accountId: string): Promise<string | undefined> {
  const [row] = await tx
    .select({ country: accounts.country })
    .from(accounts)
    .where(eq(accounts.id, accountId));
  return row?.country;
}
