import { z } from 'zod';
import { accountVerticals } from '../../db/schema/index.ts';
import type { Account, User } from '../accounts/accounts.service.ts';

export const userSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  emailVerifiedAt: z.string().nullable(),
});

export const accountSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  slug: z.string(),
  vertical: z.string(),
  planCode: z.string(),
  status: z.string(),
  timezone: z.string(),
  createdAt: z.string(),
});

export const roleSchema = z.enum(['owner', 'admin', 'member', 'affiliate']);

export const signupBody = z.object({
  email: z.email().max(254),
  password: z.string().min(1).max(1024),
  name: z.string().trim().min(1).max(120),
  accountName: z.string().trim().min(1).max(120),
  accountSlug: z.string().trim().min(1).max(60),
  vertical: z.enum(accountVerticals).optional(),
});

export const loginBody = z.object({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(1024),
});

export const userAndAccount = z.object({ user: userSchema, account: accountSchema.nullable() });

export const meSchema = z.object({
  user: userSchema,
  memberships: z.array(z.object({ account: accountSchema, role: roleSchema })),
  activeAccountId: z.uuid().nullable(),
});

export const switchBody = z.object({ accountId: z.uuid() });
export const passwordBody = z.object({
  currentPassword: z.string().min(1).max(1024),
  newPassword: z.string().min(1).max(1024),
});
export const switchReply = z.object({ account: accountSchema, role: roleSchema });

export function presentUser(user: User): z.infer<typeof userSchema> {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    emailVerifiedAt: user.emailVerifiedAt?.toISOString() ?? null,
  };
}

export function presentAccount(account: Account): z.infer<typeof accountSchema> {
  return {
    id: account.id,
    name: account.name,
    slug: account.slug,
    vertical: account.vertical,
    planCode: account.planCode,
    status: account.status,
    timezone: account.timezone,
    createdAt: account.createdAt.toISOString(),
  };
}

export const tokenBody = z.object({ token: z.string().min(10).max(200) });
export const resetRequestBody = z.object({ email: z.string().trim().min(1).max(254) });
export const resetConfirmBody = z.object({
  token: z.string().min(10).max(200),
  password: z.string().min(1).max(1024),
});
