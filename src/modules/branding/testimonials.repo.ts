import { and, asc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { testimonials } from '../../db/schema/index.ts';

export type TestimonialRow = typeof testimonials.$inferSelect;
export type NewTestimonial = typeof testimonials.$inferInsert;
export type TestimonialPatch = Partial<Omit<NewTestimonial, 'accountId' | 'id' | 'createdAt' | 'updatedAt'>>;

/** The account's testimonials in the order its pages show them. */
export function findTestimonials(tx: Tx, accountId: string, limit: number) {
  return tx
    .select()
    .from(testimonials)
    .where(eq(testimonials.accountId, accountId))
    .orderBy(asc(testimonials.sortOrder), asc(testimonials.createdAt), asc(testimonials.id))
    .limit(limit);
}

export async function countTestimonials(tx: Tx, accountId: string): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(testimonials)
    .where(eq(testimonials.accountId, accountId));
  return row?.n ?? 0;
}

export async function insertTestimonial(tx: Tx, row: NewTestimonial) {
  const [created] = await tx.insert(testimonials).values(row).returning();
  return created!;
}

export async function updateTestimonial(tx: Tx, accountId: string, id: string, patch: TestimonialPatch) {
  const [row] = await tx
    .update(testimonials)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(eq(testimonials.accountId, accountId), eq(testimonials.id, id)))
    .returning();
  return row;
}

/** Deletes one; false when the account has no testimonial with that id. */
export async function deleteTestimonial(tx: Tx, accountId: string, id: string): Promise<boolean> {
  const rows = await tx
    .delete(testimonials)
    .where(and(eq(testimonials.accountId, accountId), eq(testimonials.id, id)))
    .returning({ id: testimonials.id });
  return rows.length > 0;
}
