import crypto from 'node:crypto';
import type { Database } from '../db/client.ts';
import { withTenant } from '../db/tenant.ts';

/**
 * Test support for the public site (imported by tests and scripts only, never by the app):
 * rows the dashboard's modules will write — branding, testimonials, custom domains — inserted
 * directly in the tenant's own transaction.
 */

export type BrandingRow = {
  display_name?: string | null;
  brokerage?: string | null;
  headline?: string | null;
  subheadline?: string | null;
  call_to_action?: string | null;
  logo_url?: string | null;
  photo_url?: string | null;
  primary_color?: string;
  accent_color?: string;
  theme?: 'light' | 'dark';
  license_number?: string | null;
  phone_e164?: string | null;
  public_email?: string | null;
  bio?: string | null;
  consent_text?: string | null;
};

/** Creates or replaces the account's branding row. */
export async function setBranding(db: Database, accountId: string, row: BrandingRow): Promise<void> {
  const columns = Object.keys(row);
  const values = Object.values(row);
  await withTenant(db, accountId, (_tx, client) =>
    client.query(
      `INSERT INTO branding (account_id, id${columns.map((c) => `, ${c}`).join('')})
       VALUES ($1, $2${columns.map((_, i) => `, $${i + 3}`).join('')})
       ON CONFLICT (account_id) DO UPDATE SET updated_at = now()${columns.map((c) => `, ${c} = excluded.${c}`).join('')}`,
      [accountId, crypto.randomUUID(), ...values],
    ),
  );
}

export async function addTestimonial(
  db: Database,
  accountId: string,
  t: {
    authorName: string;
    quote: string;
    location?: string;
    rating?: number;
    sortOrder?: number;
    isPublished?: boolean;
  },
): Promise<void> {
  await withTenant(db, accountId, (_tx, client) =>
    client.query(
      `INSERT INTO testimonials (account_id, id, author_name, quote, location, rating, sort_order, is_published)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        accountId,
        crypto.randomUUID(),
        t.authorName,
        t.quote,
        t.location ?? null,
        t.rating ?? null,
        t.sortOrder ?? 0,
        t.isPublished ?? true,
      ],
    ),
  );
}

/** A custom hostname of the account: its domain row and its global routing row. */
export async function addDomain(
  db: Database,
  accountId: string,
  hostname: string,
  status: 'pending' | 'active' | 'failed',
): Promise<void> {
  const id = crypto.randomUUID();
  await withTenant(db, accountId, async (_tx, client) => {
    await client.query(
      `INSERT INTO domains (account_id, id, hostname, provider, verification_status) VALUES ($1, $2, $3, 'dev', $4)`,
      [accountId, id, hostname, status],
    );
    await client.query('INSERT INTO hostnames (hostname, account_id, domain_id) VALUES ($1, $2, $3)', [
      hostname,
      accountId,
      id,
    ]);
  });
}

/** The page's global routing row (what the intake service finds a page by), if it is missing. */
export async function routePage(db: Database, accountId: string, pageId: string): Promise<void> {
  await withTenant(db, accountId, (_tx, client) =>
    client.query(
      'INSERT INTO page_routes (page_id, account_id) VALUES ($1, $2) ON CONFLICT (page_id) DO NOTHING',
      [pageId, accountId],
    ),
  );
}

/** Sets columns of a capture page (snake_case names). */
export async function updatePage(
  db: Database,
  accountId: string,
  pageId: string,
  set: Record<string, string | boolean | null>,
): Promise<void> {
  const columns = Object.keys(set);
  await withTenant(db, accountId, (_tx, client) =>
    client.query(
      `UPDATE capture_pages SET ${columns.map((c, i) => `${c} = $${i + 3}`).join(', ')}
       WHERE account_id = $1 AND id = $2`,
      [accountId, pageId, ...Object.values(set)],
    ),
  );
}

/** The hidden `_t` and `_k` and the form's action of a rendered page. */
export function formOf(body: string): { token: string; key: string; consent: string; action: string } {
  const pick = (re: RegExp) => re.exec(body)?.[1] ?? '';
  return {
    token: pick(/name="_t" value="([^"]*)"/),
    key: pick(/name="_k" value="([^"]*)"/),
    consent: pick(/name="_c" value="([^"]*)"/),
    action: pick(/<form id="lead-form" method="post" action="([^"]*)"/),
  };
}
