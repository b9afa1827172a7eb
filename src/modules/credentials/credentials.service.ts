import crypto from 'node:crypto';
import type { Database, SqlClient } from '../../db/client.ts';
import { withSystem, withTenant } from '../../db/tenant.ts';
import { AppError, type FieldError, invalid, notFound } from '../../platform/errors.ts';
import { type Keyring, last4, open, rewrap, type Sealed, seal } from '../../platform/secrets.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { type CredentialProvider, type CredentialSummary, PROVIDER_KEYS } from './credentials.schema.ts';
import { KEY_CHECKERS, type KeyCheck, type KeyCheckEndpoints, VERIFY_TIMEOUT_MS } from './key-checks.ts';

/**
 * An account's own keys for outside services (issue 7): sealed on the way in (decision 013),
 * only a summary on the way out, opened only where a provider is called. Every read and write
 * goes through the tenant transaction.
 */

type Row = {
  id: string;
  provider: CredentialProvider;
  key_name: string;
  ciphertext: Uint8Array;
  wrapped_key: Uint8Array;
  key_version: number;
  last4: string | null;
  verified_at: Date | null;
  updated_at: Date;
};

const contextOf = (accountId: string, provider: string, keyName: string) => ({
  accountId,
  provider,
  keyName,
});

function summarize(provider: CredentialProvider, rows: Row[]): CredentialSummary {
  const shown = rows.find((r) => r.key_name === PROVIDER_KEYS[provider].shown);
  const verified = rows.map((r) => r.verified_at);
  return {
    provider,
    keyNames: rows.map((r) => r.key_name).sort(),
    last4: shown?.last4 || null,
    // Verified as a set: only when every key of it was.
    verifiedAt: verified.every((v) => v) ? (verified[0]?.toISOString() ?? null) : null,
    updatedAt: new Date(Math.max(...rows.map((r) => r.updated_at.getTime()))).toISOString(),
  };
}

/** The names a provider's set must have and may have; 422 naming each key that is wrong. */
function checkKeyNames(provider: CredentialProvider, names: string[]): void {
  const { required, optional } = PROVIDER_KEYS[provider];
  const errors: FieldError[] = [];
  for (const name of required) {
    if (!names.includes(name))
      errors.push({ path: `body.keys.${name}`, message: `is required for ${provider}` });
  }
  for (const name of names) {
    if (!required.includes(name) && !optional.includes(name)) {
      errors.push({
        path: `body.keys.${name}`,
        message: `is not a key of ${provider} (it takes ${[...required, ...optional].join(', ')})`,
      });
    }
  }
  if (errors.length) throw invalid('CREDENTIAL_KEYS_INVALID', errors);
}

async function rowsOf(client: SqlClient, accountId: string, provider?: CredentialProvider): Promise<Row[]> {
  const { rows } = await client.query<Row>(
    `SELECT id, provider, key_name, ciphertext, wrapped_key, key_version, last4, verified_at, updated_at
       FROM provider_credentials
      WHERE account_id = $1 AND ($2::text IS NULL OR provider = $2)
      ORDER BY provider, key_name`,
    [accountId, provider ?? null],
  );
  return rows;
}

/** Replaces the account's keys for a provider (all or nothing), sealed; audited without secrets. */
export async function putCredentials(
  db: Database,
  keyring: Keyring,
  input: {
    accountId: string;
    provider: CredentialProvider;
    keys: Record<string, string>;
    actor: { userId?: string | undefined; apiKeyId?: string | undefined };
  },
): Promise<CredentialSummary> {
  const { accountId, provider, keys } = input;
  const names = Object.keys(keys);
  checkKeyNames(provider, names);
  return withTenant(db, accountId, async (tx, client) => {
    await client.query('DELETE FROM provider_credentials WHERE account_id = $1 AND provider = $2', [
      accountId,
      provider,
    ]);
    for (const keyName of names.sort()) {
      const secret = keys[keyName]!;
      const sealed = seal(keyring, secret, contextOf(accountId, provider, keyName));
      await client.query(
        `INSERT INTO provider_credentials
           (account_id, id, provider, key_name, ciphertext, wrapped_key, key_version, last4)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          accountId,
          crypto.randomUUID(),
          provider,
          keyName,
          sealed.ciphertext,
          sealed.wrappedKey,
          sealed.keyVersion,
          last4(secret) || null,
        ],
      );
    }
    await recordAudit(tx, {
      accountId,
      action: 'credentials.saved',
      actorUserId: input.actor.userId,
      actorApiKeyId: input.actor.apiKeyId,
      details: { provider, keyNames: names.sort().join(',') },
    });
    return summarize(provider, await rowsOf(client, accountId, provider));
  });
}

export async function listCredentials(db: Database, accountId: string): Promise<CredentialSummary[]> {
  return withTenant(db, accountId, async (_tx, client) => {
    const rows = await rowsOf(client, accountId);
    const providers = [...new Set(rows.map((r) => r.provider))];
    return providers.map((p) =>
      summarize(
        p,
        rows.filter((r) => r.provider === p),
      ),
    );
  });
}

export async function deleteCredentials(
  db: Database,
  input: {
    accountId: string;
    provider: CredentialProvider;
    actor: { userId?: string | undefined; apiKeyId?: string | undefined };
  },
): Promise<void> {
  const { accountId, provider } = input;
  await withTenant(db, accountId, async (tx, client) => {
    const { rowCount } = await client.query(
      'DELETE FROM provider_credentials WHERE account_id = $1 AND provider = $2',
      [accountId, provider],
    );
    if (!rowCount) throw notFound('CREDENTIALS_NOT_FOUND', `No ${provider} keys are saved`);
    await recordAudit(tx, {
      accountId,
      action: 'credentials.deleted',
      actorUserId: input.actor.userId,
      actorApiKeyId: input.actor.apiKeyId,
      details: { provider },
    });
  });
}

/**
 * The account's keys for a provider, opened: for the code that calls that provider, never for
 * an answer or a log. Undefined when none are saved.
 */
export async function readCredentials(
  db: Database,
  keyring: Keyring,
  accountId: string,
  provider: CredentialProvider,
): Promise<Record<string, string> | undefined> {
  const rows = await withTenant(db, accountId, (_tx, client) => rowsOf(client, accountId, provider));
  if (!rows.length) return undefined;
  return openRows(keyring, accountId, provider, rows);
}

function openRows(
  keyring: Keyring,
  accountId: string,
  provider: CredentialProvider,
  rows: Row[],
): Record<string, string> {
  return Object.fromEntries(
    rows.map((r) => [r.key_name, open(keyring, sealedOf(r), contextOf(accountId, provider, r.key_name))]),
  );
}

/** The answer's words for a check that learned nothing about the keys; never the provider's own. */
function unavailableDetail(
  label: string,
  check: Extract<KeyCheck, { outcome: 'unavailable' }>,
  timeoutMs: number,
) {
  const why =
    check.reason === 'timeout'
      ? `${label} did not answer within ${Math.round(timeoutMs / 100) / 10} s`
      : check.reason === 'unreachable'
        ? `${label} could not be reached`
        : check.status === 429
          ? `${label} is limiting requests (HTTP 429)`
          : `${label} answered HTTP ${check.status}`;
  return `${why}; the keys were not checked. Try again later.`;
}

/**
 * Checks the account's saved keys for a provider with the provider itself (the cheapest
 * authenticated read: `key-checks.ts`), outside any transaction, then records the outcome on
 * exactly the rows that were checked:
 *
 * - accepted: `verified_at = now()`, answers the summary;
 * - refused by the provider (401/403) or unsendable: `verified_at` cleared, then 422
 *   CREDENTIALS_REJECTED;
 * - no answer in time, no connection, or another status: nothing changes, 503
 *   PROVIDER_UNAVAILABLE (with the provider's Retry-After when it gave one).
 *
 * 404 CREDENTIALS_NOT_FOUND when none are saved; 422 CREDENTIALS_CHECK_UNSUPPORTED for a
 * provider with no check yet; 409 CREDENTIALS_CHANGED when the keys were replaced or deleted
 * while they were being checked. An accepted or refused check is audited
 * (`credentials.verified` / `credentials.rejected`) with the change it makes; one that never
 * reached the provider changes nothing and is not.
 */
export async function verifyCredentials(
  db: Database,
  keyring: Keyring,
  input: {
    accountId: string;
    provider: CredentialProvider;
    endpoints: KeyCheckEndpoints;
    timeoutMs?: number;
    actor?: { userId?: string | undefined; apiKeyId?: string | undefined };
  },
): Promise<CredentialSummary> {
  const { accountId, provider } = input;
  const timeoutMs = input.timeoutMs ?? VERIFY_TIMEOUT_MS;
  const checker = KEY_CHECKERS[provider];
  if (!checker) {
    throw new AppError(
      'unprocessable',
      'CREDENTIALS_CHECK_UNSUPPORTED',
      `Checking ${provider} keys is not supported yet`,
    );
  }
  const rows = await withTenant(db, accountId, (_tx, client) => rowsOf(client, accountId, provider));
  if (!rows.length) throw notFound('CREDENTIALS_NOT_FOUND', `No ${provider} keys are saved`);
  const checked = await checker.check(
    openRows(keyring, accountId, provider, rows),
    input.endpoints,
    timeoutMs,
  );

  if (checked.outcome === 'unavailable') {
    throw new AppError(
      'unavailable',
      'PROVIDER_UNAVAILABLE',
      unavailableDetail(checker.label, checked, timeoutMs),
      [],
      checked.retryAfterSeconds === undefined ? {} : { 'retry-after': String(checked.retryAfterSeconds) },
    );
  }
  const accepted = checked.outcome === 'accepted';
  const summary = await withTenant(db, accountId, async (tx, client) => {
    const ids = rows.map((r) => r.id);
    const { rowCount } = await client.query(
      `UPDATE provider_credentials SET verified_at = ${accepted ? 'now()' : 'NULL'}
        WHERE account_id = $1 AND provider = $2 AND id = ANY($3::uuid[])`,
      [accountId, provider, ids],
    );
    if (rowCount !== ids.length) {
      // Replaced or deleted meanwhile: the outcome is about keys that are gone (rolled back).
      throw new AppError(
        'conflict',
        'CREDENTIALS_CHANGED',
        `The ${provider} keys changed while they were being checked; check them again`,
      );
    }
    // The check's outcome, with the change it made (never a secret).
    await recordAudit(tx, {
      accountId,
      action: accepted ? 'credentials.verified' : 'credentials.rejected',
      actorUserId: input.actor?.userId,
      actorApiKeyId: input.actor?.apiKeyId,
      details: { provider },
    });
    return summarize(provider, await rowsOf(client, accountId, provider));
  });
  if (checked.outcome === 'malformed') {
    throw new AppError(
      'unprocessable',
      'CREDENTIALS_REJECTED',
      `These ${checker.label} keys cannot be right: they hold spaces or characters outside ASCII`,
    );
  }
  if (!accepted) throw new AppError('unprocessable', 'CREDENTIALS_REJECTED', checker.refused);
  return summary;
}

// bytea arrives as a Buffer (pg) or a Uint8Array (PGlite).
const sealedOf = (r: Row): Sealed => ({
  ciphertext: Buffer.from(r.ciphertext),
  wrappedKey: Buffer.from(r.wrapped_key),
  keyVersion: r.key_version,
});

export type RotationReport = {
  accounts: number;
  records: number;
  rewrapped: number;
  failed: { accountId: string; id: string; reason: string }[];
};

/**
 * `porchlight keys rotate`: every record not under the newest master key is opened (to prove it
 * still does) and has its data key re-wrapped under the newest key (the sealed secret itself is
 * not touched), one account's transaction at a time. A record that does not open is reported by
 * id, never skipped silently.
 */
export async function rotateCredentials(db: Database, keyring: Keyring): Promise<RotationReport> {
  const accounts = await withSystem(db, 'keys rotate: every account', async (_tx, client) => {
    const { rows } = await client.query<{ id: string }>('SELECT id FROM accounts ORDER BY id');
    return rows.map((r) => r.id);
  });
  const report: RotationReport = { accounts: 0, records: 0, rewrapped: 0, failed: [] };
  for (const accountId of accounts) {
    await withTenant(db, accountId, async (_tx, client) => {
      const rows = await rowsOf(client, accountId);
      if (rows.length) report.accounts++;
      report.records += rows.length;
      for (const row of rows) {
        if (row.key_version === keyring.newest) continue;
        try {
          const context = contextOf(accountId, row.provider, row.key_name);
          // The whole record must open, not only its key: a damaged secret is reported now,
          // while the old key is still there to look into it.
          open(keyring, sealedOf(row), context);
          const next = rewrap(keyring, sealedOf(row), context);
          await client.query(
            `UPDATE provider_credentials SET wrapped_key = $3, key_version = $4
              WHERE account_id = $1 AND id = $2`,
            [accountId, row.id, next.wrappedKey, next.keyVersion],
          );
          report.rewrapped++;
        } catch (error) {
          report.failed.push({
            accountId,
            id: row.id,
            reason: error instanceof Error ? error.message : String(error),
          });
        }
      }
    });
  }
  return report;
}
