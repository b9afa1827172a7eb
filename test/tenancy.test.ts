import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPEND_ONLY_TABLES, auditTenancy, auditTenancyWith, listTenantTables } from '../src/db/audit.ts';
import type { SqlClient } from '../src/db/client.ts';
import { pgError } from '../src/db/errors.ts';
import { withSystem, withTenant } from '../src/db/tenant.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { makeAccount, makeInvitation, makeLead, makePage, makeUser } from './factories.ts';

/**
 * The isolation suite. Every tenant table is taken from the catalog (everything in `public`
 * but GLOBAL_TABLES), so a table added without protection, or without a fixture below,
 * makes this file fail. Each check is generic: it only knows a table's primary key and
 * foreign keys, both read from the catalog.
 */

type Json = Record<string, unknown>;
/** One seeded row of a table: its primary key values, the row as json and as text. */
type Fixture = { key: unknown[]; row: Json; text: string };
type Column = { name: string; type: string };
type ForeignKey = { name: string; child: string; parent: string; childCols: string[]; parentCols: string[] };

let db: TestDatabase;
let tables: string[];
/** Primary key columns per tenant table, in key order. */
const primaryKeys = new Map<string, Column[]>();
let foreignKeys: ForeignKey[];
let A: string;
let B: string;
/** `${table}:${accountId}` → a row of that tenant in that table (missing when no fixture). */
const fixtures = new Map<string, Fixture>();

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** `"c1" = $k AND "c2" = $k+1 …` over a table's primary key. */
function keyWhere(table: string, firstParam = 1): string {
  return primaryKey(table)
    .map((c, i) => `${ident(c.name)} = $${firstParam + i}`)
    .join(' AND ');
}

function primaryKey(table: string): Column[] {
  const key = primaryKeys.get(table);
  if (!key || key.length === 0)
    throw new Error(`table ${table} has no primary key: tenant tables key on (account_id, id)`);
  return key;
}

function fixture(table: string, accountId: string): Fixture {
  const f = fixtures.get(`${table}:${accountId}`);
  if (!f)
    throw new Error(
      `table ${table} has no fixture for account ${accountId === A ? 'A' : 'B'}: add a factory call in test/tenancy.test.ts`,
    );
  return f;
}

/** How a statement was refused: the PostgreSQL error under any driver/Drizzle wrapper. */
async function refusal(work: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await work;
  } catch (error) {
    const e = pgError(error);
    return e
      ? { code: e.code!, message: e.message ?? '' }
      : { code: 'not a PostgreSQL error', message: String(error) };
  }
  return { code: 'no error', message: 'the statement succeeded' };
}

const errorCode = async (work: Promise<unknown>) => (await refusal(work)).code;

async function readRow(client: SqlClient, table: string, key: unknown[]): Promise<string | undefined> {
  const { rows } = await client.query<{ row: string }>(
    `SELECT row_to_json(x)::text AS row FROM ${ident(table)} x WHERE ${keyWhere(table)}`,
    key,
  );
  return rows[0]?.row;
}

/** A's row, moved to `accountId`, with a fresh uuid for every uuid key column but account_id. */
function copyFor(table: string, row: Json, accountId: string): string {
  const copy: Json = { ...row, account_id: accountId };
  for (const c of primaryKey(table)) {
    if (c.name !== 'account_id' && c.type === 'uuid') copy[c.name] = crypto.randomUUID();
  }
  return JSON.stringify(copy);
}

/** Per tenant table, the columns an INSERT may name (generated columns left out). */
const writableColumns = new Map<string, string>();

const insertCopySql = (table: string) => {
  const columns = writableColumns.get(table);
  if (!columns) throw new Error(`no columns read for ${table}`);
  return `INSERT INTO ${ident(table)} (${columns}) SELECT ${columns} FROM json_populate_record(NULL::${ident(table)}, $1::json)`;
};

async function seedTenant(label: string): Promise<string> {
  const { account, user: owner } = await makeAccount(db, { name: `Tenant ${label}` });
  await makeUser(db, { accountId: account.id, role: 'member' });
  await makeInvitation(db, { accountId: account.id, invitedByUserId: owner.id });
  const page = await makePage(db, { accountId: account.id });
  await makeLead(db, { accountId: account.id, pageId: page.id });
  const lead = await makeLead(db, { accountId: account.id, pageId: page.id, fullName: 'John Smith' });
  // Presence and intake rows, written as the tenant (the suite checks isolation, not services).
  const id = () => crypto.randomUUID();
  const templateId = id();
  const [webhookId, deliveryId, contactId, groupId, importId] = [id(), id(), id(), id(), id()];
  await withTenant(db, account.id, async (_tx, client) => {
    const a = account.id;
    const statements: [string, unknown[]][] = [
      [
        'INSERT INTO branding (account_id, id, display_name) VALUES ($1, $2, $3)',
        [a, id(), `Agent ${label}`],
      ],
      [
        'INSERT INTO testimonials (account_id, id, author_name, quote) VALUES ($1, $2, $3, $4)',
        [a, id(), 'Pat', 'Great'],
      ],
      [
        `INSERT INTO domains (account_id, id, hostname, provider) VALUES ($1, $2, $3, 'dev')`,
        [a, id(), `homes-${label.toLowerCase()}-${id().slice(0, 8)}.example.com`],
      ],
      [
        'INSERT INTO page_stats_daily (account_id, id, page_id, day, views) VALUES ($1, $2, $3, current_date, 1)',
        [a, id(), page.id],
      ],
      [
        `INSERT INTO page_visitors (account_id, page_id, day, visitor_hash) VALUES ($1, $2, current_date, 'h')`,
        [a, page.id],
      ],
      [
        `INSERT INTO lead_consents (account_id, id, lead_id, page_id, given, consent_text, text_hash)
         VALUES ($1, $2, $3, $4, true, 'I agree', 'hash')`,
        [a, id(), lead.id, page.id],
      ],
      ['INSERT INTO blocked_ips (account_id, id, network) VALUES ($1, $2, $3)', [a, id(), '192.0.2.1/32']],
      [
        `INSERT INTO templates (account_id, id, channel, kind, subject, body)
         VALUES ($1, $2, 'email', 'autoresponder', 'Thanks', 'Hi {{lead.firstName}}')`,
        [a, templateId],
      ],
      [
        `INSERT INTO messages (account_id, id, lead_id, channel, kind, to_address, from_address, body, template_id,
           status, idempotency_key)
         VALUES ($1, $2, $3, 'email', 'autoresponder', 'lead@example.test', 'agent@example.test', 'Hi', $4, 'sent', $5)`,
        [a, id(), lead.id, templateId, id()],
      ],
      [
        `INSERT INTO suppressions (account_id, id, channel, address, reason) VALUES ($1, $2, 'email', $3, 'unsubscribe')`,
        [a, id(), 'gone@example.test'],
      ],
      [
        `INSERT INTO calls (account_id, id, lead_id, direction, kind, from_number, to_number, status, idempotency_key)
         VALUES ($1, $2, $3, 'outbound', 'voice_callback', '+15550100001', '+15550100002', 'completed', $4)`,
        [a, id(), lead.id, id()],
      ],
      [
        `INSERT INTO phone_verifications (account_id, id, phone_e164, code_hash, expires_at)
         VALUES ($1, $2, '+15125550100', 'hash', now() + interval '10 minutes')`,
        [a, id()],
      ],
      [
        `INSERT INTO provider_credentials (account_id, id, provider, key_name, ciphertext, wrapped_key, key_version)
         VALUES ($1, $2, 'openai', 'api_key', '\\x01'::bytea, '\\x01'::bytea, 1)`,
        [a, id()],
      ],
      [
        `INSERT INTO ai_runs (account_id, id, agent, action, provider, result) VALUES ($1, $2, 'lead_scorer', 'score_lead', 'openai', 'running')`,
        [a, id()],
      ],
      [
        `INSERT INTO subscriptions (account_id, id, stripe_subscription_id, stripe_customer_id, status, last_event_at, last_event_id)
         VALUES ($1, $2, $3, 'cus_test', 'active', now(), 'evt_test')`,
        [a, id(), `sub_${id()}`],
      ],
      [`INSERT INTO billing_events (account_id, id, type) VALUES ($1, $2, 'plan.changed')`, [a, id()]],
      [`INSERT INTO credit_wallets (account_id, id, balance) VALUES ($1, $2, 10)`, [a, id()]],
      [
        `INSERT INTO credit_ledger (account_id, id, kind, credits, balance_after) VALUES ($1, $2, 'grant', 10, 10)`,
        [a, id()],
      ],
      [
        `INSERT INTO phone_numbers (account_id, id, e164, provider) VALUES ($1, $2, $3, 'twilio')`,
        [a, id(), `+1555${String(crypto.randomInt(0, 10_000_000)).padStart(7, '0')}`],
      ],
      [
        `INSERT INTO idempotency_keys (account_id, id, scope, key, request_hash) VALUES ($1, $2, 'test', $3, 'h')`,
        [a, id(), id()],
      ],
      [
        `INSERT INTO intake_rate_limits (account_id, bucket, window_start, hits) VALUES ($1, 'ip:test', now(), 1)`,
        [a],
      ],
      [
        `INSERT INTO webhooks (account_id, id, url, events, secret_ciphertext, secret_wrapped_key, secret_key_version)
         VALUES ($1, $2, 'https://hooks.example.test/in', '{lead.created}', '\\x01'::bytea, '\\x01'::bytea, 1)`,
        [a, webhookId],
      ],
      [
        `INSERT INTO webhook_deliveries (account_id, id, webhook_id, message_id, event, payload)
         VALUES ($1, $2, $3, $4, 'lead.created', '{}')`,
        [a, deliveryId, webhookId, `msg_${id()}`],
      ],
      [
        `INSERT INTO webhook_attempts (account_id, id, delivery_id, attempt, status_code) VALUES ($1, $2, $3, 1, 200)`,
        [a, id(), deliveryId],
      ],
      [`INSERT INTO contacts (account_id, id, full_name) VALUES ($1, $2, 'Sam Sphere')`, [a, contactId]],
      [`INSERT INTO contact_groups (account_id, id, name) VALUES ($1, $2, 'Sphere')`, [a, groupId]],
      [
        `INSERT INTO contact_group_members (account_id, group_id, contact_id) VALUES ($1, $2, $3)`,
        [a, groupId, contactId],
      ],
      [`INSERT INTO imports (account_id, id, kind) VALUES ($1, $2, 'leads')`, [a, importId]],
      [
        `INSERT INTO import_rows (account_id, import_id, row_number, data) VALUES ($1, $2, 2, '{}')`,
        [a, importId],
      ],
    ];
    for (const [text, values] of statements) await client.query(text, values);
  });
  // Add a row here for every new tenant table (the fixture check below names the table).
  return account.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  tables = await listTenantTables(db);

  const pk = await db.query<{ table: string; column: string; type: string }>(
    `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type
     FROM pg_index i
     JOIN pg_class c ON c.oid = i.indrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
     JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord) ON true
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
     WHERE i.indisprimary AND c.relname = ANY($1::text[])
     ORDER BY c.relname, k.ord`,
    [tables],
  );
  const writable = await db.query<{ table: string; columns: string[] }>(
    `SELECT c.relname AS table, array_agg(a.attname::text ORDER BY a.attnum) AS columns
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
     WHERE c.relname = ANY($1::text[]) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
     GROUP BY c.relname`,
    [tables],
  );
  for (const r of writable.rows) writableColumns.set(r.table, r.columns.map(ident).join(', '));
  for (const r of pk.rows) {
    primaryKeys.set(r.table, [...(primaryKeys.get(r.table) ?? []), { name: r.column, type: r.type }]);
  }

  const fk = await db.query<ForeignKey>(
    `SELECT con.conname AS name, c.relname AS child, p.relname AS parent,
       array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS "childCols",
       array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS "parentCols"
     FROM pg_constraint con
     JOIN pg_class c ON c.oid = con.conrelid
     JOIN pg_class p ON p.oid = con.confrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
     JOIN pg_namespace pn ON pn.oid = p.relnamespace AND pn.nspname = 'public'
     WHERE con.contype = 'f' AND c.relname = ANY($1::text[]) AND p.relname = ANY($1::text[])
     ORDER BY con.conname`,
    [tables],
  );
  foreignKeys = fk.rows;

  A = await seedTenant('A');
  B = await seedTenant('B');

  // One row per tenant per table, read as that tenant.
  for (const accountId of [A, B]) {
    await withTenant(db, accountId, async (_tx, client) => {
      for (const table of tables) {
        const key = primaryKeys.get(table);
        if (!key?.length) continue;
        const order = key.map((c) => ident(c.name)).join(', ');
        const { rows } = await client.query<{ row: string }>(
          `SELECT row_to_json(x)::text AS row FROM ${ident(table)} x WHERE account_id = $1 ORDER BY ${order} LIMIT 1`,
          [accountId],
        );
        if (!rows[0]) continue;
        const row = JSON.parse(rows[0].row) as Json;
        fixtures.set(`${table}:${accountId}`, { key: key.map((c) => row[c.name]), row, text: rows[0].row });
      }
    });
  }
});

afterAll(async () => db?.destroy());

describe('tenant isolation', () => {
  it('finds the tenant tables in the catalog', () => {
    expect(tables).toEqual(
      expect.arrayContaining(['capture_pages', 'lead_events', 'leads', 'memberships', 'usage_counters']),
    );
  });

  it('passes the catalog audit', async () => {
    expect(await auditTenancy(db)).toEqual([]);
  });

  it('has a primary key on every tenant table, led by account_id', () => {
    for (const table of tables) expect(primaryKey(table)[0]?.name, `table ${table}`).toBe('account_id');
  });

  it('has a fixture row for both tenants in every tenant table', () => {
    const missing = tables.flatMap((table) =>
      [A, B]
        .filter((id) => !fixtures.has(`${table}:${id}`))
        .map((id) => `${table} (${id === A ? 'A' : 'B'})`),
    );
    expect(
      missing,
      `table(s) ${missing.join(', ')} have no fixture: add a factory call in test/tenancy.test.ts`,
    ).toEqual([]);
  });

  it("hides B's rows from A", async () => {
    for (const table of tables) {
      const b = fixture(table, B);
      await withTenant(db, A, async (_tx, client) => {
        const byKey = await client.query(`SELECT 1 FROM ${ident(table)} WHERE ${keyWhere(table)}`, b.key);
        expect(byKey.rows, `${table}: B's row by primary key, as A`).toHaveLength(0);
        const byAccount = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${ident(table)} WHERE account_id = $1`,
          [B],
        );
        expect(byAccount.rows[0]?.n, `${table}: B's rows by account_id, as A`).toBe(0);
        const others = await client.query<{ n: number; mine: number }>(
          `SELECT count(*)::int AS n, count(*) FILTER (WHERE account_id = $1)::int AS mine FROM ${ident(table)}`,
          [A],
        );
        expect(others.rows[0]?.n, `${table}: A sees only its own rows`).toBe(others.rows[0]?.mine);
        expect(others.rows[0]?.n, `${table}: A sees its own rows`).toBeGreaterThan(0);
      });
    }
  });

  it("lets A neither update nor delete B's rows", async () => {
    for (const table of tables) {
      const b = fixture(table, B);
      const update = `UPDATE ${ident(table)} SET account_id = account_id WHERE ${keyWhere(table)}`;
      const remove = `DELETE FROM ${ident(table)} WHERE ${keyWhere(table)}`;
      if ((APPEND_ONLY_TABLES as readonly string[]).includes(table)) {
        // The app role may not change an append-only table at all.
        expect(await errorCode(withTenant(db, A, (_tx, c) => c.query(update, b.key))), table).toBe('42501');
        expect(await errorCode(withTenant(db, A, (_tx, c) => c.query(remove, b.key))), table).toBe('42501');
      } else {
        await withTenant(db, A, async (_tx, client) => {
          const updated = await client.query(update, b.key);
          expect(updated.rowCount, `${table}: UPDATE of B's row, as A`).toBe(0);
          const deleted = await client.query(remove, b.key);
          expect(deleted.rowCount, `${table}: DELETE of B's row, as A`).toBe(0);
        });
      }
      const after = await withTenant(db, B, (_tx, client) => readRow(client, table, b.key));
      expect(after, `${table}: B's row after A's UPDATE/DELETE`).toBe(b.text);
    }
  });

  it('rejects a row written by A for B (WITH CHECK)', async () => {
    for (const table of tables) {
      const a = fixture(table, A);
      const insert = withTenant(db, A, (_tx, client) =>
        client.query(insertCopySql(table), [copyFor(table, a.row, B)]),
      );
      expect(await errorCode(insert), `${table}: INSERT of a row for B, as A`).toBe('42501');

      const params = a.key.map((_v, i) => `$${i + 2}`);
      const move = withTenant(db, A, (_tx, client) =>
        client.query(
          `UPDATE ${ident(table)} SET account_id = $1 WHERE ${primaryKey(table)
            .map((c, i) => `${ident(c.name)} = ${params[i]}`)
            .join(' AND ')}`,
          [B, ...a.key],
        ),
      );
      expect(await errorCode(move), `${table}: UPDATE of A's row to account B, as A`).toBe('42501');
      const after = await withTenant(db, A, (_tx, client) => readRow(client, table, a.key));
      expect(after, `${table}: A's row after the rejected writes`).toBe(a.text);
    }
  });

  it('shows no tenant rows, and takes no tenant writes, with no tenant set', async () => {
    for (const table of tables) {
      const a = fixture(table, A);
      const count = await withSystem(db, 'test: tenancy suite', async (_tx, client) => {
        const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ident(table)}`);
        return rows[0]?.n;
      });
      expect(count, `${table}: rows visible with no tenant set`).toBe(0);
      const insert = withSystem(db, 'test: tenancy suite', (_tx, client) =>
        client.query(insertCopySql(table), [copyFor(table, a.row, A)]),
      );
      expect(await errorCode(insert), `${table}: INSERT with no tenant set`).toBe('42501');
    }
  });

  it('refuses a reference from one tenant to another through every foreign key', async () => {
    for (const fk of foreignKeys) {
      const label = `${fk.name} (${fk.child} → ${fk.parent})`;
      const pairs = fk.childCols.map((c, i) => ({ child: c, parent: fk.parentCols[i]! }));
      expect(
        pairs.some((p) => p.child === 'account_id' && p.parent === 'account_id'),
        `${label}: pairs account_id with account_id`,
      ).toBe(true);
      const child = fixture(fk.child, A);
      const parent = fixture(fk.parent, B);
      const targets = pairs.filter((p) => p.child !== 'account_id');
      const set = targets.map((p, i) => `${ident(p.child)} = $${i + 1}`).join(', ');
      // An append-only table takes no UPDATE at all: a new row pointing at B's parent instead.
      const appendOnly = (APPEND_ONLY_TABLES as readonly string[]).includes(fk.child);
      const pointed = {
        ...child.row,
        ...Object.fromEntries(targets.map((p) => [p.child, parent.row[p.parent]])),
      };
      const update = withTenant(db, A, (_tx, client) =>
        appendOnly
          ? client.query(insertCopySql(fk.child), [copyFor(fk.child, pointed, A)])
          : client.query(
              `UPDATE ${ident(fk.child)} SET ${set} WHERE ${keyWhere(fk.child, targets.length + 1)}`,
              [...targets.map((p) => parent.row[p.parent]), ...child.key],
            ),
      );
      const refused = await refusal(update);
      expect(refused.code, `${label}: A's row pointed at B's parent`).toBe('23503');
      expect(refused.message, `${label}: refused by this foreign key`).toContain(`"${fk.name}"`);
    }
  });
});

describe('the audit', () => {
  class Rollback extends Error {}

  async function findingsAfter(ddl: string) {
    let findings: Awaited<ReturnType<typeof auditTenancyWith>> = [];
    // An empty setup runs as the connecting owner; the throw rolls the DDL back.
    const work = db.transaction('', async (_tx, client) => {
      await client.query(ddl);
      findings = await auditTenancyWith(client);
      throw new Rollback();
    });
    await expect(work).rejects.toBeInstanceOf(Rollback);
    return findings;
  }

  it('reports a tenant table whose policy was dropped', async () => {
    const findings = await findingsAfter('DROP POLICY tenant_isolation ON leads');
    expect(findings).toContainEqual(
      expect.objectContaining({ check: 'tenant table without a tenant policy', object: 'leads' }),
    );
    expect(await auditTenancy(db)).toEqual([]);
  });

  it('reports a tenant table whose row-level security is no longer forced', async () => {
    const findings = await findingsAfter('ALTER TABLE leads NO FORCE ROW LEVEL SECURITY');
    expect(findings).toContainEqual(
      expect.objectContaining({ check: 'tenant table without RLS enabled and forced', object: 'leads' }),
    );
    expect(await auditTenancy(db)).toEqual([]);
  });

  it('reports an app role that could bypass RLS (start-up refuses to run on any finding)', async () => {
    const findings = await findingsAfter('ALTER ROLE porchlight_app BYPASSRLS');
    expect(findings).toContainEqual(
      expect.objectContaining({ check: 'app role owns, can bypass or inherits', object: 'porchlight_app' }),
    );
  });

  it('reports an app role that is a member of another role (it could SET ROLE to it)', async () => {
    const probe = `porchlight_probe_${crypto.randomBytes(4).toString('hex')}`;
    const findings = await findingsAfter(`CREATE ROLE ${probe} NOLOGIN; GRANT ${probe} TO porchlight_app`);
    expect(findings).toContainEqual(
      expect.objectContaining({ check: 'app role owns, can bypass or inherits', object: 'porchlight_app' }),
    );
  });

  it('reports a second policy on a tenant table that pins neither tenant nor user', async () => {
    const findings = await findingsAfter('CREATE POLICY everyone ON leads FOR SELECT USING (true)');
    expect(findings).toContainEqual(
      expect.objectContaining({
        check: 'tenant table policy that pins neither tenant nor user',
        object: 'leads.everyone',
      }),
    );
  });

  it('reports a search role that could do more than its search functions', async () => {
    const grants = await findingsAfter(
      'GRANT INSERT ON leads TO porchlight_search; GRANT SELECT ON lead_events TO porchlight_search',
    );
    const check = 'search role can do more than search';
    expect(grants).toContainEqual(expect.objectContaining({ check, object: 'leads' }));
    expect(grants).toContainEqual(expect.objectContaining({ check, object: 'lead_events' }));
    const member = await findingsAfter('GRANT porchlight_search TO porchlight_app');
    expect(member).toContainEqual(expect.objectContaining({ check, object: 'porchlight_app' }));
    const owned = await findingsAfter(
      `CREATE FUNCTION porchlight_all_leads() RETURNS SETOF uuid LANGUAGE sql SECURITY DEFINER
         AS 'SELECT id FROM leads'; ALTER FUNCTION porchlight_all_leads() OWNER TO porchlight_search`,
    );
    expect(owned).toContainEqual(expect.objectContaining({ check, object: 'porchlight_all_leads()' }));
    const login = await findingsAfter('ALTER ROLE porchlight_search LOGIN');
    expect(login).toContainEqual(expect.objectContaining({ check, object: 'porchlight_search' }));
  });

  it('reports a new table without protection, and a global table granted too much', async () => {
    const findings = await findingsAfter(
      'CREATE TABLE notes_without_rls (account_id uuid NOT NULL, id uuid, PRIMARY KEY (account_id, id)); ' +
        'GRANT DELETE ON plans TO porchlight_app',
    );
    expect(findings).toContainEqual(
      expect.objectContaining({
        check: 'tenant table without RLS enabled and forced',
        object: 'notes_without_rls',
      }),
    );
    expect(findings).toContainEqual(
      expect.objectContaining({ check: 'app role granted too much', object: 'plans', detail: 'DELETE' }),
    );
  });
});

describe('search', () => {
  it("finds a lead by trigram similarity, within the tenant's own leads", async () => {
    const found = await withTenant(db, A, async (_tx, client) => {
      const { rows } = await client.query<{ account_id: string; full_name: string }>(
        `SELECT account_id, full_name FROM leads
         WHERE account_id = $1 AND similarity(full_name, $2) > 0.3 ORDER BY similarity(full_name, $2) DESC`,
        [A, 'Jon Smith'],
      );
      return rows;
    });
    expect(found).toEqual([{ account_id: A, full_name: 'John Smith' }]);
  });
});

describe('global tables', () => {
  it("lets A read every account but change or delete only its own, never B's", async () => {
    const count = (sql: string, params: unknown[]) =>
      withTenant(db, A, async (_tx, client) => (await client.query(sql, params)).rowCount);
    expect(await count('SELECT 1 FROM accounts WHERE id = $1', [B])).toBe(1);
    expect(await count(`UPDATE accounts SET plan_code = 'team' WHERE id = $1`, [B])).toBe(0);
    expect(await count(`UPDATE accounts SET name = name WHERE id = $1`, [A])).toBe(1);
    expect(await errorCode(count('DELETE FROM accounts WHERE id = $1', [B]))).toBe('42501');
    expect(await errorCode(count('DELETE FROM accounts WHERE id = $1', [A]))).toBe('42501');
    const bLeads = await withTenant(db, B, async (_tx, client) => {
      return (await client.query('SELECT 1 FROM leads WHERE account_id = $1', [B])).rowCount;
    });
    expect(bLeads).toBeGreaterThan(0);
  });

  it("hides B's users from A, and lets no tenant change or delete a user", async () => {
    const bUsers = await withTenant(db, B, async (_tx, client) => {
      const { rows } = await client.query<{ user_id: string }>(
        'SELECT user_id FROM memberships WHERE account_id = $1',
        [B],
      );
      return rows.map((r) => r.user_id);
    });
    expect(bUsers.length).toBeGreaterThan(0);
    const seenByA = await withTenant(db, A, async (_tx, client) => {
      const all = await client.query('SELECT id FROM users WHERE id = ANY ($1::uuid[])', [bUsers]);
      const own = await client.query(
        'SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.account_id = $1',
        [A],
      );
      const updated = await client.query(`UPDATE users SET password_hash = 'x' WHERE id = ANY ($1::uuid[])`, [
        bUsers,
      ]);
      return { all: all.rowCount, own: own.rowCount, updated: updated.rowCount };
    });
    expect(seenByA).toEqual({ all: 0, own: 2, updated: 0 });
    const deleteOwn = withTenant(db, A, (_tx, client) => client.query('DELETE FROM users'));
    expect(await errorCode(deleteOwn)).toBe('42501');
  });

  it('lets a tenant read the plan catalogue and change none of it (only the system path edits it)', async () => {
    const plans = await withTenant(
      db,
      A,
      async (_tx, client) => (await client.query('SELECT code FROM plans')).rowCount,
    );
    expect(plans).toBe(4);
    // Platform admins edit it on the system path; a tenant's UPDATE reaches no row.
    const updated = await withTenant(db, A, (_tx, client) =>
      client.query('UPDATE plans SET price_month_cents = 0'),
    );
    expect(updated.rowCount).toBe(0);
    const free = await withTenant(
      db,
      A,
      async (_tx, client) => (await client.query('SELECT 1 FROM plans WHERE price_month_cents = 0')).rowCount,
    );
    expect(free).toBe(1); // the trial only
    const insert = withTenant(db, A, (_tx, client) =>
      client.query(`INSERT INTO plans (code, name, price_month_cents, price_year_cents, limits, features)
                    VALUES ('x', 'X', 0, 0, '{}', '{}')`),
    );
    expect(await errorCode(insert)).toBe('42501');
  });

  it('lets a tenant claim and release only its own host names, page routes and number routes, and edit none', async () => {
    for (const table of ['hostnames', 'page_routes', 'phone_number_routes'] as const) {
      const keyCol = { hostnames: 'hostname', page_routes: 'page_id', phone_number_routes: 'e164' }[table];
      const key = (owner: string) =>
        table === 'hostnames'
          ? `${owner.slice(0, 8)}-${crypto.randomUUID().slice(0, 8)}.example.org`
          : table === 'phone_number_routes'
            ? `+1555${String(crypto.randomInt(0, 10_000_000)).padStart(7, '0')}`
            : crypto.randomUUID();
      const insert = (owner: string, k: string) =>
        table === 'hostnames'
          ? `INSERT INTO hostnames (hostname, account_id, domain_id) VALUES ('${k}', '${owner}', gen_random_uuid())`
          : table === 'phone_number_routes'
            ? `INSERT INTO phone_number_routes (e164, account_id, phone_number_id) VALUES ('${k}', '${owner}', gen_random_uuid())`
            : `INSERT INTO page_routes (page_id, account_id) VALUES ('${k}', '${owner}')`;
      const bKey = key(B);
      await withTenant(db, B, (_tx, client) => client.query(insert(B, bKey)));
      // A cannot claim one for B, nor release or edit B's; everyone can read (routing).
      expect(await errorCode(withTenant(db, A, (_tx, c) => c.query(insert(B, key(B))))), table).toBe('42501');
      const removed = await withTenant(db, A, (_tx, c) =>
        c.query(`DELETE FROM ${table} WHERE ${keyCol} = $1`, [bKey]),
      );
      expect(removed.rowCount, table).toBe(0);
      const edit = withTenant(db, A, (_tx, c) =>
        c.query(`UPDATE ${table} SET account_id = $1 WHERE ${keyCol} = $2`, [A, bKey]),
      );
      expect(await errorCode(edit), table).toBe('42501');
      const seen = await withSystem(db, 'test: routing', (_tx, c) =>
        c.query(`SELECT account_id FROM ${table} WHERE ${keyCol} = $1`, [bKey]),
      );
      expect(seen.rows, table).toEqual([{ account_id: B }]);
      const own = await withTenant(db, B, (_tx, c) =>
        c.query(`DELETE FROM ${table} WHERE ${keyCol} = $1`, [bKey]),
      );
      expect(own.rowCount, table).toBe(1);
    }
  });

  it("refuses assigning A's lead to a user who is not a member of A", async () => {
    const bOwner = await withTenant(db, B, async (_tx, client) => {
      const { rows } = await client.query<{ user_id: string }>(
        `SELECT user_id FROM memberships WHERE account_id = $1 AND role = 'owner'`,
        [B],
      );
      return rows[0]!.user_id;
    });
    const assign = withTenant(db, A, (_tx, client) =>
      client.query('UPDATE leads SET assigned_user_id = $2 WHERE account_id = $1', [A, bOwner]),
    );
    expect(await errorCode(assign)).toBe('23503');
  });
});

describe('identity tables', () => {
  async function ownerOf(accountId: string): Promise<string> {
    return withTenant(db, accountId, async (_tx, client) => {
      const { rows } = await client.query<{ user_id: string }>(
        `SELECT user_id FROM memberships WHERE account_id = $1 AND role = 'owner'`,
        [accountId],
      );
      return rows[0]!.user_id;
    });
  }

  it('keeps sessions, sign-in attempts and tokens away from every tenant: system path only', async () => {
    const user = await ownerOf(A);
    const rows: [string, string, unknown[]][] = [
      [
        'sessions',
        `INSERT INTO sessions (id, token_hash, user_id, active_account_id, expires_at)
         VALUES ($1, $2, $3, $4, now() + interval '1 day')`,
        [crypto.randomUUID(), crypto.randomBytes(32).toString('hex'), user, A],
      ],
      [
        'login_attempts',
        'INSERT INTO login_attempts (id, email, ip_hash, success) VALUES ($1, $2, $3, false)',
        [crypto.randomUUID(), 'someone@example.test', 'abc'],
      ],
      [
        'password_reset_tokens',
        `INSERT INTO password_reset_tokens (id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, now())`,
        [crypto.randomUUID(), user, crypto.randomBytes(32).toString('hex')],
      ],
      [
        'email_verification_tokens',
        `INSERT INTO email_verification_tokens (id, user_id, email, token_hash, expires_at)
         VALUES ($1, $2, 'x@example.test', $3, now())`,
        [crypto.randomUUID(), user, crypto.randomBytes(32).toString('hex')],
      ],
    ];
    for (const [table, insert, params] of rows) {
      await withSystem(db, 'test: seed', (_tx, client) => client.query(insert, params));
      const seenBySystem = await withSystem(
        db,
        'test',
        async (_tx, c) => (await c.query(`SELECT 1 FROM ${table}`)).rowCount,
      );
      expect(seenBySystem, table).toBeGreaterThan(0);
      const seenByA = await withTenant(
        db,
        A,
        async (_tx, c) => (await c.query(`SELECT 1 FROM ${table}`)).rowCount,
      );
      expect(seenByA, table).toBe(0);
      const fresh = [crypto.randomUUID(), ...params.slice(1)];
      if (table !== 'login_attempts')
        fresh[table === 'sessions' ? 1 : 2] = crypto.randomBytes(32).toString('hex');
      expect(await errorCode(withTenant(db, A, (_tx, c) => c.query(insert, fresh))), table).toBe('42501');
    }
  });

  it('shows a tenant only its own API keys, and lets it delete none', async () => {
    const insert = `INSERT INTO api_keys (id, account_id, name, prefix, key_hash) VALUES ($1, $2, 'k', $3, 'h')`;
    const prefix = () => crypto.randomBytes(6).toString('hex');
    for (const account of [A, B]) {
      await withSystem(db, 'test: seed keys', (_tx, c) =>
        c.query(insert, [crypto.randomUUID(), account, prefix()]),
      );
    }
    const seen = await withTenant(db, A, async (_tx, c) => {
      const { rows } = await c.query<{ account_id: string }>('SELECT account_id FROM api_keys');
      const updated = await c.query(`UPDATE api_keys SET name = 'x' WHERE account_id = $1`, [B]);
      return { accounts: [...new Set(rows.map((r) => r.account_id))], updated: updated.rowCount };
    });
    expect(seen).toEqual({ accounts: [A], updated: 0 });
    const forB = withTenant(db, A, (_tx, c) => c.query(insert, [crypto.randomUUID(), B, prefix()]));
    expect(await errorCode(forB)).toBe('42501');
    const remove = withTenant(db, A, (_tx, c) => c.query('DELETE FROM api_keys WHERE account_id = $1', [A]));
    expect(await errorCode(remove)).toBe('42501');
  });

  it('keeps the audit log append-only for the app role', async () => {
    const count = await withTenant(db, A, async (_tx, c) => {
      return (
        await c.query(`SELECT 1 FROM audit_log WHERE account_id = $1 AND action = 'account.signed_up'`, [A])
      ).rowCount;
    });
    expect(count).toBe(1);
    const update = withTenant(db, A, (_tx, c) => c.query(`UPDATE audit_log SET action = 'auth.logged_out'`));
    expect(await errorCode(update)).toBe('42501');
    const remove = withTenant(db, A, (_tx, c) => c.query('DELETE FROM audit_log'));
    expect(await errorCode(remove)).toBe('42501');
  });
});
