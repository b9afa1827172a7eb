import { eq } from 'drizzle-orm';
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
