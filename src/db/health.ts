import type { Database } from './client.ts';
import { pendingMigrations } from './migrate.ts';

/** Why the database cannot serve yet, or null when it can (reachable, migrations current). */
export async function databaseNotReadyReason(db: Database): Promise<string | null> {
  try {
    await db.query('SELECT 1');
    const pending = await pendingMigrations(db);
    return pending.length > 0 ? `Migrations pending: ${pending.join(', ')}` : null;
  } catch {
    return 'The database is not reachable';
  }
}
