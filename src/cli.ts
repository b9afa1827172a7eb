import { type Config, ConfigError, loadConfig } from './config.ts';
import { DataDirLockedError } from './db/lock.ts';
import { rotateCredentials } from './modules/credentials/credentials.service.ts';
import { seedDemo } from './modules/demo/demo.seed.ts';
import { rotateWebhookSecrets } from './modules/webhooks/webhooks.service.ts';
import { createJobQueue } from './platform/jobs.ts';
import { createLogger } from './platform/logger.ts';
import { EncryptionKeysError, loadKeyring } from './platform/secrets.ts';
import { allJobs, lockIfEmbedded, openPreparedDatabase } from './runtime.ts';
import { startServer } from './server.ts';
import { startWorker } from './worker.ts';

const USAGE = `Usage: porchlight <command>

  start    serve the app (migrates first; runs the job worker in-process unless WORKER_MODE=off)
  worker   run the job worker on its own (PostgreSQL deployments)
  migrate  apply pending database migrations and exit
  seed     create the demo account if it is missing and exit
  keys rotate
           re-wrap every stored secret under the newest ENCRYPTION_KEYS version and exit
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** Stops on SIGTERM/SIGINT; a stop that takes longer than the timeout is cut short (exit 1). */
function onSignals(config: Config, stop: () => Promise<void>, log: (msg: string) => void) {
  let received = false;
  const handler = (signal: NodeJS.Signals) => {
    if (received) return;
    received = true;
    log(`${signal} received: draining`);
    const timer = setTimeout(
      () => fail(`shutdown took longer than ${config.shutdownTimeoutMs} ms`),
      config.shutdownTimeoutMs,
    );
    timer.unref();
    stop().then(
      () => process.exit(0),
      (error) => fail(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? 'start';
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.problems.join('\n'));
    throw error;
  }
  const logger = createLogger(config.logLevel);

  switch (command) {
    case 'start': {
      const server = await startServer(config, { logger }).catch((error: unknown) => {
        // A generated key file that was edited by hand: one line, as for a bad variable.
        if (error instanceof EncryptionKeysError) fail(error.message);
        throw error;
      });
      onSignals(config, server.stop, (m) => logger.info(m));
      await server.ready.catch(async (error) => {
        logger.fatal({ err: error }, 'start-up failed');
        await server.stop().catch(() => {});
        fail(`start-up failed: ${error instanceof Error ? error.message : String(error)}`);
      });
      return;
    }
    case 'worker': {
      const worker = await startWorker(config, { logger });
      onSignals(config, worker.stop, (m) => logger.info(m));
      return;
    }
    case 'migrate': {
      const release = lockIfEmbedded(config);
      try {
        const db = await openPreparedDatabase(config, logger);
        // The job tables are pg-boss's own migrations: install them too, so workers start clean.
        const jobs = createJobQueue({ db, logger, jobs: allJobs, supervise: false });
        await jobs.start();
        await jobs.stop(1000);
        await db.close();
        process.stdout.write('migrations are current\n');
      } finally {
        release();
      }
      return;
    }
    case 'seed': {
      const release = lockIfEmbedded(config);
      try {
        const db = await openPreparedDatabase(config, logger);
        const demo = await seedDemo(db, config.dataDir);
        await db.close();
        process.stdout.write(
          demo.created
            ? `Demo login: ${demo.email} / ${demo.password} (saved in ${demo.credentialsFile})\n`
            : `The demo account exists already: ${demo.email} (password in ${demo.credentialsFile})\n`,
        );
      } finally {
        release();
      }
      return;
    }
    case 'keys': {
      if (argv[1] !== 'rotate') fail(`unknown command "keys ${argv[1] ?? ''}"\n\n${USAGE}`);
      const { keyring } = loadKeyring(config);
      const release = lockIfEmbedded(config);
      try {
        const db = await openPreparedDatabase(config, logger);
        const report = await rotateCredentials(db, keyring);
        const hooks = await rotateWebhookSecrets(db, keyring);
        report.accounts = Math.max(report.accounts, hooks.accounts);
        report.records += hooks.records;
        report.rewrapped += hooks.rewrapped;
        report.failed.push(...hooks.failed);
        await db.close();
        process.stdout.write(
          `keys rotate: ${report.rewrapped} of ${report.records} stored secrets in ${report.accounts} accounts re-wrapped under key version ${keyring.newest}; ${report.failed.length} failed\n`,
        );
        for (const f of report.failed)
          process.stderr.write(`  account ${f.accountId}, record ${f.id}: ${f.reason}\n`);
        if (report.failed.length) process.exitCode = 1;
      } finally {
        release();
      }
      return;
    }
    default:
      fail(`unknown command "${command}"\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((error) => {
  if (error instanceof DataDirLockedError) fail(error.message);
  fail(`porchlight: ${error instanceof Error ? error.message : String(error)}`);
});
