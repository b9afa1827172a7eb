import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, testConfig } from './config.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('loadConfig did not throw');
}

describe('loadConfig', () => {
  it('has defaults that serve a laptop', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.baseUrl).toBe('http://localhost:3000');
    expect(config.baseDomain).toBe('localhost:3000');
    expect(config.isHttps).toBe(false);
    expect(path.isAbsolute(config.dataDir)).toBe(true);
    expect(config.dataDir.endsWith(`${path.sep}data`)).toBe(true);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.providers).toEqual({ email: 'dev', sms: 'dev', ai: 'dev' });
    expect(config.demoSeed).toBe(true);
    expect(config.trustProxy).toBe(false);
    expect(config.webhooksAllowPrivate).toBe(false);
    expect(config.workerMode).toBe('inline');
    expect(config.bodyLimitBytes).toBe(1024 * 1024);
  });

  it('does not seed the demo account on PostgreSQL unless asked', () => {
    const url = 'postgresql://porchlight@db.internal:5432/porchlight';
    expect(loadConfig({ DATABASE_URL: url }).demoSeed).toBe(false);
    expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    expect(loadConfig({ DATABASE_URL: url, DEMO_SEED: 'true' }).demoSeed).toBe(true);
    expect(loadConfig({ DEMO_SEED: 'false' }).demoSeed).toBe(false);
  });

  it('treats empty variables as unset', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '', EMAIL_PROVIDER: '' });
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.providers.email).toBe('dev');
  });

  it('derives the base URL and domain', () => {
    const config = loadConfig({ PORT: '8080', BASE_URL: 'https://leads.example.com/' });
    expect(config.port).toBe(8080);
    expect(config.baseUrl).toBe('https://leads.example.com');
    expect(config.baseDomain).toBe('leads.example.com');
    expect(config.isHttps).toBe(true);
  });

  it('reports one line per problem, naming the variable', () => {
    const error = configError({
      PORT: 'abc',
      DATABASE_URL: 'mysql://x',
      STRIPE_PRICE_IDS: 'garbage',
    });
    expect(error.problems).toHaveLength(3);
    for (const line of error.problems) {
      expect(line).toMatch(/^config: [A-Z_]+: /);
      expect(line).not.toContain('\n');
    }
    const byName = (name: string) => error.problems.find((p) => p.startsWith(`config: ${name}:`));
    expect(byName('PORT')).toContain('must be a port number');
    expect(byName('PORT')).toContain('"abc"');
    expect(byName('DATABASE_URL')).toContain('postgres://');
    // A URL can carry a password: its value is never echoed.
    expect(byName('DATABASE_URL')).not.toContain('mysql://x');
    expect(byName('STRIPE_PRICE_IDS')).toContain('pro=price_123');
    expect(error.message.split('\n')).toEqual(['Invalid configuration:', ...error.problems]);
  });

  it('rejects each bad value on its own', () => {
    expect(configError({ PORT: '70000' }).problems).toEqual([expect.stringMatching(/^config: PORT: /)]);
    expect(configError({ DATABASE_URL: 'mysql://x' }).problems).toEqual([
      expect.stringMatching(/^config: DATABASE_URL: /),
    ]);
    expect(configError({ STRIPE_PRICE_IDS: 'garbage' }).problems).toEqual([
      expect.stringMatching(/^config: STRIPE_PRICE_IDS: /),
    ]);
    expect(configError({ EMAIL_PROVIDER: 'carrier-pigeon' }).problems).toEqual([
      expect.stringMatching(/^config: EMAIL_PROVIDER: /),
    ]);
    expect(configError({ TRUST_PROXY: 'maybe' }).problems).toEqual([
      expect.stringMatching(/^config: TRUST_PROXY: /),
    ]);
  });

  it("names the chosen email provider's missing URL or key", () => {
    expect(configError({ EMAIL_PROVIDER: 'smtp' }).problems).toEqual([
      'config: SMTP_URL: is required when EMAIL_PROVIDER=smtp',
    ]);
    expect(configError({ EMAIL_PROVIDER: 'brevo' }).problems).toEqual([
      'config: BREVO_API_KEY: is required when EMAIL_PROVIDER=brevo',
    ]);
    expect(configError({ EMAIL_PROVIDER: 'sendgrid', SENDGRID_API_KEY: '' }).problems).toEqual([
      expect.stringMatching(/^config: SENDGRID_API_KEY: /),
    ]);
    expect(configError({ EMAIL_PROVIDER: 'smtp', SMTP_URL: 'http://mail' }).problems).toEqual([
      expect.stringMatching(/^config: SMTP_URL: must be an smtp:/),
    ]);
    const config = loadConfig({
      EMAIL_PROVIDER: 'brevo',
      BREVO_API_KEY: 'xkeysib-1',
      BREVO_API_URL: 'http://127.0.0.1:9/v3/',
    });
    expect(config.email.brevo).toEqual({ apiKey: 'xkeysib-1', apiUrl: 'http://127.0.0.1:9/v3' });
  });

  it('accepts a well-formed STRIPE_PRICE_IDS', () => {
    expect(
      loadConfig({ STRIPE_PRICE_IDS: 'pro=price_123,pro_year=price_789,team=price_456' }).stripe.priceIds,
    ).toEqual({ pro: 'price_123', pro_year: 'price_789', team: 'price_456' });
    expect(loadConfig({}).stripe.priceIds).toEqual({});
  });

  it('takes several Stripe webhook secrets while one is rolled', () => {
    expect(loadConfig({ STRIPE_WEBHOOK_SECRET: 'whsec_old1,whsec_new2' }).stripe.webhookSecrets).toEqual([
      'whsec_old1',
      'whsec_new2',
    ]);
    expect(configError({ STRIPE_WEBHOOK_SECRET: 'sk_live_oops' }).problems).toEqual([
      expect.stringMatching(/^config: STRIPE_WEBHOOK_SECRET: must be whsec_/),
    ]);
  });

  it('testConfig never reads process.env', () => {
    const saved = process.env.PORT;
    process.env.PORT = 'abc';
    try {
      expect(testConfig().port).toBe(3000);
      expect(testConfig().logLevel).toBe('silent');
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });
});

describe('the CLI with a bad configuration', () => {
  it('exits non-zero with one stderr line per problem', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
      cwd: ROOT,
      env: { ...process.env, PORT: 'abc', DATABASE_URL: '', LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.status).not.toBe(0);
    expect(result.status).not.toBeNull();
    const lines = result.stderr.split('\n');
    expect(lines.some((l) => l.startsWith('config: PORT:'))).toBe(true);
    expect(result.stdout).not.toContain('Demo login');
  });
});
