import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { asSession, cookieOf, type SignedUp, signUp, useTestApp } from '../../../test/http.ts';
import { type Config, testConfig } from '../../config.ts';
import { withTenant } from '../../db/tenant.ts';
import { AppError } from '../../platform/errors.ts';
import { createLogger } from '../../platform/logger.ts';
import { parseEncryptionKeys } from '../../platform/secrets.ts';
import { fakeOpenAi } from '../../providers/ai/openai.fake.ts';
import { fakeBrevo } from '../../providers/email/brevo.fake.ts';
import { fakeSendgrid } from '../../providers/email/sendgrid.fake.ts';
import { fakeTwilio } from '../../providers/sms/twilio.fake.ts';
import { insertMembership } from '../accounts/accounts.repo.ts';
import type { CredentialProvider } from './credentials.schema.ts';
import { verifyCredentials } from './credentials.service.ts';
import { KEY_CHECKERS, type KeyCheckEndpoints } from './key-checks.ts';

/**
 * POST /api/v1/credentials/:provider/verify against local fakes of OpenAI, Brevo, SendGrid and
 * Twilio that check each request as the provider would. Every secret is a canary: found in an
 * answer or a log line, it leaked.
 */

const hex = (n: number) => crypto.randomBytes(n).toString('hex');
const OPENAI_KEY = `sk-canary-openai-${hex(16)}`;
const BREVO_KEY = `xkeysib-canary-${hex(24)}-${hex(4)}`;
const SENDGRID_KEY = `SG.canary${hex(8)}.${hex(20)}`;
const TWILIO_SID = `AC${hex(16)}`;
const TWILIO_TOKEN = `canary${hex(13)}`;
const WRONG = {
  openai: `sk-canary-wrong-${hex(16)}`,
  brevo: `xkeysib-canary-wrong-${hex(16)}`,
  sendgrid: `SG.canarywrong.${hex(20)}`,
  twilio: `canarywrong${hex(12)}`,
};
const CANARIES = [OPENAI_KEY, BREVO_KEY, SENDGRID_KEY, TWILIO_TOKEN, ...Object.values(WRONG)];

const openai = fakeOpenAi({ keys: [OPENAI_KEY] });
const brevo = fakeBrevo({ apiKeys: [BREVO_KEY] });
const sendgrid = fakeSendgrid({ apiKeys: [SENDGRID_KEY] });
const twilio = fakeTwilio({ accountSid: TWILIO_SID, authToken: TWILIO_TOKEN });
const fakes = { openai, brevo, sendgrid, twilio };

/** A port nothing listens on (a provider that is down). */
async function deadUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

// Registered before useTestApp's, so the app is built with the fakes' addresses.
beforeAll(async () => {
  await Promise.all(Object.values(fakes).map((f) => f.start()));
});
afterAll(async () => {
  await Promise.all(Object.values(fakes).map((f) => f.stop()));
});
afterEach(() => {
  // Each test takes out the refusals it caused; anything else was an unexpected call.
  for (const [name, fake] of Object.entries(fakes)) {
    expect(fake.unexpected, `unexpected requests to the fake ${name}`).toEqual([]);
  }
});

const logLines: string[] = [];
let config: Config;
const t = useTestApp({
  makeConfig: () => {
    config = testConfig({
      LOG_LEVEL: 'trace',
      OPENAI_API_URL: openai.url,
      BREVO_API_URL: brevo.url,
      SENDGRID_API_URL: sendgrid.url,
      TWILIO_API_URL: twilio.url,
    });
    return config;
  },
  logger: createLogger('trace', { write: (line: string) => void logLines.push(line) }),
});
const keyring = () => parseEncryptionKeys(config.encryptionKeys!);
/** Points the running app at another address for a provider (the route reads the config per request). */
function setEndpoint(provider: keyof KeyCheckEndpoints, url: string) {
  if (provider === 'openai') config.openaiApiUrl = url;
  else if (provider === 'twilio') config.sms.twilio.apiUrl = url;
  else config.email[provider].apiUrl = url;
}
const endpoints = (): KeyCheckEndpoints => ({
  openai: config.openaiApiUrl,
  brevo: config.email.brevo.apiUrl,
  sendgrid: config.email.sendgrid.apiUrl,
  twilio: config.sms.twilio.apiUrl,
});

/** Every answer the app gave in these tests, searched for canaries at the end. */
const answers: string[] = [];
const as = (p: SignedUp) => {
  const call = asSession(t.app, p.cookie);
  return async (...args: Parameters<typeof call>) => {
    const res = await call(...args);
    answers.push(JSON.stringify(res.headers), res.body);
    return res;
  };
};
const verify = (p: SignedUp, provider: string) => as(p)('POST', `/api/v1/credentials/${provider}/verify`);
const verifiedAt = async (p: SignedUp, provider: string) =>
  (
    (await as(p)('GET', '/api/v1/credentials')).json().data as {
      provider: string;
      verifiedAt: string | null;
    }[]
  ).find((c) => c.provider === provider)?.verifiedAt;

function expectProblem(res: LightMyRequestResponse, status: number, code: string, detail?: string | RegExp) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(res.json().code).toBe(code);
  if (typeof detail === 'string') expect(res.json().detail).toBe(detail);
  else if (detail) expect(res.json().detail).toMatch(detail);
}

/** Marks a provider's rows verified at a known time, as the tables' owner (a key checked earlier). */
async function markVerified(p: SignedUp, provider: string, at = '2026-01-02T03:04:05.000Z') {
  await t.db.query(
    'UPDATE provider_credentials SET verified_at = $3 WHERE account_id = $1 AND provider = $2',
    [p.accountId, provider, at],
  );
  return at;
}

type Supported = 'openai' | 'brevo' | 'sendgrid' | 'twilio';
const CASES: Record<
  Supported,
  {
    good: Record<string, string>;
    wrong: Record<string, string>;
    /** The request the check makes. */
    call: string;
    /** What the fake saw as the credentials of its last request, and what it should be. */
    lastAuth: () => string | undefined;
    auth: (keys: Record<string, string>) => string;
    /** The fake's note for the wrong key. */
    refusalNote: string;
    refused: string;
    label: string;
  }
> = {
  openai: {
    good: { api_key: OPENAI_KEY, organization: 'org-porchlight01' },
    wrong: { api_key: WRONG.openai },
    call: 'GET /v1/models',
    lastAuth: () => {
      const r = openai.requests.at(-1);
      return r && `Bearer ${r.apiKey}${r.organization ? ` ${r.organization}` : ''}`;
    },
    auth: (k) => `Bearer ${k.api_key}${k.organization ? ` ${k.organization}` : ''}`,
    refusalNote: 'GET /v1/models: api key wrong',
    refused: 'OpenAI refused this key',
    label: 'OpenAI',
  },
  brevo: {
    good: { api_key: BREVO_KEY },
    wrong: { api_key: WRONG.brevo },
    call: 'GET /v3/account',
    lastAuth: () => brevo.authSeen.at(-1),
    auth: (k) => k.api_key!,
    refusalNote: 'GET /v3/account: api-key wrong',
    refused: 'Brevo refused this key',
    label: 'Brevo',
  },
  sendgrid: {
    good: { api_key: SENDGRID_KEY },
    wrong: { api_key: WRONG.sendgrid },
    call: 'GET /v3/scopes',
    lastAuth: () => sendgrid.authSeen.at(-1),
    auth: (k) => `Bearer ${k.api_key}`,
    refusalNote: 'GET /v3/scopes: authorization wrong',
    refused: 'SendGrid refused this key',
    label: 'SendGrid',
  },
  twilio: {
    good: { account_sid: TWILIO_SID, auth_token: TWILIO_TOKEN },
    wrong: { account_sid: TWILIO_SID, auth_token: WRONG.twilio },
    call: `GET /2010-04-01/Accounts/${TWILIO_SID}.json`,
    lastAuth: () => twilio.authSeen.at(-1),
    auth: (k) => `Basic ${Buffer.from(`${k.account_sid}:${k.auth_token}`).toString('base64')}`,
    refusalNote: `GET /2010-04-01/Accounts/${TWILIO_SID}.json: authorization wrong`,
    refused: 'Twilio refused this account SID and auth token',
    label: 'Twilio',
  },
};
const SUPPORTED = Object.keys(CASES) as Supported[];
const UNSUPPORTED = ['vapi', 'cloudflare', 'google_ads', 'batchdata'] as const;

async function save(p: SignedUp, provider: string, keys: Record<string, string>) {
  const res = await as(p)('PUT', `/api/v1/credentials/${provider}`, { keys });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().verifiedAt).toBeNull();
}

/** The account's audited key checks (saves and deletes are audited too; they are left out). */
async function audited(p: SignedUp) {
  const { rows } = await t.db.query<{ action: string; provider: string; actor: string | null }>(
    `SELECT action, details->>'provider' AS provider, actor_user_id::text AS actor FROM audit_log
      WHERE account_id = $1 AND action IN ('credentials.verified', 'credentials.rejected') ORDER BY created_at`,
    [p.accountId],
  );
  return rows;
}

describe.each(SUPPORTED)('verifying %s keys', (provider) => {
  const c = CASES[provider];
  const fake = fakes[provider];

  it('a good key verifies: verifiedAt is set, and the provider saw exactly the saved credentials', async () => {
    const owner = await signUp(t.app, 'verify');
    await save(owner, provider, c.good);
    const seenBefore = fake.seen.length;
    const before = Date.now();
    const res = await verify(owner, provider);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ provider, keyNames: Object.keys(c.good).sort() });
    const at = Date.parse(body.verifiedAt);
    expect(at).toBeGreaterThanOrEqual(before - 5000);
    expect(at).toBeLessThanOrEqual(Date.now() + 5000);
    expect(await verifiedAt(owner, provider)).toBe(body.verifiedAt);
    expect(fake.seen.slice(seenBefore)).toEqual([c.call]);
    expect(c.lastAuth()).toBe(c.auth(c.good));
    expect(await audited(owner)).toEqual([{ action: 'credentials.verified', provider, actor: owner.userId }]);
  });

  it('a key the provider refuses: 422 CREDENTIALS_REJECTED, and verifiedAt is cleared', async () => {
    const owner = await signUp(t.app, 'verify');
    await save(owner, provider, c.wrong);
    await markVerified(owner, provider);
    const res = await verify(owner, provider);
    expectProblem(res, 422, 'CREDENTIALS_REJECTED', c.refused);
    expect(await verifiedAt(owner, provider)).toBeNull();
    expect(await audited(owner)).toEqual([{ action: 'credentials.rejected', provider, actor: owner.userId }]);
    expect(c.lastAuth()).toBe(c.auth(c.wrong));
    expect(fake.unexpected.splice(0)).toEqual([c.refusalNote]);
  });

  it('the provider failing or down: 503 PROVIDER_UNAVAILABLE, and verifiedAt stays as it was', async () => {
    const owner = await signUp(t.app, 'verify');
    await save(owner, provider, c.good);
    const at = await markVerified(owner, provider);

    fake.failNext(1, 500);
    expectProblem(
      await verify(owner, provider),
      503,
      'PROVIDER_UNAVAILABLE',
      `${c.label} answered HTTP 500; the keys were not checked. Try again later.`,
    );
    expect(await verifiedAt(owner, provider)).toBe(at);

    const real = endpoints()[provider];
    setEndpoint(provider, `${await deadUrl()}${new URL(real).pathname}`);
    try {
      expectProblem(
        await verify(owner, provider),
        503,
        'PROVIDER_UNAVAILABLE',
        `${c.label} could not be reached; the keys were not checked. Try again later.`,
      );
    } finally {
      setEndpoint(provider, real);
    }
    expect(await verifiedAt(owner, provider)).toBe(at);
  });

  it('no answer within the deadline is a timeout, not a refusal', async () => {
    fake.hangNext();
    const started = Date.now();
    const checked = await KEY_CHECKERS[provider]!.check(c.good, endpoints(), 300);
    expect(checked).toEqual({ outcome: 'unavailable', reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('404 when the account has no keys for it, without calling the provider', async () => {
    const owner = await signUp(t.app, 'verify');
    const seenBefore = fake.seen.length;
    expectProblem(
      await verify(owner, provider),
      404,
      'CREDENTIALS_NOT_FOUND',
      `No ${provider} keys are saved`,
    );
    expect(fake.seen.length).toBe(seenBefore);
  });
});

describe('verifying provider keys', () => {
  it('answers 422 CREDENTIALS_CHECK_UNSUPPORTED for a provider with no check yet, saved or not, calling nothing', async () => {
    const owner = await signUp(t.app, 'verify');
    await save(owner, 'vapi', { api_key: `vapi-${hex(16)}` });
    const seen = Object.values(fakes).map((f) => f.seen.length);
    for (const provider of UNSUPPORTED) {
      expectProblem(
        await verify(owner, provider),
        422,
        'CREDENTIALS_CHECK_UNSUPPORTED',
        `Checking ${provider} keys is not supported yet`,
      );
    }
    expect(Object.values(fakes).map((f) => f.seen.length)).toEqual(seen);
    expect(await verifiedAt(owner, 'vapi')).toBeNull();
    expectProblem(await verify(owner, 'myspace'), 422, 'VALIDATION_FAILED');
  });

  it('passes on OpenAI’s Retry-After with a 429, and leaves verifiedAt', async () => {
    const owner = await signUp(t.app, 'verify');
    await save(owner, 'openai', { api_key: OPENAI_KEY });
    const at = await markVerified(owner, 'openai');
    openai.failNext(1, 429, { retryAfter: '20' });
    const res = await verify(owner, 'openai');
    expectProblem(res, 503, 'PROVIDER_UNAVAILABLE', /^OpenAI is limiting requests \(HTTP 429\)/);
    expect(res.headers['retry-after']).toBe('20');
    expect(await verifiedAt(owner, 'openai')).toBe(at);
  });

  it('refuses a key no provider would issue (spaces, non-ASCII) without sending it', async () => {
    const owner = await signUp(t.app, 'verify');
    await save(owner, 'sendgrid', { api_key: 'SG.not a key' });
    await markVerified(owner, 'sendgrid');
    const seen = sendgrid.seen.length;
    expectProblem(await verify(owner, 'sendgrid'), 422, 'CREDENTIALS_REJECTED', /cannot be right/);
    expect(sendgrid.seen.length).toBe(seen);
    expect(await verifiedAt(owner, 'sendgrid')).toBeNull();
  });

  it('a new verification after a refused one verifies again once the keys are fixed', async () => {
    const owner = await signUp(t.app, 'verify');
    await save(owner, 'brevo', { api_key: WRONG.brevo });
    expectProblem(await verify(owner, 'brevo'), 422, 'CREDENTIALS_REJECTED');
    expect(brevo.unexpected.splice(0)).toEqual(['GET /v3/account: api-key wrong']);
    await save(owner, 'brevo', { api_key: BREVO_KEY });
    expect((await verify(owner, 'brevo')).json().verifiedAt).not.toBeNull();
    // Saving again replaces the set: the new keys are not verified yet.
    await save(owner, 'brevo', { api_key: BREVO_KEY });
    expect(await verifiedAt(owner, 'brevo')).toBeNull();
  });

  it('409 CREDENTIALS_CHANGED when the keys are replaced while the provider is being asked; the new keys stay unverified', async () => {
    const owner = await signUp(t.app, 'verify');
    await save(owner, 'brevo', { api_key: BREVO_KEY });
    // A Brevo that holds the request until the keys have been replaced, then accepts.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let arrived: () => void = () => {};
    const asked = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const slow = http.createServer((_req, res) => {
      arrived();
      void held.then(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      const checking = verifyCredentials(t.db, keyring(), {
        accountId: owner.accountId,
        provider: 'brevo',
        endpoints: { ...endpoints(), brevo: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/v3` },
      }).catch((e: unknown) => e);
      await asked;
      await save(owner, 'brevo', { api_key: BREVO_KEY });
      release();
      const error = await checking;
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ status: 409, code: 'CREDENTIALS_CHANGED' });
      expect(await verifiedAt(owner, 'brevo')).toBeNull();
    } finally {
      release();
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });

  it('is for admins: a member and an API key get 403, and nothing is called', async () => {
    const owner = await signUp(t.app, 'verify');
    await save(owner, 'openai', { api_key: OPENAI_KEY });
    const other = await signUp(t.app, 'verify-member');
    await withTenant(t.db, owner.accountId, (tx) =>
      insertMembership(tx, { accountId: owner.accountId, userId: other.userId, role: 'member' }),
    );
    const switched = await as(other)('PUT', '/api/v1/session', { accountId: owner.accountId });
    expect(switched.statusCode, switched.body).toBe(200);
    const member = { ...other, cookie: cookieOf(switched)!, accountId: owner.accountId };
    const seen = openai.seen.length;
    expect((await verify(member, 'openai')).statusCode).toBe(403);

    const { key } = (
      await as(owner)('POST', '/api/v1/api-keys', { name: 'k', scopes: ['account:read'] })
    ).json();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/credentials/openai/verify',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.statusCode).toBe(403);
    expect(openai.seen.length).toBe(seen);
    expect(await verifiedAt(owner, 'openai')).toBeNull();
  });

  it('leaves no secret in an answer or a log line (canaries), and logs each check without one', async () => {
    expect(answers.length).toBeGreaterThan(20);
    const everything = answers.join('\n');
    for (const secret of CANARIES) expect(everything).not.toContain(secret);
    const logs = logLines.join('\n');
    expect(logs).toContain('provider keys checked');
    for (const secret of CANARIES) expect(logs).not.toContain(secret);
    // Twilio answers the account with its auth token: it is not kept or passed on either.
    expect(everything).not.toContain(TWILIO_TOKEN);
  });
});

// The checks a provider has, and the ones that do not exist yet.
it('has a check for exactly OpenAI, Brevo, SendGrid and Twilio', () => {
  const all: CredentialProvider[] = [...SUPPORTED, ...UNSUPPORTED];
  expect(all.filter((p) => KEY_CHECKERS[p]).sort()).toEqual([...SUPPORTED].sort());
});
