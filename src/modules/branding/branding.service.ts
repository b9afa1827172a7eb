import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import { normalizePhone as toE164 } from '../../platform/contact.ts';
import { invalid } from '../../platform/errors.ts';
import { type BrandingRow, getAccountCountry, getBrandingRow, upsertBranding } from './branding.repo.ts';
import { BRANDING_DEFAULTS, type BrandingInput } from './branding.schema.ts';

/** A phone number as written, in E.164, read in the account's country; 422 naming `phone`. */
export function normalizePhone(raw: string, country: string | undefined): string {
  const e164 = toE164(raw, country ?? 'US');
  if (!e164) {
    throw invalid('BRANDING_PHONE_INVALID', [{ path: 'body.phone', message: 'is not a valid phone number' }]);
  }
  return e164;
}

/** How the account's public pages look; undefined until it is first saved (defaults apply). */
export function getBranding(db: Database, accountId: string): Promise<BrandingRow | undefined> {
  return withTenant(db, accountId, (tx) => getBrandingRow(tx, accountId));
}

/** The columns a branding input sets (a field left out is cleared, or its default). */
export function brandingValues(input: BrandingInput, phoneE164: string | null) {
  return {
    displayName: input.displayName ?? null,
    brokerage: input.brokerage ?? null,
    headline: input.headline ?? null,
    subheadline: input.subheadline ?? null,
    callToAction: input.callToAction ?? null,
    logoUrl: input.logoUrl ?? null,
    photoUrl: input.photoUrl ?? null,
    primaryColor: input.primaryColor ?? BRANDING_DEFAULTS.primaryColor,
    accentColor: input.accentColor ?? BRANDING_DEFAULTS.accentColor,
    theme: input.theme ?? BRANDING_DEFAULTS.theme,
    licenseNumber: input.licenseNumber ?? null,
    phoneE164,
    publicEmail: input.publicEmail ?? null,
    bio: input.bio ?? null,
    consentText: input.consentText ?? null,
  };
}

/** Replaces the account's branding (creating its row the first time). */
export async function putBranding(
  db: Database,
  accountId: string,
  input: BrandingInput,
): Promise<BrandingRow> {
  return withTenant(db, accountId, async (tx) => {
    const phoneE164 = input.phone
      ? normalizePhone(input.phone, await getAccountCountry(tx, accountId))
      : null;
    return upsertBranding(tx, accountId, crypto.randomUUID(), brandingValues(input, phoneE164));
  });
}
