import { z } from 'zod';
import { accountSchema, roleSchema, userSchema } from '../identity/auth.schema.ts';

export const memberSchema = z.object({
  userId: z.uuid(),
  name: z.string(),
  email: z.string(),
  role: roleSchema,
  joinedAt: z.string(),
});

export const invitationSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  role: roleSchema,
  expiresAt: z.string(),
  createdAt: z.string(),
});

export const teamSchema = z.object({ data: z.array(memberSchema), invitations: z.array(invitationSchema) });

export const inviteBody = z.object({ email: z.email().max(254), role: roleSchema.default('member') });
export const inviteReply = z.object({ invitation: invitationSchema });

export const memberParams = z.object({ userId: z.string() });
export const invitationParams = z.object({ id: z.string() });
export const roleBody = z.object({ role: roleSchema });

export const acceptBody = z.object({
  token: z.string().min(10).max(200),
  name: z.string().trim().min(1).max(120).optional(),
  password: z.string().min(1).max(1024).optional(),
});
export const acceptReply = z.object({ user: userSchema, account: accountSchema, signedIn: z.boolean() });
