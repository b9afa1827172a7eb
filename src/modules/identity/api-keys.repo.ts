import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { apiKeys } from '../../db/schema/index.ts';

export type NewApiKey = typeof apiKeys.$inferInsert;

/** The columns a key is shown with: everything but its hash. */
const listed = {
  id: apiKeys.id,
  accountId: apiKeys.accountId,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  scopes: apiKeys.scopes,
  createdByUserId: apiKeys.createdByUserId,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
  createdAt: apiKeys.createdAt,
};

export async function insertApiKey(tx: Tx, row: NewApiKey) {
  const [key] = await tx.insert(apiKeys).values(row).returning(listed);
  return key!;
}

/** The account's keys, newest first, revoked ones included (they show when they were revoked). */
export function findApiKeysOfAccount(tx: Tx, accountId: string) {
  return tx
    .select(listed)
    .from(apiKeys)
    .where(eq(apiKeys.accountId, accountId))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

/** A key by its public prefix, with its hash to check: the system path (no tenant known yet). */
export async function getApiKeyByPrefix(tx: Tx, prefix: string) {
  const [row] = await tx
    .select({ ...listed, keyHash: apiKeys.keyHash })
    .from(apiKeys)
    .where(eq(apiKeys.prefix, prefix))
    .limit(1);
  return row;
}

/** One of the account's keys, locked for revocation; undefined for any other id. */
export async function getApiKeyForUpdate(tx: Tx, accountId: string, id: string) {
  const [row] = await tx
    .select({ id: apiKeys.id, prefix: apiKeys.prefix, revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(and(eq(apiKeys.accountId, accountId), eq(apiKeys.id, id)))
    .for('update');
  return row;
}

/** Revokes a key (the app role cannot delete api_keys rows: a revoked key stays listed). */
export async function markApiKeyRevoked(tx: Tx, accountId: string, id: string): Promise<void> {
  await tx
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiKeys.accountId, accountId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
}

/** Sets last_used_at unless it was set within the last `minSeconds`. */
export async function touchApiKey(tx: Tx, id: string, minSeconds: number): Promise<void> {
  await tx
    .update(apiKeys)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(apiKeys.id, id),
        or(
          isNull(apiKeys.lastUsedAt),
          lt(apiKeys.lastUsedAt, sql`now() - make_interval(secs => ${minSeconds})`),
        ),
      ),
    );
}
