import crypto from 'node:crypto';
import type { Tx } from '../../db/client.ts';
import type { auditActions } from '../../db/schema/index.ts';
import { insertAuditEntry } from './audit.repo.ts';

export type AuditAction = (typeof auditActions)[number];

export type AuditEntry = {
  accountId: string;
  action: AuditAction;
  actorUserId?: string | null;
  actorApiKeyId?: string | null;
  target?: { type: string; id: string };
  /** A keyed hash of the client address, never the address itself. */
  ipHash?: string | null;
  /** Ids and flags only: never a password, token, key or message body. */
  details?: Record<string, string | number | boolean | null>;
};

/**
 * Records a security event in the account's append-only audit log, inside the caller's
 * transaction (so the entry exists exactly when the change it describes does).
 */
export function recordAudit(tx: Tx, entry: AuditEntry): Promise<void> {
  return insertAuditEntry(tx, {
    accountId: entry.accountId,
    id: crypto.randomUUID(),
    action: entry.action,
    actorUserId: entry.actorUserId ?? null,
    actorApiKeyId: entry.actorApiKeyId ?? null,
    targetType: entry.target?.type ?? null,
    targetId: entry.target?.id ?? null,
    ipHash: entry.ipHash ?? null,
    details: entry.details ?? {},
  });
}
