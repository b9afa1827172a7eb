import path from 'node:path';
import { z } from 'zod';

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
    TRUST_PROXY: boolish.default(false),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    BODY_LIMIT_BYTES: int(1024, 50 * 1024 * 1024, 'a number of bytes').default(1024 * 1024),
    SHUTDOWN_TIMEOUT_MS: int(1000, 120_000, 'a number of milliseconds').default(25_000),
    WORKER_MODE: z.enum(['inline', 'off']).default('inline'),
    WORKER_CONCURRENCY: int(1, 64).default(4),
    DEMO_SEED: boolish.optional(),
    SESSION_IDLE_HOURS: int(1, 24 * 90, 'a number of hours').default(24),
    SESSION_MAX_DAYS: int(1, 365, 'a number of days').default(14),
    AUTH_PEPPER: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
    ENCRYPTION_KEYS: z.string().optional(),
    EMAIL_PROVIDER: z.enum(['dev', 'smtp', 'brevo', 'sendgrid']).default('dev'),
    EMAIL_FROM: z.string().min(3).default('Porchlight <no-reply@porchlight.local>'),
    SMS_PROVIDER: z.enum(['dev', 'twilio']).default('dev'),
    AI_PROVIDER: z.enum(['dev', 'heuristic', 'openai']).default('dev'),
    STRIPE_SECRET_KEY: z.string().optional(),
    STRIPE_WEBHOOK_SECRET: z.string().optional(),
    STRIPE_PRICE_IDS: z
      .string()
      .regex(
        /^([a-z_]+=[A-Za-z0-9_]+)(,[a-z_]+=[A-Za-z0-9_]+)*$/,
        'must look like pro=price_123,team=price_456',
      )
      .optional(),
    OPENAI_API_KEY: z.string().optional(),
    WEBHOOKS_ALLOW_PRIVATE: boolish.default(false),
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
      encryptionKeys: env.ENCRYPTION_KEYS,
      providers: { email: env.EMAIL_PROVIDER, sms: env.SMS_PROVIDER, ai: env.AI_PROVIDER },
      emailFrom: env.EMAIL_FROM,
      stripe: {
        secretKey: env.STRIPE_SECRET_KEY,
        webhookSecret: env.STRIPE_WEBHOOK_SECRET,
        priceIds: env.STRIPE_PRICE_IDS,
      },
      openaiApiKey: env.OPENAI_API_KEY,
      webhooksAllowPrivate: env.WEBHOOKS_ALLOW_PRIVATE,
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
        const shown = value !== undefined && !/KEY|SECRET|URL/.test(name) ? ` (got "${value}")` : '';
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
    ...overrides,
  });
}
