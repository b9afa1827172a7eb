import type { Database } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import { AppError } from '../../platform/errors.ts';
import type { NewLeadAlerts } from '../accounts/accounts.service.ts';
import { getMemberAlerts, updateMemberAlerts } from './notifications.repo.ts';

/**
 * A member's own notification preferences in one account: which new leads they are emailed
 * about (`all`: every unassigned lead and those assigned to them; `assigned`: only theirs;
 * `none`: no new-lead emails), and the address those emails go to (their login email).
 * The text alert to the account's phone is the account's (`smsOptIn`), not a member's.
 */
export type NotificationPreferences = { newLeadAlerts: NewLeadAlerts; email: string };

const NOT_A_MEMBER = () => new AppError('not_found', 'MEMBER_NOT_FOUND', 'No such member');

export async function getNotificationPreferences(
  db: Database,
  accountId: string,
  userId: string,
): Promise<NotificationPreferences> {
  const row = await withTenant(db, accountId, (tx) => getMemberAlerts(tx, accountId, userId));
  if (!row) throw NOT_A_MEMBER();
  return { newLeadAlerts: row.newLeadAlerts as NewLeadAlerts, email: row.email };
}

export async function setNotificationPreferences(
  db: Database,
  accountId: string,
  userId: string,
  input: { newLeadAlerts: NewLeadAlerts },
): Promise<NotificationPreferences> {
  return withTenant(db, accountId, async (tx) => {
    if (!(await updateMemberAlerts(tx, accountId, userId, input.newLeadAlerts))) throw NOT_A_MEMBER();
    const row = (await getMemberAlerts(tx, accountId, userId))!;
    return { newLeadAlerts: row.newLeadAlerts as NewLeadAlerts, email: row.email };
  });
}
