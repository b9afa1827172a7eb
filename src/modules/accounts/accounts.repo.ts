import { and, asc, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { accounts, memberships, users } from '../../db/schema/index.ts';

export type NewAccount = typeof accounts.$inferInsert;
export type NewUser = typeof users.$inferInsert;
export type NewMembership = typeof memberships.$inferInsert;

export async function insertAccount(tx: Tx, row: NewAccount) {
  const [account] = await tx.insert(accounts).values(row).returning();
  return account!;
}

/**
 * Inserts without RETURNING: a new user is visible to a tenant only once they are a member
 * (the users_read policy), so read it back with getUserById after the membership exists.
 */
export async function insertUser(tx: Tx, row: NewUser) {
  await tx.insert(users).values(row);
}

export async function getUserById(tx: Tx, id: string) {
  const [user] = await tx.select().from(users).where(eq(users.id, id)).limit(1);
  return user;
}

export async function insertMembership(tx: Tx, row: NewMembership) {
  await tx.insert(memberships).values(row);
}

export async function getAccountBySlug(tx: Tx, slug: string) {
  const [account] = await tx.select().from(accounts).where(eq(accounts.slug, slug)).limit(1);
  return account;
}

export async function getUserByEmail(tx: Tx, email: string) {
  const [user] = await tx.select().from(users).where(eq(users.email, email)).limit(1);
  return user;
}

export async function getMembership(tx: Tx, accountId: string, userId: string) {
  const [row] = await tx
    .select()
    .from(memberships)
    .where(and(eq(memberships.accountId, accountId), eq(memberships.userId, userId)))
    .limit(1);
  return row;
}

/** Every membership of one user with its account (needs the user's own path, `withUser`). */
export function findMembershipsOfUser(tx: Tx, userId: string) {
  return tx
    .select({ role: memberships.role, account: accounts })
    .from(memberships)
    .innerJoin(accounts, eq(accounts.id, memberships.accountId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(memberships.createdAt));
}

export async function getAccountById(tx: Tx, id: string) {
  const [account] = await tx.select().from(accounts).where(eq(accounts.id, id)).limit(1);
  return account;
}

export async function updatePasswordHash(tx: Tx, userId: string, passwordHash: string): Promise<void> {
  await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, userId));
}

export async function markLoggedIn(tx: Tx, userId: string): Promise<void> {
  await tx.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, userId));
}

/** The members of one account with their user rows (visible: they are members). */
export function findMembers(tx: Tx, accountId: string) {
  return tx
    .select({
      userId: memberships.userId,
      role: memberships.role,
      joinedAt: memberships.createdAt,
      name: users.name,
      email: users.email,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.accountId, accountId))
    .orderBy(asc(memberships.createdAt));
}

/** Locks the account's owner rows for the rest of the transaction; returns their user ids. */
export async function lockOwners(tx: Tx, accountId: string): Promise<string[]> {
  const rows = await tx
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.accountId, accountId), eq(memberships.role, 'owner')))
    .for('update');
  return rows.map((r) => r.userId);
}

export async function updateMembershipRole(
  tx: Tx,
  accountId: string,
  userId: string,
  role: string,
  newLeadAlerts?: string,
): Promise<void> {
  await tx
    .update(memberships)
    .set(newLeadAlerts === undefined ? { role } : { role, newLeadAlerts })
    .where(and(eq(memberships.accountId, accountId), eq(memberships.userId, userId)));
}

export async function deleteMembership(tx: Tx, accountId: string, userId: string): Promise<void> {
  await tx
    .delete(memberships)
    .where(and(eq(memberships.accountId, accountId), eq(memberships.userId, userId)));
}

export async function updateAccount(tx: Tx, id: string, patch: Partial<NewAccount>) {
  const [account] = await tx
    .update(accounts)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(accounts.id, id))
    .returning();
  return account;
}

export async function markEmailVerified(tx: Tx, userId: string, email: string): Promise<boolean> {
  const rows = await tx
    .update(users)
    .set({ emailVerifiedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(users.id, userId), eq(users.email, email)))
    .returning({ id: users.id });
  return rows.length > 0;
}
