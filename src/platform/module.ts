import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { JobQueue } from './jobs.ts';
import type { Logger } from './logger.ts';

/** What a module's routes may use. Modules take what they need from it. */
export type ModuleDeps = {
  config: Config;
  db: Database;
  logger: Logger;
  jobs: JobQueue | undefined;
  /** The server secret that keys HMACs (IP hashes, form tokens); never logged. */
  pepper: string;
};
