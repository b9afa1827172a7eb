import type { Database, SqlClient } from './client.ts';
import { APP_ROLE } from './tenant.ts';

/**
 * Tables that are deliberately not tenant-scoped: their rows are unique across every tenant
 * (slugs, login emails, plan codes) and become reference tables on Citus. Every other table
 * in `public` is tenant data and must pass the audit below.
 */
export const GLOBAL_TABLES = [
  'accounts',
  'users',
  'plans',
  'credit_prices',
  'credit_bundles',
  'stripe_events',
  'sessions',
  'login_attempts',
  'password_reset_tokens',
  'email_verification_tokens',
  'api_keys',
  'dev_outbox',
  'hostnames',
  'page_routes',
  'phone_number_routes',
] as const;

const ALL = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

/**
 * What the app role may do to each global table, and whether RLS must be on for it (its
 * policies say which rows: a tenant changes only its own account, sees only its members and
 * keys; sessions, sign-in attempts and tokens are reached only with no tenant set).
 */
export const GLOBAL_TABLE_RULES: Record<
  (typeof GLOBAL_TABLES)[number],
  { privileges: string[]; rls: boolean }
> = {
  accounts: { privileges: ['SELECT', 'INSERT', 'UPDATE'], rls: true },
  users: { privileges: ['SELECT', 'INSERT', 'UPDATE'], rls: true },
  plans: { privileges: ['SELECT', 'UPDATE'], rls: true },
  credit_prices: { privileges: ['SELECT'], rls: false },
  credit_bundles: { privileges: ['SELECT'], rls: false },
  stripe_events: { privileges: ['SELECT', 'INSERT'], rls: true },
  sessions: { privileges: ALL, rls: true },
  login_attempts: { privileges: ALL, rls: true },
  password_reset_tokens: { privileges: ALL, rls: true },
  email_verification_tokens: { privileges: ALL, rls: true },
  api_keys: { privileges: ['SELECT', 'INSERT', 'UPDATE'], rls: true },
  dev_outbox: { privileges: ['SELECT', 'INSERT'], rls: true },
  hostnames: { privileges: ['SELECT', 'INSERT', 'DELETE'], rls: true },
  page_routes: { privileges: ['SELECT', 'INSERT', 'DELETE'], rls: true },
  phone_number_routes: { privileges: ['SELECT', 'INSERT', 'DELETE'], rls: true },
};

/** Tenant tables the app role may only add to and read. */
/**
 * The search role (migration 0012): owns the SECURITY DEFINER search functions, and may read
 * these tables past RLS only through them. See 'search role can do more than search'.
 */
export const SEARCH_ROLE = 'porchlight_search';
const SEARCHABLE_TABLES = ['leads'];
const SEARCH_FUNCTIONS = ['porchlight_search_lead_ids'];

export const APPEND_ONLY_TABLES = [
  'audit_log',
  'lead_consents',
  'billing_events',
  'credit_ledger',
  'webhook_attempts',
] as const;

export type AuditFinding = { check: string; object: string; detail: string };

const TENANT_TABLES_CTE = `
  WITH tenant_tables AS (
    SELECT c.oid, c.relname, c.relrowsecurity, c.relforcerowsecurity
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
      AND c.relname <> ALL ($1::text[])
  )`;

/**
 * The catalog audit. Each query returns the objects that break a tenancy rule; a healthy
 * schema returns none. Start-up refuses to serve when any are found, and the isolation
 * suite runs the same list.
 */
const CHECKS: { check: string; sql: string }[] = [
  {
    check: 'tenant table without account_id NOT NULL',
    sql: `${TENANT_TABLES_CTE}
      SELECT t.relname AS object, 'no account_id uuid NOT NULL column' AS detail FROM tenant_tables t
      WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = t.oid AND a.attname = 'account_id'
        AND a.attnotnull AND a.atttypid = 'uuid'::regtype AND NOT a.attisdropped)`,
  },
  {
    check: 'tenant table without RLS enabled and forced',
    sql: `${TENANT_TABLES_CTE}
      SELECT relname AS object, format('rowsecurity=%s force=%s', relrowsecurity, relforcerowsecurity) AS detail
      FROM tenant_tables WHERE NOT (relrowsecurity AND relforcerowsecurity)`,
  },
  {
    check: 'tenant table without a tenant policy',
    sql: `${TENANT_TABLES_CTE}
      SELECT t.relname AS object, 'no policy reads app.account_id' AS detail FROM tenant_tables t
      WHERE NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = t.oid AND p.polcmd = '*'
        AND pg_get_expr(p.polqual, p.polrelid) LIKE '%app.account_id%'
        AND pg_get_expr(p.polwithcheck, p.polrelid) LIKE '%app.account_id%')`,
  },
  {
    // A second permissive policy widens the first: each must pin the tenant (or, on the user's
    // own path, the user), but the search role's one SELECT policy (its functions pin the
    // tenant; see the search role check).
    check: 'tenant table policy that pins neither tenant nor user',
    sql: `${TENANT_TABLES_CTE}
      SELECT t.relname || '.' || p.polname AS object,
        coalesce(pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid), '') AS detail
      FROM pg_policy p JOIN tenant_tables t ON t.oid = p.polrelid
      WHERE coalesce(pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid), '')
          !~ 'app\\.(account_id|user_id)'
        AND NOT (t.relname = ANY (ARRAY[${SEARCHABLE_TABLES.map((x) => `'${x}'`).join(', ')}]::text[])
          AND p.polname = 'search_definer' AND p.polcmd = 'r'
          AND p.polroles = ARRAY[(SELECT oid FROM pg_roles WHERE rolname = '${SEARCH_ROLE}')]::oid[])`,
  },
  {
    // The search role sees every tenant's rows of the tables it searches: only its own
    // SECURITY DEFINER functions, which pin the tenant, may act as it.
    check: 'search role can do more than search',
    sql: `SELECT r.rolname AS object, 'login, superuser or bypassrls' AS detail FROM pg_roles r
        WHERE r.rolname = '${SEARCH_ROLE}' AND $1::text[] IS NOT NULL
          AND (r.rolcanlogin OR r.rolsuper OR r.rolbypassrls)
      UNION ALL
      SELECT m.member::regrole::text, 'is a member of ${SEARCH_ROLE}' FROM pg_auth_members m
        WHERE m.roleid = (SELECT oid FROM pg_roles WHERE rolname = '${SEARCH_ROLE}')
      UNION ALL
      SELECT c.relname, 'owned by ${SEARCH_ROLE}' FROM pg_class c
        WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = '${SEARCH_ROLE}')
      UNION ALL
      SELECT p.oid::regprocedure::text, 'not a known tenant-pinning SECURITY DEFINER search function'
        FROM pg_proc p
        WHERE p.proowner = (SELECT oid FROM pg_roles WHERE rolname = '${SEARCH_ROLE}')
          AND NOT (p.proname = ANY (ARRAY[${SEARCH_FUNCTIONS.map((x) => `'${x}'`).join(', ')}]::text[])
            AND p.prosecdef AND p.prosrc LIKE '%current_setting(''app.account_id'', true)%')
      UNION ALL
      SELECT c.relname, 'privileges beyond SELECT on a searched table'
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
          AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${SEARCH_ROLE}')
          AND (has_table_privilege('${SEARCH_ROLE}', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
            OR (has_table_privilege('${SEARCH_ROLE}', c.oid, 'SELECT')
              AND NOT c.relname = ANY (ARRAY[${SEARCHABLE_TABLES.map((x) => `'${x}'`).join(', ')}]::text[])))`,
  },
  {
    // Every policy that lets rows be written checks them; SELECT and DELETE policies cannot.
    check: 'policy without WITH CHECK',
    sql: `${TENANT_TABLES_CTE}
      SELECT t.relname || '.' || p.polname AS object, 'policy has no WITH CHECK' AS detail
      FROM pg_policy p JOIN tenant_tables t ON t.oid = p.polrelid
      WHERE p.polwithcheck IS NULL AND p.polcmd IN ('*', 'a', 'w')`,
  },
  {
    check: 'unique index on a tenant table not led by account_id',
    sql: `${TENANT_TABLES_CTE}
      SELECT i.indexrelid::regclass::text AS object, pg_get_indexdef(i.indexrelid) AS detail
      FROM pg_index i JOIN tenant_tables t ON t.oid = i.indrelid
      WHERE i.indisunique AND (i.indkey[0] = 0 OR (SELECT attname FROM pg_attribute
        WHERE attrelid = t.oid AND attnum = i.indkey[0]) <> 'account_id')`,
  },
  {
    check: 'foreign key between tenant tables without account_id',
    sql: `${TENANT_TABLES_CTE}
      SELECT con.conname AS object, pg_get_constraintdef(con.oid) AS detail
      FROM pg_constraint con JOIN tenant_tables t ON t.oid = con.conrelid
      JOIN tenant_tables ref ON ref.oid = con.confrelid
      WHERE con.contype = 'f' AND NOT EXISTS (
        SELECT 1 FROM unnest(con.conkey) k JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k
        WHERE a.attname = 'account_id')`,
  },
  {
    check: 'view without security_invoker',
    sql: `SELECT c.relname AS object, coalesce(array_to_string(c.reloptions, ','), '') AS detail
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm') AND $1::text[] IS NOT NULL
        AND NOT coalesce(c.reloptions && ARRAY['security_invoker=true', 'security_invoker=on', 'security_invoker=1'], false)`,
  },
  {
    check: 'app role owns, can bypass or inherits',
    sql: `SELECT r.rolname AS object, format('superuser=%s bypassrls=%s owns=%s member_of=%s', r.rolsuper,
        r.rolbypassrls, (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid),
        (SELECT count(*) FROM pg_auth_members m WHERE m.member = r.oid)) AS detail
      FROM pg_roles r WHERE r.rolname = '${APP_ROLE}' AND $1::text[] IS NOT NULL
        AND (r.rolsuper OR r.rolbypassrls OR EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = r.oid)
          OR EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.member = r.oid))`,
  },
];

/** Runs every check; returns the findings (empty when the schema is sound). */
export function auditTenancy(db: Database): Promise<AuditFinding[]> {
  return auditTenancyWith(db);
}

/**
 * The same checks over any connection, e.g. the `client` of an open transaction (on PGlite,
 * calling `db.query` inside a transaction would wait for that transaction forever).
 */
export async function auditTenancyWith(client: SqlClient): Promise<AuditFinding[]> {
  const findings: AuditFinding[] = [];
  for (const { check, sql } of CHECKS) {
    const { rows } = await client.query<{ object: string; detail: string }>(sql, [GLOBAL_TABLES]);
    for (const row of rows) findings.push({ check, ...row });
  }
  const role = await client.query(`SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}'`);
  if (role.rowCount === 0) {
    findings.push({ check: 'app role missing', object: APP_ROLE, detail: 'not created' });
    return findings;
  }
  const { rows } = await client.query<{ relname: string; rls: boolean; privileges: string[] }>(
    `SELECT c.relname, c.relrowsecurity AS rls,
       ARRAY(SELECT p FROM unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE']) p
             WHERE has_table_privilege('${APP_ROLE}', c.oid, p)) AS privileges
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relname = ANY ($1::text[])`,
    [[...GLOBAL_TABLES, ...APPEND_ONLY_TABLES]],
  );
  const rules: [string, { privileges: string[]; rls: boolean }][] = [
    ...Object.entries(GLOBAL_TABLE_RULES),
    ...APPEND_ONLY_TABLES.map((t): [string, { privileges: string[]; rls: boolean }] => [
      t,
      { privileges: ['SELECT', 'INSERT'], rls: true },
    ]),
  ];
  for (const [table, rule] of rules) {
    const row = rows.find((r) => r.relname === table);
    if (!row) continue;
    const extra = row.privileges.filter((p) => !rule.privileges.includes(p));
    if (extra.length > 0) {
      findings.push({ check: 'app role granted too much', object: table, detail: extra.join(', ') });
    }
    if (rule.rls && !row.rls) {
      findings.push({ check: 'global table without RLS', object: table, detail: 'rowsecurity=false' });
    }
  }
  return findings;
}

/** The tenant tables, from the catalog (everything in `public` but the global tables). */
export function listTenantTables(db: Database): Promise<string[]> {
  return listTenantTablesWith(db);
}

/** The same list over any connection, e.g. an open transaction's `client` (the account archive). */
export async function listTenantTablesWith(client: SqlClient): Promise<string[]> {
  const { rows } = await client.query<{ relname: string }>(
    `${TENANT_TABLES_CTE} SELECT relname FROM tenant_tables ORDER BY relname`,
    [GLOBAL_TABLES],
  );
  return rows.map((r) => r.relname);
}
