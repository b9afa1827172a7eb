import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { SqlClient, Tx } from '../../db/client.ts';
import { domains, hostnames } from '../../db/schema/index.ts';

export type DomainRow = typeof domains.$inferSelect;
export type NewDomain = typeof domains.$inferInsert;
export type DomainState = Pick<
  NewDomain,
  'providerHostnameId' | 'verificationStatus' | 'verification' | 'lastError' | 'verifiedAt' | 'checkedAt'
>;

/**
 * Serializes changes to one account's domains (the first-is-primary rule, the one-primary
 * index and the per-account limit), until the transaction ends.
 */
export async function lockAccountDomains(client: SqlClient, accountId: string): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock(hashtextextended('domains:' || $1, 0))", [accountId]);
}

/** The account's domains, primary first, then oldest first. */
export function findDomains(tx: Tx, accountId: string, limit: number) {
  return tx
    .select()
    .from(domains)
    .where(eq(domains.accountId, accountId))
    .orderBy(sql`${domains.isPrimary} desc`, asc(domains.createdAt), asc(domains.id))
    .limit(limit);
}

export async function countDomains(tx: Tx, accountId: string): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(domains)
    .where(eq(domains.accountId, accountId));
  return row?.n ?? 0;
}

export async function hasPrimaryDomain(tx: Tx, accountId: string): Promise<boolean> {
  const [row] = await tx
    .select({ id: domains.id })
    .from(domains)
    .where(and(eq(domains.accountId, accountId), eq(domains.isPrimary, true)))
    .limit(1);
  return row !== undefined;
}

export async function getDomain(tx: Tx, accountId: string, id: string) {
  const [row] = await tx
    .select()
    .from(domains)
    .where(and(eq(domains.accountId, accountId), eq(domains.id, id)));
  return row;
}

export async function insertDomain(tx: Tx, row: NewDomain) {
  const [created] = await tx.insert(domains).values(row).returning();
  return created!;
}

/** Claims the hostname across all accounts: a second claim is a unique violation (hostnames_pkey). */
export async function insertHostnameClaim(
  tx: Tx,
  row: { hostname: string; accountId: string; domainId: string },
) {
  await tx.insert(hostnames).values(row);
}

export async function updateDomainState(tx: Tx, accountId: string, id: string, state: DomainState) {
  const [row] = await tx
    .update(domains)
    .set({ ...state, updatedAt: sql`now()` })
    .where(and(eq(domains.accountId, accountId), eq(domains.id, id)))
    .returning();
  return row;
}

/** Makes `id` the account's one primary domain (the others first lose it: one-primary index). */
export async function setPrimaryDomain(tx: Tx, accountId: string, id: string) {
  await tx
    .update(domains)
    .set({ isPrimary: false, updatedAt: sql`now()` })
    .where(and(eq(domains.accountId, accountId), eq(domains.isPrimary, true), ne(domains.id, id)));
  const [row] = await tx
    .update(domains)
    .set({ isPrimary: true, updatedAt: sql`now()` })
    .where(and(eq(domains.accountId, accountId), eq(domains.id, id)))
    .returning();
  return row;
}

/** Deletes the domain and releases its hostname claim. */
export async function deleteDomain(tx: Tx, accountId: string, id: string): Promise<void> {
  await tx.delete(hostnames).where(and(eq(hostnames.accountId, accountId), eq(hostnames.domainId, id)));
  await tx.delete(domains).where(and(eq(domains.accountId, accountId), eq(domains.id, id)));
}
