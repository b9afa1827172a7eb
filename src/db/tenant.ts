import type { Database, SqlClient, Tx } from './client.ts';

/** The role every tenant and system transaction runs as: owns no table, cannot bypass RLS. */
export const APP_ROLE = 'porchlight_app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a well-formed uuid: ids from clients are checked before they reach SQL. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export class InvalidTenantError extends Error {
  constructor() {
    super('withTenant: account id is not a uuid');
    this.name = 'InvalidTenantError';
  }
}

export type TenantWork<T> = (tx: Tx, client: SqlClient) => Promise<T>;

/**
 * The only way to reach tenant data. Opens a transaction as `porchlight_app` with
 * `SET LOCAL app.account_id`, which ends with the transaction: safe on a pooled or reused
 * connection, behind PgBouncer in transaction mode, and the form Citus carries to its
 * workers. SET takes no bind parameter, so the uuid is validated before it is spliced in.
 *
 * Queries inside still name `account_id` in WHERE / VALUES (shard routing); RLS is the backstop.
 * On PGlite the transaction holds the only session: never touch `db` itself inside `fn`.
 */
export function withTenant<T>(
  db: Database,
  accountId: string,
  fn: TenantWork<T>,
  options: { snapshot?: boolean } = {},
): Promise<T> {
  if (!isUuid(accountId)) throw new InvalidTenantError();
  return db.transaction(
    `${options.snapshot ? SNAPSHOT : ''}SET LOCAL ROLE ${APP_ROLE}; SET LOCAL app.account_id = '${accountId.toLowerCase()}';`,
    fn,
  );
}

/**
 * `snapshot: true` makes a read of several statements see one moment: REPEATABLE READ and
 * READ ONLY, so a lead and its timeline read while a job commits never disagree (under READ
 * COMMITTED each statement sees its own). Must come before the first query, so it leads the setup.
 */
const SNAPSHOT = 'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; ';

/**
 * The explicit cross-tenant path: a transaction as `porchlight_app` with no tenant set, so
 * tenant tables show no rows; global tables (accounts, users, plans, host names) are readable.
 * For routing a host name or phone number to its account, sign-in, billing webhooks.
 * Every use is reported to `db.onSystemUse` with its reason.
 */
export function withSystem<T>(db: Database, reason: string, fn: TenantWork<T>): Promise<T> {
  db.onSystemUse?.(reason);
  return db.transaction(`SET LOCAL ROLE ${APP_ROLE};`, fn);
}

/**
 * The signed-in user's own path, before a tenant is chosen: no tenant set, `app.user_id` set,
 * so the user's memberships in every account are readable (policy memberships_of_user) and
 * nothing else of any tenant. For GET /api/v1/me and switching the active account.
 */
export function withUser<T>(db: Database, userId: string, fn: TenantWork<T>): Promise<T> {
  if (!isUuid(userId)) throw new InvalidTenantError();
  return db.transaction(`SET LOCAL ROLE ${APP_ROLE}; SET LOCAL app.user_id = '${userId.toLowerCase()}';`, fn);
}
