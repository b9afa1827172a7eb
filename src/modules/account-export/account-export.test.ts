import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { Writable } from 'node:stream';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { testEngine } from '../../../test/db.ts';
import { makeInvitation } from '../../../test/factories.ts';
import {
  asSession,
  cookieOf,
  SESSION_COOKIE,
  type SignedUp,
  signUp,
  useTestApp,
} from '../../../test/http.ts';
import { hashPassword } from '../../platform/passwords.ts';
import { createMember } from '../accounts/accounts.service.ts';
import { isWithheldColumn } from './account-export.repo.ts';
import { ArchiveAbortedError, writeAccountArchive } from './account-export.service.ts';

const t = useTestApp();

const call = (p: SignedUp) => asSession(t.app, p.cookie);

/** The tenant tables as the catalog has them (independent of the module's own query). */
async function catalogTenantTables(): Promise<string[]> {
  const { rows } = await t.db.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relforcerowsecurity
       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'account_id' AND NOT a.attisdropped)
     ORDER BY 1`,
  );
  return rows.map((r) => r.relname);
}

async function exportOf(p: SignedUp) {
  const res = await call(p)('GET', '/api/v1/account/export');
  expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
  const bytes = new Uint8Array(res.rawPayload);
  const files = Object.fromEntries(Object.entries(unzipSync(bytes)).map(([name, b]) => [name, strFromU8(b)]));
  const rows = (name: string) =>
    (files[name] ?? '')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { res, bytes, files, rows, manifest: JSON.parse(files['manifest.json']!) };
}

/** Some of everything: contacts in a group, leads, a note, an invitation, saved credentials. */
async function seed(p: SignedUp, tag: string) {
  const group = (await call(p)('POST', '/api/v1/contact-groups', { name: `Group ${tag}` })).json();
  const contact = (
    await call(p)('POST', '/api/v1/contacts', {
      fullName: `Contact ${tag}`,
      email: `${tag}@contacts.test`,
      groupIds: [group.id],
    })
  ).json();
  const lead = (
    await call(p)('POST', '/api/v1/leads', { email: `${tag}@leads.test`, fullName: `Lead ${tag}` })
  ).json();
  await call(p)('POST', `/api/v1/leads/${lead.id}/notes`, { body: `Note ${tag}` });
  return { group, contact, lead };
}

describe('account archive', () => {
  it('holds a JSON Lines file for every tenant table, with the rows of the account, and a manifest', async () => {
    const owner = await signUp(t.app, 'archive');
    const other = await signUp(t.app, 'archiveother');
    const mine = await seed(owner, `mine${crypto.randomBytes(3).toString('hex')}`);
    const theirs = await seed(other, `theirs${crypto.randomBytes(3).toString('hex')}`);

    const { res, files, rows, manifest } = await exportOf(owner);
    expect(res.headers['content-type']).toBe('application/zip');
    const day = new Date().toISOString().slice(0, 10);
    expect(res.headers['content-disposition']).toMatch(
      new RegExp(`^attachment; filename="porchlight-archive-[a-z0-9-]+-${day}\\.zip"$`),
    );

    const tables = await catalogTenantTables();
    expect(tables).toEqual(
      expect.arrayContaining(['leads', 'lead_events', 'contacts', 'audit_log', 'credit_ledger']),
    );
    for (const table of tables) expect(Object.keys(files), table).toContain(`${table}.jsonl`);
    expect(Object.keys(files).sort()).toEqual(
      [...tables.map((x) => `${x}.jsonl`), 'accounts.jsonl', 'users.jsonl', 'manifest.json'].sort(),
    );

    // Every count, in the manifest and in the file, is the database's (as the owner, past RLS).
    expect(manifest.tables.map((x: { name: string }) => x.name)).toEqual(tables);
    for (const entry of manifest.tables as { name: string; rows: number }[]) {
      const { rows: n } = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${entry.name}" WHERE account_id = $1`,
        [owner.accountId],
      );
      expect(entry.rows, entry.name).toBe(n[0]!.n);
      expect(rows(`${entry.name}.jsonl`), entry.name).toHaveLength(n[0]!.n);
      for (const row of rows(`${entry.name}.jsonl`)) expect(row.account_id).toBe(owner.accountId);
    }
    expect(manifest).toMatchObject({
      format: 'porchlight-account-archive',
      formatVersion: 1,
      accountId: owner.accountId,
      exportedAt: expect.any(String),
      schemaVersion: expect.stringMatching(/^\d{4}_/),
    });

    // The rows are the account's data, keyed by column name.
    expect(rows('contacts.jsonl')).toEqual([
      expect.objectContaining({
        id: mine.contact.id,
        email: mine.contact.email,
        full_name: mine.contact.fullName,
      }),
    ]);
    expect(rows('contact_group_members.jsonl')).toEqual([
      expect.objectContaining({ group_id: mine.group.id, contact_id: mine.contact.id }),
    ]);
    expect(rows('leads.jsonl').map((l) => l.id)).toEqual([mine.lead.id]);
    expect(rows('lead_events.jsonl').some((e) => JSON.stringify(e.payload).includes('Note'))).toBe(true);
    expect(rows('accounts.jsonl')).toEqual([expect.objectContaining({ id: owner.accountId })]);
    const users = rows('users.jsonl');
    expect(users).toEqual([expect.objectContaining({ id: owner.userId, email: owner.email })]);
    expect(Object.keys(users[0]!).sort()).toEqual([
      'created_at',
      'email',
      'email_verified_at',
      'id',
      'last_login_at',
      'name',
      'phone_e164',
      'photo_url',
      'updated_at',
    ]);
    expect(rows('audit_log.jsonl').map((a) => a.action)).toEqual(
      expect.arrayContaining(['account.signed_up', 'account.exported']),
    );

    // Nothing of the other account's.
    const everything = Object.values(files).join('\n');
    for (const foreign of [
      other.accountId,
      other.userId,
      other.email,
      theirs.contact.id,
      theirs.lead.id,
      theirs.group.id,
    ]) {
      expect(everything).not.toContain(foreign);
    }
  });

  it('withholds secrets: sealed values, hashes and stored idempotent answers never appear', async () => {
    const owner = await signUp(t.app, 'archivesecret');
    const canary = `canary-${crypto.randomBytes(12).toString('hex')}`;
    const put = await call(owner)('PUT', '/api/v1/credentials/openai', { keys: { api_key: `sk-${canary}` } });
    expect(put.statusCode, put.body).toBe(200);
    await makeInvitation(t.db, { accountId: owner.accountId });
    // Canaries planted where secrets live: a sealed column, a hash column, a stored answer.
    await t.db.query(
      `UPDATE provider_credentials SET ciphertext = convert_to($2, 'UTF8'), wrapped_key = convert_to($2, 'UTF8') WHERE account_id = $1`,
      [owner.accountId, `${canary}-sealed`],
    );
    await t.db.query('UPDATE invitations SET token_hash = $2 WHERE account_id = $1', [
      owner.accountId,
      `${canary}-hash`,
    ]);
    await t.db.query(
      `INSERT INTO idempotency_keys (account_id, id, scope, key, request_hash, status_code, response)
       VALUES ($1, $2, 'POST /api/v1/webhooks', 'k1', $3, 201, $4::jsonb)`,
      [
        owner.accountId,
        crypto.randomUUID(),
        `${canary}-request`,
        JSON.stringify({ secret: `whsec_${canary}` }),
      ],
    );
    const { bytes, files, rows, manifest } = await exportOf(owner);
    const hex = Buffer.from(canary).toString('hex');
    for (const [name, text] of [['(zip)', Buffer.from(bytes).toString('latin1')], ...Object.entries(files)]) {
      expect(text, name).not.toContain(canary);
      expect(text, name).not.toContain(hex);
    }
    const credential = rows('provider_credentials.jsonl')[0]!;
    expect(credential).toMatchObject({
      provider: 'openai',
      ciphertext: null,
      wrapped_key: null,
      last4: expect.any(String),
    });
    expect(rows('invitations.jsonl')[0]).toMatchObject({ token_hash: null, email: expect.any(String) });
    expect(rows('idempotency_keys.jsonl')[0]).toMatchObject({
      response: null,
      request_hash: null,
      key: 'k1',
    });
    const withheld = Object.fromEntries(
      (manifest.tables as { name: string; withheldColumns: string[] }[]).map((x) => [
        x.name,
        x.withheldColumns,
      ]),
    );
    expect(withheld.provider_credentials).toEqual(['ciphertext', 'wrapped_key']);
    expect(withheld.invitations).toEqual(['token_hash']);
    expect(withheld.leads).toEqual([]);
    expect(withheld.webhooks).toEqual(expect.arrayContaining(['secret_ciphertext', 'secret_wrapped_key']));
  });

  it('streams a big table in pages', async () => {
    const owner = await signUp(t.app, 'archivebig');
    await t.db.query(
      `INSERT INTO leads (account_id, id, source, status, email, full_name)
       SELECT $1, gen_random_uuid(), 'import', 'new', 'bulk' || g || '@example.test', 'Bulk ' || g
       FROM generate_series(1, 2000) g`,
      [owner.accountId],
    );
    const { rows, manifest } = await exportOf(owner);
    const leads = rows('leads.jsonl');
    expect(leads).toHaveLength(2000);
    expect(new Set(leads.map((l) => l.id)).size).toBe(2000);
    expect(manifest.tables.find((x: { name: string }) => x.name === 'leads').rows).toBe(2000);
  });

  it('stops, rolls back and frees the database when the reader goes away', async () => {
    const owner = await signUp(t.app, 'archiveabort');
    await t.db.query(
      `INSERT INTO leads (account_id, id, source, status, full_name)
       SELECT $1, gen_random_uuid(), 'import', 'new', repeat(md5(g::text), 40) FROM generate_series(1, 1500) g`,
      [owner.accountId],
    );
    let written = 0;
    // A reader that takes a little, then hangs up (as a browser that cancels the download).
    const out: Writable = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, done) {
        written += chunk.length;
        if (written > 4096) out.destroy();
        setImmediate(done);
      },
    });
    await expect(writeAccountArchive(t.db, owner.accountId, out, new Date())).rejects.toBeInstanceOf(
      ArchiveAbortedError,
    );
    // The transaction is gone: the database answers (PGlite has one session).
    expect((await call(owner)('GET', '/api/v1/contacts')).statusCode).toBe(200);
  });

  // PGlite only: on PostgreSQL the download holds one connection of the pool, by design.
  it.skipIf(testEngine !== 'pglite')(
    'a download its reader does not take keeps no other request waiting (PGlite), and leaves no file behind',
    { timeout: 120_000 },
    async () => {
      const owner = await signUp(t.app, 'archiveslow');
      // About 9 MB of zip: more than the stream's and the loopback socket's buffers hold.
      await t.db.query(
        `INSERT INTO leads (account_id, id, source, status, full_name)
       SELECT $1, gen_random_uuid(), 'import', 'new',
              md5(g::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) ||
              md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text)
       FROM generate_series(1, 40000) g`,
        [owner.accountId],
      );
      const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const get = (url: string) =>
        new Promise<http.IncomingMessage>((resolve, reject) => {
          http
            .get(`${address}${url}`, { headers: { cookie: `${SESSION_COOKIE}=${owner.cookie}` } }, resolve)
            .on('error', reject);
        });
      const before = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('porchlight-archive-'));
      // The reader asks and then reads nothing (a stalled browser): the response stays open.
      const stalled = await get('/api/v1/account/export');
      expect(stalled.statusCode).toBe(200);
      stalled.pause();
      // Meanwhile the app answers: the one session is not held by the download.
      const other = await Promise.race([
        get('/api/v1/contacts'),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('the app waited on the download')), 10_000),
        ),
      ]);
      expect(other.statusCode).toBe(200);
      other.resume();
      stalled.resume();
      const chunks: Buffer[] = [];
      for await (const chunk of stalled) chunks.push(chunk as Buffer);
      expect(Object.keys(unzipSync(new Uint8Array(Buffer.concat(chunks))))).toContain('manifest.json');
      await new Promise((r) => setTimeout(r, 100));
      const after = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('porchlight-archive-'));
      expect(after).toEqual(before);
    },
  );

  it('is for owners and admins: a member is refused with 403, and so is an API key without account:read', async () => {
    const owner = await signUp(t.app, 'archiveauth');
    const email = `member-${crypto.randomBytes(4).toString('hex')}@example.test`;
    const password = 'member password 1234';
    await createMember(t.db, owner.accountId, {
      email,
      name: 'A Member',
      passwordHash: await hashPassword(password),
      role: 'member',
    });
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
      remoteAddress: '198.18.0.77',
    });
    expect(login.statusCode, login.body).toBe(200);
    const member = asSession(t.app, cookieOf(login)!);
    const res = await member('GET', '/api/v1/account/export');
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);

    const { key } = (
      await call(owner)('POST', '/api/v1/api-keys', { name: 'k', scopes: ['leads:read'] })
    ).json();
    const keyed = await t.app.inject({
      method: 'GET',
      url: '/api/v1/account/export',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(keyed.statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/account/export' })).statusCode).toBe(401);
  });

  it('answers an API key with account:read, and audits who asked', async () => {
    const owner = await signUp(t.app, 'archivekey');
    const { id, key } = (
      await call(owner)('POST', '/api/v1/api-keys', { name: 'backup', scopes: ['account:read'] })
    ).json();
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/account/export',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    const files = unzipSync(new Uint8Array(res.rawPayload));
    const audit = strFromU8(files['audit_log.jsonl']!)
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    expect(audit).toContainEqual(
      expect.objectContaining({ action: 'account.exported', actor_api_key_id: id, actor_user_id: null }),
    );
    expect((await t.app.inject({ method: 'HEAD', url: '/api/v1/account/export' })).statusCode).toBe(404);
  });

  it('withholds columns by type and name', () => {
    expect(isWithheldColumn('webhooks', 'secret_ciphertext', 'bytea')).toBe(true);
    expect(isWithheldColumn('x', 'anything', 'bytea')).toBe(true);
    expect(isWithheldColumn('invitations', 'token_hash', 'text')).toBe(true);
    expect(isWithheldColumn('x', 'password', 'text')).toBe(true);
    expect(isWithheldColumn('idempotency_keys', 'response', 'jsonb')).toBe(true);
    expect(isWithheldColumn('ai_runs', 'input_tokens', 'integer')).toBe(false);
    expect(isWithheldColumn('leads', 'email', 'citext')).toBe(false);
  });
});
