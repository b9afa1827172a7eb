import type { Database } from '../../db/client.ts';
import type { accountVerticals } from '../../db/schema/index.ts';
import { invalid } from '../../platform/errors.ts';
import type { JobQueue } from '../../platform/jobs.ts';
import { checkPasswordPolicy, hashPassword } from '../../platform/passwords.ts';
import { type Account, createAccountWithOwner, type User } from '../accounts/accounts.service.ts';
import { sendVerificationEmailJob } from './identity.jobs.ts';

/** Account slugs that would collide with the product's own host names and paths. */
export const RESERVED_SLUGS = new Set([
  'www',
  'api',
  'app',
  'admin',
  'dashboard',
  'auth',
  'login',
  'signup',
  'account',
  'accounts',
  'billing',
  'help',
  'support',
  'docs',
  'status',
  'blog',
  'mail',
  'email',
  'smtp',
  'ftp',
  'static',
  'assets',
  'cdn',
  'dev',
  'staging',
  'test',
  'demo-admin',
  'p',
  'webhooks',
  'hooks',
  'porchlight',
  'root',
  'system',
  'null',
]);

export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$/;

/** Why a slug cannot be used, or null. Lowercase letters, digits and inner hyphens, 3–40. */
export function slugProblem(slug: string): string | null {
  if (!SLUG_PATTERN.test(slug)) return 'use 3–40 lowercase letters, digits and inner hyphens';
  if (slug.includes('--')) return 'use single hyphens';
  if (RESERVED_SLUGS.has(slug)) return 'is reserved';
  return null;
}

export type SignupInput = {
  email: string;
  password: string;
  name: string;
  accountName: string;
  accountSlug: string;
  vertical?: (typeof accountVerticals)[number];
};

/** Validates, hashes the password, then creates user, account and owner membership at once. */
export async function signup(
  db: Database,
  input: SignupInput,
  options: { jobs?: JobQueue | undefined } = {},
): Promise<{ user: User; account: Account }> {
  const slug = input.accountSlug.trim().toLowerCase();
  const errors = [];
  const slugIssue = slugProblem(slug);
  if (slugIssue) errors.push({ path: 'accountSlug', message: slugIssue });
  const passwordIssue = checkPasswordPolicy(input.password, { email: input.email, name: input.name });
  if (passwordIssue) errors.push({ path: 'password', message: passwordIssue });
  if (errors.length > 0) throw invalid('SIGNUP_INVALID', errors);
  return createAccountWithOwner(db, {
    name: input.accountName,
    slug,
    ...(input.vertical ? { vertical: input.vertical } : {}),
    owner: { email: input.email, name: input.name, passwordHash: await hashPassword(input.password) },
    // The verification email is queued in the sign-up's own transaction: both or neither.
    onCreated: async (client, created) => {
      await options.jobs?.enqueue(client, sendVerificationEmailJob, created);
    },
  });
}
