import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../../db/client.ts';
import { hashPassword } from '../../platform/passwords.ts';
import { createAccountWithOwner, findAccountBySlug } from '../accounts/accounts.service.ts';
import { putBranding } from '../branding/branding.service.ts';
import { createTestimonial } from '../branding/testimonials.service.ts';
import { createLead } from '../leads/leads.service.ts';
import { createPage } from '../pages/pages.service.ts';

export const DEMO_EMAIL = 'demo@porchlight.local';
export const DEMO_SLUG = 'demo';

export type DemoSeedResult =
  | { created: true; email: string; password: string; accountSlug: string; credentialsFile: string }
  | { created: false; email: string; accountSlug: string; credentialsFile: string };

/**
 * Seeds the demo account on first run: an owner, branding, testimonials, three capture pages
 * and a few leads, through
 * the same services the product uses. The password is random, printed once and kept in
 * `<dataDir>/demo-login.txt` (mode 600). Idempotent: a second run changes nothing.
 */
export async function seedDemo(db: Database, dataDir: string): Promise<DemoSeedResult> {
  const credentialsFile = path.join(dataDir, 'demo-login.txt');
  const existing = await findAccountBySlug(db, DEMO_SLUG);
  if (existing) return { created: false, email: DEMO_EMAIL, accountSlug: DEMO_SLUG, credentialsFile };

  const password = crypto.randomBytes(9).toString('base64url');
  const { account } = await createAccountWithOwner(db, {
    name: 'Demo Realty',
    slug: DEMO_SLUG,
    vertical: 'real_estate',
    owner: { email: DEMO_EMAIL, name: 'Dana Demo', passwordHash: await hashPassword(password) },
  });
  await putBranding(db, account.id, {
    displayName: 'Dana Demo',
    brokerage: 'Demo Realty',
    headline: 'Your neighborhood real-estate expert',
    subheadline: 'Honest advice and local market data, from someone who lives here.',
    callToAction: 'Get started',
    primaryColor: '#0f766e',
    accentColor: '#f59e0b',
    theme: 'light',
    licenseNumber: 'TX 0000000',
    phone: '(512) 867-5309',
    publicEmail: 'dana@demo-realty.example',
    bio: 'Helping Austin families buy and sell homes since 2012.',
    consentText:
      'I agree that Dana Demo may contact me by phone, text and email about my inquiry. Message and data rates may apply; reply STOP to opt out.',
  } as Parameters<typeof putBranding>[2]);
  const quotes = [
    {
      authorName: 'Jordan P.',
      location: 'Mueller',
      quote: 'Dana priced our house perfectly: three offers in the first weekend.',
    },
    { authorName: 'Denise W.', location: 'Round Rock', quote: 'Honest, fast and always available.' },
    {
      authorName: 'Chris T.',
      location: 'South Congress',
      quote: 'The valuation was within 1% of what we sold for.',
    },
  ];
  for (const [i, q] of quotes.entries()) {
    await createTestimonial(db, account.id, { ...q, rating: 5, sortOrder: i, isPublished: true });
  }
  const valuation = await createPage(db, account.id, {
    kind: 'home_valuation',
    slug: 'home-value',
    title: "What's my home worth?",
    headline: 'Get a free, no-obligation home valuation',
  });
  await createPage(db, account.id, {
    kind: 'buyer_interest',
    slug: 'buy',
    title: 'Find your next home',
    headline: 'Tell us what you are looking for',
  });
  await createPage(db, account.id, {
    kind: 'contact',
    slug: 'contact',
    title: 'Contact Dana',
    headline: 'Questions about buying or selling? Ask away.',
  });
  const samples = [
    { fullName: 'Maria Lopez', email: 'maria.lopez@example.com', phoneE164: '+15125550142', city: 'Austin' },
    {
      fullName: 'James Carter',
      email: 'j.carter@example.com',
      phoneE164: '+15125550178',
      city: 'Round Rock',
    },
    { fullName: 'Priya Shah', email: 'priya@example.com', phoneE164: null, city: 'Cedar Park' },
  ];
  for (const s of samples) {
    await createLead(db, account.id, {
      source: 'home_valuation',
      pageId: valuation.id,
      ...s,
      state: 'TX',
      message: 'Thinking about selling in the next 3 months.',
    });
  }
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(credentialsFile, `email: ${DEMO_EMAIL}\npassword: ${password}\n`, { mode: 0o600 });
  return { created: true, email: DEMO_EMAIL, password, accountSlug: DEMO_SLUG, credentialsFile };
}
