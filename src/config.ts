import path from 'node:path';
import { z } from 'zod';
import { EncryptionKeysError, parseEncryptionKeys } from './platform/secrets.ts';

/**
 * Every environment variable Porchlight reads, parsed and typed once at start-up.
 * The README's configuration table is written from this list; keep them together.
 */
const boolish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A whole number in a range, with a message that says the range. */
const int = (min: number, max: number, what = 'a whole number') =>
  z.coerce
    .number({ error: `must be ${what} from ${min} to ${max}` })
    .int({ error: `must be ${what} from ${min} to ${max}` })
    .min(min, { error: `must be ${what} from ${min} to ${max}` })
    .max(max, { error: `must be ${what} from ${min} to ${max}` });

/** `N/window`: at most N in each window of 30s, 10m, 1h, 1d. */
const rate = z
  .string()
  .regex(/^\d{1,9}\/\d{1,4}[smhd]$/, 'must look like 10/10m (at most 10 per 10 minutes; s, m, h or d)')
  .transform((v) => {
    const [max, window] = v.split('/') as [string, string];
    const unit = { s: 1, m: 60, h: 3600, d: 86400 }[window.slice(-1) as 's' | 'm' | 'h' | 'd'];
    return { max: Number(max), windowSeconds: Number(window.slice(0, -1)) * unit };
  });

/**
 * Which proxies to believe about the client's address (X-Forwarded-For): false (none, the
 * default), true (all: only behind a proxy that overwrites the header), a hop count, or a
 * comma-separated list of proxy addresses and networks.
 */
const trustProxy = z
  .string()
  .transform((v): boolean | number | string[] => {
    if (['true', '1', 'yes'].includes(v)) return true;
    if (['false', '0', 'no'].includes(v)) return false;
    if (/^\d{1,2}$/.test(v)) return Number(v);
    return v.split(',').map((x) => x.trim());
  })
  .refine(
    (v) => typeof v !== 'object' || v.every((x) => /^[0-9a-f.:]+(\/\d{1,3})?$/i.test(x) || x === 'loopback'),
    'must be true, false, a hop count, or addresses/networks such as 10.0.0.0/8,127.0.0.1',
  );

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: int(0, 65535, 'a port number').default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    BASE_URL: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://leads.example.com' })
      .optional(),
    BASE_DOMAIN: z
      .string()
      .regex(/^[a-z0-9.-]+(:\d+)?$/i, 'must be a host name such as porchlight.example.com')
      .optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    DATABASE_POOL_SIZE: int(1, 200).default(10),
    TRUST_PROXY: trustProxy.default(false),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    BODY_LIMIT_BYTES: int(1024, 50 * 1024 * 1024, 'a number of bytes').default(1024 * 1024),
    SHUTDOWN_TIMEOUT_MS: int(1000, 120_000, 'a number of milliseconds').default(25_000),
    WORKER_MODE: z.enum(['inline', 'off']).default('inline'),
    WORKER_CONCURRENCY: int(1, 64).default(4),
    DEMO_SEED: boolish.optional(),
    SESSION_IDLE_HOURS: int(1, 24 * 90, 'a number of hours').default(24),
    SESSION_MAX_DAYS: int(1, 365, 'a number of days').default(14),
    AUTH_PEPPER: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
    /** `1:<base64 32 bytes>,2:<base64 32 bytes>`: versioned master keys (checked below). */
    ENCRYPTION_KEYS: z.string().optional(),
    EMAIL_PROVIDER: z.enum(['dev', 'smtp', 'brevo', 'sendgrid']).default('dev'),
    EMAIL_FROM: z.string().min(3).default('Porchlight <no-reply@porchlight.local>'),
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL (smtp://user:password@host:587)')
      .optional(),
    BREVO_API_KEY: z.string().min(1).optional(),
    BREVO_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.brevo.com/v3'),
    SENDGRID_API_KEY: z.string().min(1).optional(),
    SENDGRID_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.sendgrid.com'),
    SMS_PROVIDER: z.enum(['dev', 'twilio']).default('dev'),
    TWILIO_ACCOUNT_SID: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio account SID (AC and 32 hex characters)')
      .optional(),
    TWILIO_AUTH_TOKEN: z.string().min(16, { error: 'must be a Twilio auth token' }).optional(),
    TWILIO_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.twilio.com'),
    /**
     * The https origin Twilio and the email providers call back (webhooks are signed over the
     * URL they were sent to, so behind a proxy it is the public one); default BASE_URL.
     */
    PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    BREVO_WEBHOOK_TOKEN: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
    SENDGRID_WEBHOOK_PUBLIC_KEY: z.string().min(40, { error: 'must be the base64 public key' }).optional(),
    AI_PROVIDER: z.enum(['dev', 'heuristic', 'openai']).default('dev'),
    STRIPE_SECRET_KEY: z.string().optional(),
    /** One `whsec_…` secret, or several separated by commas while a secret is rolled. */
    STRIPE_WEBHOOK_SECRET: z
      .string()
      .regex(/^whsec_[A-Za-z0-9]+(,whsec_[A-Za-z0-9]+)*$/, 'must be whsec_… (several separated by commas)')
      .optional(),
    STRIPE_PRICE_IDS: z
      .string()
      .regex(
        /^([a-z0-9_]+=[A-Za-z0-9_]+)(,[a-z0-9_]+=[A-Za-z0-9_]+)*$/,
        'must look like pro=price_123,pro_year=price_789,team=price_456',
      )
      .optional(),
    STRIPE_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.stripe.com'),
    OPENAI_API_KEY: z.string().optional(),
    OPENAI_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.openai.com/v1'),
    OPENAI_MODEL: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, 'must be a model name such as gpt-4o-mini')
      .default('gpt-4o-mini'),
    /** Per attempt; 429s, 5xx and timeouts are retried twice. */
    OPENAI_TIMEOUT_MS: int(100, 120_000, 'a number of milliseconds').default(20_000),
    WEBHOOKS_ALLOW_PRIVATE: boolish.default(false),
    DOMAINS_PROVIDER: z.enum(['dev', 'cloudflare']).default('dev'),
    CLOUDFLARE_API_TOKEN: z.string().optional(),
    CLOUDFLARE_ZONE_ID: z
      .string()
      .regex(/^[a-f0-9]{32}$/, 'must be a Cloudflare zone id (32 hex characters)')
      .optional(),
    CLOUDFLARE_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.cloudflare.com/client/v4'),
    CUSTOM_DOMAIN_CNAME_TARGET: z.string().optional(),
    INTAKE_RATE_PER_PAGE: rate.prefault('10/10m'),
    INTAKE_RATE_PER_ACCOUNT: rate.prefault('30/1h'),
    INTAKE_MIN_FILL_SECONDS: int(0, 60, 'a number of seconds').default(2),
  })
  .superRefine((env, ctx) => {
    if (env.ENCRYPTION_KEYS !== undefined) {
      try {
        parseEncryptionKeys(env.ENCRYPTION_KEYS);
      } catch (error) {
        if (!(error instanceof EncryptionKeysError)) throw error;
        for (const message of error.problems)
          ctx.addIssue({ code: 'custom', path: ['ENCRYPTION_KEYS'], message });
      }
    }
    const needs = { smtp: 'SMTP_URL', brevo: 'BREVO_API_KEY', sendgrid: 'SENDGRID_API_KEY' } as const;
    if (env.EMAIL_PROVIDER !== 'dev' && !env[needs[env.EMAIL_PROVIDER]]) {
      ctx.addIssue({
        code: 'custom',
        path: [needs[env.EMAIL_PROVIDER]],
        message: `is required when EMAIL_PROVIDER=${env.EMAIL_PROVIDER}`,
      });
    }
    if (env.SMS_PROVIDER === 'twilio') {
      for (const name of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN'] as const) {
        if (!env[name])
          ctx.addIssue({ code: 'custom', path: [name], message: 'is required when SMS_PROVIDER=twilio' });
      }
    }
    if (env.AI_PROVIDER === 'openai' && !env.OPENAI_API_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['OPENAI_API_KEY'],
        message: 'is required when AI_PROVIDER=openai',
      });
    }
    if (env.DOMAINS_PROVIDER === 'cloudflare') {
      for (const name of ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_ZONE_ID'] as const) {
        if (!env[name])
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'is required when DOMAINS_PROVIDER=cloudflare',
          });
      }
    }
  })
  .transform((env) => {
    const baseUrl = (env.BASE_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
    return {
      nodeEnv: env.NODE_ENV,
      port: env.PORT,
      host: env.HOST,
      baseUrl,
      baseDomain: env.BASE_DOMAIN ?? new URL(baseUrl).host,
      isHttps: baseUrl.startsWith('https://'),
      dataDir: path.resolve(env.DATA_DIR),
      databaseUrl: env.DATABASE_URL,
      databasePoolSize: env.DATABASE_POOL_SIZE,
      trustProxy: env.TRUST_PROXY,
      logLevel: env.LOG_LEVEL,
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
      workerMode: env.WORKER_MODE,
      workerConcurrency: env.WORKER_CONCURRENCY,
      // The demo account is seeded by default only on the embedded database.
      demoSeed: env.DEMO_SEED ?? env.DATABASE_URL === undefined,
      sessionIdleMs: env.SESSION_IDLE_HOURS * 3_600_000,
      sessionMaxMs: env.SESSION_MAX_DAYS * 86_400_000,
      /** Keys API-key and IP hashes; unset: generated once into the data dir (see platform/secrets). */
      authPepper: env.AUTH_PEPPER,
      /** Master keys for stored secrets, raw but validated; unset: a generated key file (platform/secrets). */
      encryptionKeys: env.ENCRYPTION_KEYS,
      providers: { email: env.EMAIL_PROVIDER, sms: env.SMS_PROVIDER, ai: env.AI_PROVIDER },
      emailFrom: env.EMAIL_FROM,
      email: {
        smtpUrl: env.SMTP_URL,
        brevo: { apiKey: env.BREVO_API_KEY, apiUrl: env.BREVO_API_URL.replace(/\/+$/, '') },
        sendgrid: { apiKey: env.SENDGRID_API_KEY, apiUrl: env.SENDGRID_API_URL.replace(/\/+$/, '') },
      },
      sms: {
        twilio: {
          accountSid: env.TWILIO_ACCOUNT_SID,
          authToken: env.TWILIO_AUTH_TOKEN,
          apiUrl: env.TWILIO_API_URL.replace(/\/+$/, ''),
        },
      },
      /** The origin providers call back; webhook signatures are checked against it. */
      publicUrl: (env.PUBLIC_URL ?? baseUrl).replace(/\/+$/, ''),
      emailWebhooks: {
        brevoToken: env.BREVO_WEBHOOK_TOKEN,
        sendgridPublicKey: env.SENDGRID_WEBHOOK_PUBLIC_KEY,
      },
      stripe: {
        secretKey: env.STRIPE_SECRET_KEY,
        /** Every secret a signature may be made with (more than one while a secret is rolled). */
        webhookSecrets: env.STRIPE_WEBHOOK_SECRET?.split(',') ?? [],
        /** `pro` → its monthly price, `pro_year` → its yearly one, a bundle code → its price. */
        priceIds: Object.fromEntries(
          (env.STRIPE_PRICE_IDS ?? '')
            .split(',')
            .filter(Boolean)
            .map((pair) => pair.split('=') as [string, string]),
        ) as Record<string, string>,
        /** The API origin the SDK calls; tests point it at a local fake. */
        apiUrl: env.STRIPE_API_URL.replace(/\/+$/, ''),
      },
      openaiApiKey: env.OPENAI_API_KEY,
      /** The OpenAI API base (`/v1` included); tests point it at a local fake. */
      openaiApiUrl: env.OPENAI_API_URL.replace(/\/+$/, ''),
      /** The model lead scoring asks (trial and own keys alike). */
      openaiModel: env.OPENAI_MODEL,
      openaiTimeoutMs: env.OPENAI_TIMEOUT_MS,
      webhooksAllowPrivate: env.WEBHOOKS_ALLOW_PRIVATE,
      domains: {
        provider: env.DOMAINS_PROVIDER,
        cloudflare: {
          apiToken: env.CLOUDFLARE_API_TOKEN,
          zoneId: env.CLOUDFLARE_ZONE_ID,
          apiUrl: env.CLOUDFLARE_API_URL.replace(/\/+$/, ''),
        },
        /** Where a customer points a custom hostname's CNAME. */
        cnameTarget: env.CUSTOM_DOMAIN_CNAME_TARGET ?? env.BASE_DOMAIN ?? new URL(baseUrl).hostname,
      },
      intake: {
        ratePerPage: env.INTAKE_RATE_PER_PAGE,
        ratePerAccount: env.INTAKE_RATE_PER_ACCOUNT,
        minFillMs: env.INTAKE_MIN_FILL_SECONDS * 1000,
      },
    };
  });

export type Config = z.output<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError with one line per problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable is treated as unset, as shells and .env files often leave them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.') || 'environment';
        const value = cleaned[name];
        const shown =
          value !== undefined && !/KEY|SECRET|URL|TOKEN|SID/.test(name) ? ` (got "${value}")` : '';
        return `config: ${name}: ${issue.message}${shown}`;
      }),
    );
  }
  return parsed.data;
}

/** A configuration for tests and tools, with overrides; never reads process.env. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    WORKER_MODE: 'off',
    AUTH_PEPPER: 'test-pepper-test-pepper-test-pepper-0000',
    ENCRYPTION_KEYS: '1:cG9yY2hsaWdodC10ZXN0LWVuY3J5cHRpb24ta2V5LTE=',
    ...overrides,
  });
}
