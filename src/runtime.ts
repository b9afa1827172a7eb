import type { Config } from './config.ts';
import { auditTenancy } from './db/audit.ts';
import { type Database, openDatabase } from './db/client.ts';
import { lockDataDir } from './db/lock.ts';
import { migrate } from './db/migrate.ts';
import { aiDepsOf } from './modules/ai/model-choice.ts';
import { billingJobs } from './modules/billing/recharge.jobs.ts';
import { identityJobs } from './modules/identity/identity.jobs.ts';
import { importsJobs } from './modules/imports/imports.jobs.ts';
import { intakeJobs } from './modules/intake/intake.jobs.ts';
import { leadsJobs } from './modules/leads/leads.jobs.ts';
import { messagingJobs } from './modules/messaging/messaging.jobs.ts';
import { devEmailProvider, devSmsProvider } from './modules/outbox/outbox.service.ts';
import { teamJobs } from './modules/team/team.jobs.ts';
import { webhookJobDepsOf, webhookJobs } from './modules/webhooks/webhooks.jobs.ts';
import type { JobDefinition, JobServices } from './platform/jobs.ts';
import type { Logger } from './platform/logger.ts';
import { loadAuthPepper, loadKeyring } from './platform/secrets.ts';
import { createEmailProvider } from './providers/email/index.ts';
import { createSmsProvider, DEV_SMS_FROM } from './providers/sms/index.ts';

/** Every module's job definitions: the server (inline worker) and `porchlight worker` run these. */
export const allJobs: JobDefinition[] = [
  ...identityJobs,
  ...teamJobs,
  ...intakeJobs,
  ...importsJobs,
  ...leadsJobs,
  ...messagingJobs,
  ...billingJobs,
  ...webhookJobs,
];

/** What job handlers need besides the database: the email provider EMAIL_PROVIDER names, … */
export function jobServices(config: Config, db: Database): JobServices {
  const mail = {
    email: createEmailProvider(config, () => devEmailProvider(db)),
    baseUrl: config.baseUrl,
    emailFrom: config.emailFrom,
  };
  return {
    mail,
    messaging: {
      ...mail,
      sms: createSmsProvider(config, () => devSmsProvider(db)),
      publicUrl: config.publicUrl,
      smsFallbackFrom: config.providers.sms === 'dev' ? DEV_SMS_FROM : null,
    },
    pepper: loadAuthPepper(config).pepper,
    ai: aiDepsOf(config, loadKeyring(config).keyring),
    billing: { stripe: config.stripe },
    webhooks: webhookJobDepsOf(config, loadKeyring(config).keyring),
  };
}

export class UnsafeDatabaseError extends Error {
  constructor(findings: { check: string; object: string; detail: string }[]) {
    super(
      `Refusing to start: the tenancy audit found ${findings.length} problem(s):\n` +
        findings.map((f) => `  ${f.check}: ${f.object} (${f.detail})`).join('\n'),
    );
    this.name = 'UnsafeDatabaseError';
  }
}

/** On the embedded database, a second process on the same data dir must not start. */
export function lockIfEmbedded(config: Config): () => void {
  return config.databaseUrl ? () => {} : lockDataDir(config.dataDir);
}

/**
 * Opens the database, applies pending migrations and refuses to continue when the tenancy
 * audit finds anything (a tenant table without forced RLS, an app role that can bypass it…).
 */
export async function openPreparedDatabase(config: Config, logger: Logger): Promise<Database> {
  const started = Date.now();
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
  });
  // Every cross-tenant use is logged with its reason; routing a public request to its account
  // (a host name, a page id: several per page view) at debug, so traffic does not flood the log.
  db.onSystemUse = (reason) =>
    reason.startsWith('routing:')
      ? logger.debug({ reason }, 'cross-tenant path')
      : logger.info({ reason }, 'cross-tenant path');
  try {
    const applied = await migrate(db);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    const findings = await auditTenancy(db);
    if (findings.length > 0) throw new UnsafeDatabaseError(findings);
    // PGlite never refreshes planner statistics on its own.
    if (db.engine === 'pglite') await db.query('ANALYZE');
  } catch (error) {
    await db.close();
    throw error;
  }
  logger.info({ engine: db.engine, ms: Date.now() - started }, 'database ready');
  return db;
}
