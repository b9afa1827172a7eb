import { z } from 'zod';
import { pageKinds } from '../../db/schema/index.ts';
import { optionalText } from '../../platform/zod.ts';
import { brandingBody } from '../branding/branding.schema.ts';

const settingValue = z.union([
  z.string().max(2000),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.union([z.string().max(500), z.number(), z.boolean()])).max(50),
]);

/** Per-page switches for the public site: a small flat object, not a document store. */
export const pageSettings = z
  .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'keys are identifiers'), settingValue)
  .refine((s) => Object.keys(s).length <= 50, 'at most 50 keys')
  .refine((s) => JSON.stringify(s).length <= 8192, 'at most 8 KB');

export const pageSlug = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'must be 1–63 lowercase letters, digits or dashes, not starting with a dash',
  );

const editable = {
  slug: pageSlug,
  title: z.string().trim().min(1).max(120),
  headline: optionalText(200),
  subheadline: optionalText(400),
  callToAction: optionalText(60),
  description: optionalText(300),
  consentText: optionalText(2000),
  thankYouHeadline: optionalText(200),
  thankYouMessage: optionalText(2000),
  isActive: z.boolean().optional(),
  settings: pageSettings.optional(),
};

export const createPageBody = z.strictObject({ kind: z.enum(pageKinds), ...editable });

export const updatePageBody = z.strictObject({
  ...editable,
  slug: pageSlug.optional(),
  title: editable.title.optional(),
  // A page's fields and its leads' source follow its kind: make a new page instead.
  kind: z.never({ error: 'cannot be changed after the page is created' }).optional(),
});

export const pageSchema = z.object({
  id: z.uuid(),
  kind: z.enum(pageKinds),
  slug: z.string(),
  title: z.string(),
  headline: z.string().nullable(),
  subheadline: z.string().nullable(),
  callToAction: z.string().nullable(),
  description: z.string().nullable(),
  consentText: z.string().nullable(),
  thankYouHeadline: z.string().nullable(),
  thankYouMessage: z.string().nullable(),
  isActive: z.boolean(),
  settings: z.record(z.string(), z.unknown()),
  /** Always served: `{BASE_URL}/p/{accountSlug}/{slug}`. */
  url: z.string(),
  /** `{protocol}//{accountSlug}.{BASE_DOMAIN}/{slug}`, where wildcard DNS is set up. */
  subdomainUrl: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  archivedAt: z.string().nullable(),
});

export const pageListSchema = z.object({ data: z.array(pageSchema), nextCursor: z.string().nullable() });

export const pageListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
  includeArchived: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});

/** Any string: an id that is not a uuid answers 404 like another account's page. */
export const pageParams = z.object({ id: z.string() });

const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date such as 2025-01-31', abort: true })
  .refine((d) => {
    const t = Date.parse(`${d}T00:00:00Z`);
    return !Number.isNaN(t) && new Date(t).toISOString().startsWith(d);
  }, 'is not a real date');

export const statsQuery = z.object({ from: isoDay.optional(), to: isoDay.optional() });

const figures = {
  views: z.number().int(),
  uniqueVisitors: z.number().int(),
  submissions: z.number().int(),
  conversionRate: z.number(),
};

export const statsSchema = z.object({
  pageId: z.uuid(),
  from: z.string(),
  to: z.string(),
  days: z.array(z.object({ day: z.string(), ...figures })),
  totals: z.object(figures),
});

/**
 * A page not yet saved, for the live preview: the fields being edited (a title may be empty
 * while it is typed) and, to preview unsaved branding, the branding being edited.
 */
export const previewBody = z.strictObject({
  page: z.strictObject({
    ...editable,
    kind: z.enum(pageKinds),
    slug: pageSlug.optional(),
    title: z.string().trim().max(120).optional(),
  }),
  branding: brandingBody.optional(),
  view: z.enum(['form', 'thanks']).default('form'),
});

export const previewSchema = z.object({
  /** The whole HTML document, as the public site would serve it (its form inert). */
  html: z.string(),
});
