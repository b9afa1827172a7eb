import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import type { capturePages, pageKinds } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { AppError } from '../../platform/errors.ts';
import { insertPage } from './pages.repo.ts';

export type CapturePage = typeof capturePages.$inferSelect;

export type CreatePageInput = {
  kind: (typeof pageKinds)[number];
  slug: string;
  title: string;
  headline?: string | null;
  subheadline?: string | null;
  callToAction?: string | null;
};

export async function createPage(
  db: Database,
  accountId: string,
  input: CreatePageInput,
): Promise<CapturePage> {
  try {
    return await withTenant(db, accountId, (tx) =>
      insertPage(tx, {
        accountId,
        id: crypto.randomUUID(),
        kind: input.kind,
        slug: input.slug,
        title: input.title,
        headline: input.headline ?? null,
        subheadline: input.subheadline ?? null,
        callToAction: input.callToAction ?? null,
      }),
    );
  } catch (error) {
    if (isUniqueViolation(error, 'capture_pages_account_slug_key')) {
      throw new AppError('conflict', 'PAGE_SLUG_TAKEN', 'This account already has a page at that address', [
        { path: 'slug', message: 'is taken' },
      ]);
    }
    throw error;
  }
}
