import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import type { blockedIps } from '../../db/schema/index.ts';
import { isUuid, withTenant } from '../../db/tenant.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { deleteBlockedIp, findBlockedIps, insertBlockedIp } from './blocked-ips.repo.ts';

export type BlockedIp = typeof blockedIps.$inferSelect;

const NOT_FOUND = () => notFound('BLOCKED_IP_NOT_FOUND', 'No such blocked address');

/**
 * Blocks an address or network for the account: intake stores its submissions as spam
 * (`blocked_ip`). The network must already be checked (see isNetwork); the same network twice
 * is a 409 naming `body.network`.
 */
export async function addBlockedIp(
  db: Database,
  accountId: string,
  input: { network: string; reason?: string | null | undefined },
): Promise<BlockedIp> {
  const reason = input.reason?.trim() || null;
  try {
    return await withTenant(db, accountId, (tx) =>
      insertBlockedIp(tx, { accountId, id: crypto.randomUUID(), network: input.network.trim(), reason }),
    );
  } catch (error) {
    if (isUniqueViolation(error, 'blocked_ips_account_network_key')) {
      throw new AppError('conflict', 'BLOCKED_IP_EXISTS', 'That network is already blocked', [
        { path: 'body.network', message: 'is already blocked' },
      ]);
    }
    throw error;
  }
}

export function listBlockedIps(db: Database, accountId: string): Promise<BlockedIp[]> {
  return withTenant(db, accountId, (tx) => findBlockedIps(tx, accountId));
}

/** Unblocks; any id that is not one of this account's entries is 404. */
export async function removeBlockedIp(db: Database, accountId: string, id: string): Promise<void> {
  if (!isUuid(id)) throw NOT_FOUND();
  const deleted = await withTenant(db, accountId, (tx) => deleteBlockedIp(tx, accountId, id));
  if (!deleted) throw NOT_FOUND();
}
