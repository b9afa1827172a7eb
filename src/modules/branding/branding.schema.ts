import { z } from 'zod';
import { brandingThemes } from '../../db/schema/index.ts';
import { optionalText } from '../../platform/zod.ts';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An image address: https, or http on this machine (development); no credentials in it. */
export const imageUrl = optionalText(2048).refine((v) => {
  if (v == null) return true;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}, 'must be an https:// URL');

const color = z
  .string()
  .trim()
  .regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour such as #1f4fd1')
  .transform((v) => v.toLowerCase());

export const BRANDING_DEFAULTS = { primaryColor: '#1f4fd1', accentColor: '#f59e0b', theme: 'light' } as const;

/**
 * The whole branding of the account (PUT replaces it): a field left out is cleared, or back
 * to its default for colours and theme.
 */
export const brandingBody = z.strictObject({
  displayName: optionalText(120),
  brokerage: optionalText(120),
  headline: optionalText(200),
  subheadline: optionalText(400),
  callToAction: optionalText(60),
  logoUrl: imageUrl,
  photoUrl: imageUrl,
  primaryColor: color.optional(),
  accentColor: color.optional(),
  theme: z.enum(brandingThemes).optional(),
  licenseNumber: optionalText(60),
  /** Any way people write it; stored in E.164, read in the account's country. */
  phone: optionalText(40),
  publicEmail: z
    .string()
    .trim()
    .max(254)
    .transform((v) => (v === '' ? null : v.toLowerCase()))
    .pipe(z.email().nullable())
    .nullable()
    .optional(),
  bio: optionalText(4000),
  consentText: optionalText(2000),
});

export type BrandingInput = z.output<typeof brandingBody>;

export const brandingSchema = z.object({
  displayName: z.string().nullable(),
  brokerage: z.string().nullable(),
  headline: z.string().nullable(),
  subheadline: z.string().nullable(),
  callToAction: z.string().nullable(),
  logoUrl: z.string().nullable(),
  photoUrl: z.string().nullable(),
  primaryColor: z.string(),
  accentColor: z.string(),
  theme: z.enum(brandingThemes),
  licenseNumber: z.string().nullable(),
  /** E.164. */
  phone: z.string().nullable(),
  publicEmail: z.string().nullable(),
  bio: z.string().nullable(),
  consentText: z.string().nullable(),
  /** Null until the branding is first saved (the defaults are shown). */
  updatedAt: z.string().nullable(),
});

const testimonialFields = {
  authorName: z.string().trim().min(1).max(120),
  quote: z.string().trim().min(1).max(2000),
  location: optionalText(120),
  rating: z.number().int().min(1).max(5).nullable().optional(),
  sortOrder: z.number().int().min(-100_000).max(100_000).optional(),
  isPublished: z.boolean().optional(),
};

export const createTestimonialBody = z.strictObject(testimonialFields);
export const updateTestimonialBody = z.strictObject({
  ...testimonialFields,
  authorName: testimonialFields.authorName.optional(),
  quote: testimonialFields.quote.optional(),
});

export type CreateTestimonialInput = z.output<typeof createTestimonialBody>;
export type UpdateTestimonialInput = z.output<typeof updateTestimonialBody>;

export const testimonialSchema = z.object({
  id: z.uuid(),
  authorName: z.string(),
  quote: z.string(),
  location: z.string().nullable(),
  rating: z.number().int().nullable(),
  sortOrder: z.number().int(),
  isPublished: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const testimonialListSchema = z.object({
  data: z.array(testimonialSchema),
  nextCursor: z.string().nullable(),
});

/** Any string: an id that is not a uuid answers 404 like another account's testimonial. */
export const testimonialParams = z.object({ id: z.string() });
