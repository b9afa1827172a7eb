import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import type { invitations, membershipRoles } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { hashToken, newToken } from '../../platform/tokens.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { insertInvitation } from './invitations.repo.ts';

export type Invitation = typeof invitations.$inferSelect;

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The token handed to the invitee: `<accountId>.<secret>`. The account id is not secret; it
 * lets acceptance open that tenant's transaction and find the invitation by (account, hash).
 */
export function invitationToken(accountId: string, secret: string): string {
  return `${accountId}.${secret}`;
}

/** Creates an invitation and records it in the audit log; returns the token (shown once). */
export async function createInvitation(
  db: Database,
  accountId: string,
  input: { email: string; role: (typeof membershipRoles)[number]; invitedByUserId: string | null },
): Promise<{ invitation: Invitation; token: string }> {
  const secret = newToken();
  const invitation = await withTenant(db, accountId, async (tx) => {
    const row = await insertInvitation(tx, {
      accountId,
      id: crypto.randomUUID(),
      email: input.email.trim().toLowerCase(),
      role: input.role,
      tokenHash: hashToken(secret),
      invitedByUserId: input.invitedByUserId,
      expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
    });
    await recordAudit(tx, {
      accountId,
      action: 'invitation.sent',
      actorUserId: input.invitedByUserId,
      target: { type: 'invitation', id: row.id },
      details: { role: input.role },
    });
    return row;
  });
  return { invitation, token: invitationToken(accountId, secret) };
}
