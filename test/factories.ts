import crypto from 'node:crypto';
import type { Database } from '../src/db/client.ts';
import {
  type CreateAccountInput,
  createAccountWithOwner,
  createMember,
} from '../src/modules/accounts/accounts.service.ts';
import { type CreateLeadInput, createLead } from '../src/modules/leads/leads.service.ts';
import { type CreatePageInput, createPage } from '../src/modules/pages/pages.service.ts';
import { createInvitation } from '../src/modules/team/invitations.service.ts';

/**
 * Tenant-aware factories that insert through the real services, so every test makes its
 * own account and files run in parallel without truncating anything. Passwords are not
 * hashed here (null hash): tests that sign in set one.
 */
function unique(): string {
  return crypto.randomBytes(4).toString('hex');
}

export async function makeAccount(db: Database, overrides: Partial<CreateAccountInput> = {}) {
  const u = unique();
  return createAccountWithOwner(db, {
    name: `Test Realty ${u}`,
    slug: `test-${u}`,
    owner: { email: `owner-${u}@example.test`, name: `Owner ${u}`, passwordHash: null },
    ...overrides,
  });
}

export async function makeUser(
  db: Database,
  options: { accountId: string; role?: 'admin' | 'member' | 'affiliate'; email?: string; name?: string },
) {
  const u = unique();
  return createMember(db, options.accountId, {
    email: options.email ?? `member-${u}@example.test`,
    name: options.name ?? `Member ${u}`,
    passwordHash: null,
    role: options.role ?? 'member',
  });
}

export async function makePage(db: Database, options: { accountId: string } & Partial<CreatePageInput>) {
  const { accountId, ...rest } = options;
  const u = unique();
  return createPage(db, accountId, {
    kind: 'home_valuation',
    slug: `page-${u}`,
    title: `Page ${u}`,
    ...rest,
  });
}

export async function makeLead(db: Database, options: { accountId: string } & Partial<CreateLeadInput>) {
  const { accountId, ...rest } = options;
  const u = unique();
  return createLead(db, accountId, {
    source: 'api',
    fullName: `Lead ${u}`,
    email: `lead-${u}@example.test`,
    phoneE164: '+15555550123',
    ...rest,
  });
}

export async function makeInvitation(
  db: Database,
  options: { accountId: string; invitedByUserId?: string | null; email?: string },
) {
  return createInvitation(db, options.accountId, {
    email: options.email ?? `invitee-${unique()}@example.test`,
    role: 'member',
    invitedByUserId: options.invitedByUserId ?? null,
  });
}
