import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { asSession, type SignedUp, signUp, useTestApp } from '../../../test/http.ts';
import { testConfig } from '../../config.ts';
import { createLogger } from '../../platform/logger.ts';
import { parseEncryptionKeys, SecretError } from '../../platform/secrets.ts';
import { readCredentials, rotateCredentials } from './credentials.service.ts';

/** Everything the app logs in these tests, to search for secrets. */
const logLines: string[] = [];
const config = testConfig({ LOG_LEVEL: 'trace' });
const t = useTestApp({
  config,
  logger: createLogger('trace', { write: (line: string) => void logLines.push(line) }),
});
const keyring = parseEncryptionKeys(config.encryptionKeys!);
/** A second master key, and the keyring that has both (rotation). */
const v2 = `2:${crypto.randomBytes(32).toString('base64')}`;
const both = parseEncryptionKeys(`${config.encryptionKeys},${v2}`);
const as = (p: SignedUp) => asSession(t.app, p.cookie);

/** A secret no other test writes: found anywhere, it leaked. */
const canary = () => `sk-canary-${crypto.randomBytes(12).toString('hex')}`;
const secretsUsed: string[] = [];

async function save(p: SignedUp, provider: string, keys: Record<string, string>) {
  secretsUsed.push(...Object.values(keys));
  return as(p)('PUT', `/api/v1/credentials/${provider}`, { keys });
}

describe('provider credentials', () => {
  it('saves a provider’s keys sealed, answers only names and the last four, and opens them for the code that needs them', async () => {
    const owner = await signUp(t.app, 'creds');
    const secret = canary();
    const res = await save(owner, 'openai', { api_key: secret });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      provider: 'openai',
      keyNames: ['api_key'],
      last4: secret.slice(-4),
      verifiedAt: null,
    });
    expect(res.body).not.toContain(secret);
    const list = await as(owner)('GET', '/api/v1/credentials');
    expect(list.json().data).toEqual([res.json()]);
    expect(list.body).not.toContain(secret);
    expect(await readCredentials(t.db, keyring, owner.accountId, 'openai')).toEqual({ api_key: secret });

    // PUT replaces the whole set.
    const sid = `AC${crypto.randomBytes(16).toString('hex')}`;
    const token = canary();
    const twilio = await save(owner, 'twilio', { account_sid: sid, auth_token: token });
    expect(twilio.json()).toMatchObject({ keyNames: ['account_sid', 'auth_token'], last4: token.slice(-4) });
    const again = canary();
    await save(owner, 'openai', { api_key: again, organization: 'org-123456789012' });
    expect(await readCredentials(t.db, keyring, owner.accountId, 'openai')).toEqual({
      api_key: again,
      organization: 'org-123456789012',
    });
    expect(
      (await as(owner)('GET', '/api/v1/credentials'))
        .json()
        .data.map((c: { provider: string }) => c.provider),
    ).toEqual(['openai', 'twilio']);
  });

  it('answers 422 naming the key for a missing or unknown key, and for an unknown provider; writes nothing', async () => {
    const owner = await signUp(t.app, 'creds');
    const paths = async (provider: string, body: object) =>
      (await as(owner)('PUT', `/api/v1/credentials/${provider}`, body))
        .json()
        .errors?.map((e: { path: string }) => e.path);
    expect(await paths('twilio', { keys: { account_sid: 'AC1' } })).toEqual(['body.keys.auth_token']);
    expect(await paths('openai', { keys: { api_key: 'x', apiKey: 'y' } })).toEqual(['body.keys.apiKey']);
    expect(await paths('openai', { keys: { api_key: 'x', password: 'y' } })).toEqual(['body.keys.password']);
    expect(await paths('openai', { keys: { api_key: '   ' } })).toEqual(['body.keys.api_key']);
    expect(await paths('openai', { keys: {} })).toEqual(['body.keys']);
    expect(await paths('myspace', { keys: { api_key: 'x' } })).toEqual(['params.provider']);
    expect((await as(owner)('GET', '/api/v1/credentials')).json().data).toEqual([]);
  });

  it('is for admins: a member and an API key get 403', async () => {
    const owner = await signUp(t.app, 'creds');
    const { key } = (
      await as(owner)('POST', '/api/v1/api-keys', { name: 'k', scopes: ['account:read'] })
    ).json();
    for (const [method, url] of [
      ['GET', '/api/v1/credentials'],
      ['PUT', '/api/v1/credentials/openai'],
      ['DELETE', '/api/v1/credentials/openai'],
    ] as const) {
      const res = await t.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${key}` },
        ...(method === 'PUT' ? { payload: { keys: { api_key: 'x' } } } : {}),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
    }
  });

  it('deletes a provider’s keys (204), then answers 404', async () => {
    const owner = await signUp(t.app, 'creds');
    await save(owner, 'brevo', { api_key: canary() });
    expect((await as(owner)('DELETE', '/api/v1/credentials/brevo')).statusCode).toBe(204);
    expect((await as(owner)('DELETE', '/api/v1/credentials/brevo')).statusCode).toBe(404);
    expect(await readCredentials(t.db, keyring, owner.accountId, 'brevo')).toBeUndefined();
  });

  it('binds each sealed key to its account and key name: a row copied elsewhere does not open', async () => {
    const a = await signUp(t.app, 'creds-a');
    const b = await signUp(t.app, 'creds-b');
    await save(a, 'openai', { api_key: canary() });
    await save(b, 'openai', { api_key: canary() });
    await save(a, 'twilio', { account_sid: `AC${'1'.repeat(32)}`, auth_token: canary() });
    // As the tables' owner (no RLS): A's sealed key pasted over B's, and over A's other field.
    await t.db.query(
      `UPDATE provider_credentials SET ciphertext = src.ciphertext, wrapped_key = src.wrapped_key, key_version = src.key_version
         FROM provider_credentials src
        WHERE src.account_id = $1 AND src.provider = 'openai'
          AND provider_credentials.account_id = $2 AND provider_credentials.provider = 'openai'`,
      [a.accountId, b.accountId],
    );
    await expect(readCredentials(t.db, keyring, b.accountId, 'openai')).rejects.toBeInstanceOf(SecretError);
    await t.db.query(
      `UPDATE provider_credentials SET ciphertext = src.ciphertext, wrapped_key = src.wrapped_key
         FROM provider_credentials src
        WHERE src.account_id = $1 AND src.key_name = 'auth_token'
          AND provider_credentials.account_id = $1 AND provider_credentials.key_name = 'account_sid'`,
      [a.accountId],
    );
    await expect(readCredentials(t.db, keyring, a.accountId, 'twilio')).rejects.toBeInstanceOf(SecretError);
    // A tampered byte does not open either.
    await t.db.query(
      `UPDATE provider_credentials SET ciphertext = overlay(ciphertext placing '\\xff'::bytea from 40 for 1)
        WHERE account_id = $1 AND provider = 'openai'`,
      [a.accountId],
    );
    await expect(readCredentials(t.db, keyring, a.accountId, 'openai')).rejects.toBeInstanceOf(SecretError);

    // Rotation reports each record that does not open, by account and id, and re-wraps the rest.
    const report = await rotateCredentials(t.db, both);
    expect(report.failed.map((f) => f.accountId).sort()).toEqual(
      [a.accountId, a.accountId, b.accountId].sort(),
    );
    // Leave the database with keys that open, for the tests that follow.
    await t.db.query('DELETE FROM provider_credentials WHERE account_id = ANY($1::uuid[])', [
      [a.accountId, b.accountId],
    ]);
  });

  it('re-wraps every record under the newest master key with no failure; the old key is then not needed', async () => {
    const owners = [await signUp(t.app, 'rotate'), await signUp(t.app, 'rotate')];
    const expected = new Map<string, string>();
    for (const owner of owners) {
      const secret = canary();
      expected.set(owner.accountId, secret);
      await save(owner, 'sendgrid', { api_key: secret });
    }
    const report = await rotateCredentials(t.db, both);
    expect(report.failed).toEqual([]);
    expect(report.rewrapped).toBeGreaterThanOrEqual(2);
    const { rows } = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM provider_credentials WHERE key_version <> 2',
    );
    expect(rows[0]!.n).toBe(0);
    const onlyNew = parseEncryptionKeys(v2);
    for (const owner of owners) {
      expect(await readCredentials(t.db, onlyNew, owner.accountId, 'sendgrid')).toEqual({
        api_key: expected.get(owner.accountId),
      });
      await expect(readCredentials(t.db, keyring, owner.accountId, 'sendgrid')).rejects.toBeInstanceOf(
        SecretError,
      );
    }
    // Nothing left to do the second time.
    const again = await rotateCredentials(t.db, both);
    expect(again.rewrapped).toBe(0);
    expect(again.failed).toEqual([]);
  });

  it('leaves no secret in the database or the logs (canary scan of every column that holds text or bytes)', async () => {
    expect(secretsUsed.length).toBeGreaterThan(5);
    const { rows: columns } = await t.db.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'bytea', 'jsonb', 'json', 'USER-DEFINED')`,
    );
    expect(columns.some((c) => c.table_name === 'provider_credentials')).toBe(true);
    const canaries = secretsUsed.filter((s) => s.startsWith('sk-canary-'));
    for (const { table_name, column_name } of columns) {
      const { rows } = await t.db.query<{ v: string | null }>(
        `SELECT "${column_name}"::text AS v FROM "${table_name}"`,
      );
      for (const { v } of rows) {
        if (!v) continue;
        // bytea reads as \x<hex>: search the bytes too.
        const bytes = v.startsWith('\\x') ? Buffer.from(v.slice(2), 'hex').toString('latin1') : '';
        for (const secret of canaries) {
          expect(v.includes(secret) || bytes.includes(secret), `${table_name}.${column_name}`).toBe(false);
        }
      }
    }
    const logs = logLines.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of canaries) expect(logs).not.toContain(secret);
  });
});
