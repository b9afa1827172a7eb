import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { isUuid, withTenant } from '../../db/tenant.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import type { CreateTestimonialInput, UpdateTestimonialInput } from './branding.schema.ts';
import {
  countTestimonials,
  deleteTestimonial as deleteTestimonialRow,
  findTestimonials,
  insertTestimonial,
  type TestimonialPatch,
  type TestimonialRow,
  updateTestimonial as updateTestimonialRow,
} from './testimonials.repo.ts';

/**
 * An account keeps at most this many testimonials, so the list is always answered whole (in
 * display order) and a page never has to page through them.
 */
export const MAX_TESTIMONIALS = 100;

const TESTIMONIAL_NOT_FOUND = () => notFound('TESTIMONIAL_NOT_FOUND', 'No such testimonial');

export function listTestimonials(db: Database, accountId: string): Promise<TestimonialRow[]> {
  return withTenant(db, accountId, (tx) => findTestimonials(tx, accountId, MAX_TESTIMONIALS));
}

export async function createTestimonial(
  db: Database,
  accountId: string,
  input: CreateTestimonialInput,
): Promise<TestimonialRow> {
  return withTenant(db, accountId, async (tx) => {
    if ((await countTestimonials(tx, accountId)) >= MAX_TESTIMONIALS) {
      throw new AppError(
        'conflict',
        'TESTIMONIAL_LIMIT',
        `An account keeps at most ${MAX_TESTIMONIALS} testimonials; delete one first`,
      );
    }
    return insertTestimonial(tx, {
      accountId,
      id: crypto.randomUUID(),
      authorName: input.authorName,
      quote: input.quote,
      location: input.location ?? null,
      rating: input.rating ?? null,
      sortOrder: input.sortOrder ?? 0,
      isPublished: input.isPublished ?? true,
    });
  });
}

/** Changes the fields given; any id that is not one of the account's testimonials is 404. */
export async function updateTestimonial(
  db: Database,
  accountId: string,
  id: string,
  input: UpdateTestimonialInput,
): Promise<TestimonialRow> {
  if (!isUuid(id)) throw TESTIMONIAL_NOT_FOUND();
  const patch = Object.fromEntries(
    Object.entries(input).filter(([, v]) => v !== undefined),
  ) as TestimonialPatch;
  const row = await withTenant(db, accountId, (tx) => updateTestimonialRow(tx, accountId, id, patch));
  if (!row) throw TESTIMONIAL_NOT_FOUND();
  return row;
}

export async function deleteTestimonial(db: Database, accountId: string, id: string): Promise<void> {
  if (!isUuid(id)) throw TESTIMONIAL_NOT_FOUND();
  const deleted = await withTenant(db, accountId, (tx) => deleteTestimonialRow(tx, accountId, id));
  if (!deleted) throw TESTIMONIAL_NOT_FOUND();
}
