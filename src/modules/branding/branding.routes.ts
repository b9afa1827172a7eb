import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { ModuleDeps } from '../../platform/module.ts';
import type { BrandingRow } from './branding.repo.ts';
import { BRANDING_DEFAULTS, brandingBody, brandingSchema } from './branding.schema.ts';
import { getBranding, putBranding } from './branding.service.ts';
import { registerTestimonialRoutes } from './testimonials.routes.ts';

/** The account's branding as the API shows it: the defaults until it is first saved. */
function presentBranding(row: BrandingRow | undefined): z.infer<typeof brandingSchema> {
  return {
    displayName: row?.displayName ?? null,
    brokerage: row?.brokerage ?? null,
    headline: row?.headline ?? null,
    subheadline: row?.subheadline ?? null,
    callToAction: row?.callToAction ?? null,
    logoUrl: row?.logoUrl ?? null,
    photoUrl: row?.photoUrl ?? null,
    primaryColor: row?.primaryColor ?? BRANDING_DEFAULTS.primaryColor,
    accentColor: row?.accentColor ?? BRANDING_DEFAULTS.accentColor,
    theme: row?.theme === 'dark' ? 'dark' : 'light',
    licenseNumber: row?.licenseNumber ?? null,
    phone: row?.phoneE164 ?? null,
    publicEmail: row?.publicEmail ?? null,
    bio: row?.bio ?? null,
    consentText: row?.consentText ?? null,
    updatedAt: row?.updatedAt.toISOString() ?? null,
  };
}

/**
 * How the active account's public pages look (one branding per account) and the testimonials
 * they show: members read, admins change. API keys need `pages:read` / `pages:write`.
 */
export function registerBrandingRoutes(app: FastifyInstance, deps: ModuleDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['branding'];

  r.get(
    '/api/v1/branding',
    {
      config: { auth: 'member', scope: 'pages:read' },
      schema: {
        tags,
        summary: "The account's branding (defaults until saved)",
        response: { 200: brandingSchema },
      },
    },
    async (request) => {
      return presentBranding(await getBranding(deps.db, request.auth!.accountId));
    },
  );

  r.put(
    '/api/v1/branding',
    {
      config: { auth: 'admin', scope: 'pages:write' },
      schema: {
        tags,
        summary: "Replace the account's branding (fields left out are cleared or back to defaults)",
        body: brandingBody,
        response: { 200: brandingSchema },
      },
    },
    async (request) => {
      return presentBranding(await putBranding(deps.db, request.auth!.accountId, request.body));
    },
  );

  registerTestimonialRoutes(app, deps);
}
