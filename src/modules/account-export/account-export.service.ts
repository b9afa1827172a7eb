import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Zip, ZipDeflate } from 'fflate';
import type { Database } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import { notFound } from '../../platform/errors.ts';
import { recordAudit } from '../audit/audit.service.ts';
import {
  type ExportTable,
  findExportTables,
  getAccountSlug,
  readAccountRow,
  readExportPage,
  readMemberUsers,
  schemaVersion,
} from './account-export.repo.ts';

/**
 * The account archive (issue 9 part 4b, decision 018): every tenant table of the account as
 * `<table>.jsonl`, its own account row (`accounts.jsonl`) and its members as people
 * (`users.jsonl`), and `manifest.json`, in one zip written as it is read. All of it is read in
 * one REPEATABLE READ transaction, so the files agree with each other (a lead and its events
 * are from the same moment), page by page in primary-key order, so no table is held in memory.
 * Secret columns are written as null (see isWithheldColumn) and listed in the manifest.
 */

export const ARCHIVE_FORMAT = 'porchlight-account-archive';
export const ARCHIVE_FORMAT_VERSION = 1;
const PAGE_ROWS = 500;

export type ArchiveManifest = {
  format: typeof ARCHIVE_FORMAT;
  formatVersion: number;
  accountId: string;
  slug: string;
  exportedAt: string;
  schemaVersion: string;
  /** How rows are written: one JSON object a line, keyed by the database's column names. */
  rowFormat: string;
  tables: { name: string; file: string; rows: number; withheldColumns: string[] }[];
  /** The rows of global tables that are the account's: its own row, its members' user rows. */
  globalTables: { name: string; file: string; rows: number; note: string }[];
};

export class ArchiveAbortedError extends Error {
  constructor() {
    super('the archive reader went away');
    this.name = 'ArchiveAbortedError';
  }
}

const ACCOUNT_NOT_FOUND = () => notFound('ACCOUNT_NOT_FOUND', 'No such account');

/** `porchlight-<slug>-<yyyy-mm-dd>.zip` */
export function archiveFileName(slug: string, at: Date): string {
  return `porchlight-${slug.replace(/[^A-Za-z0-9-]/g, '-')}-${at.toISOString().slice(0, 10)}.zip`;
}

/**
 * Records `account.exported` (in its own, committed transaction: the attempt stays on record
 * even when the download is abandoned) and answers the archive's file name.
 */
export async function startAccountExport(
  db: Database,
  accountId: string,
  actor: { userId: string | null; apiKeyId: string | null; ipHash: string | null },
  at: Date,
): Promise<{ fileName: string }> {
  const slug = await withTenant(db, accountId, async (tx, client) => {
    const found = await getAccountSlug(client, accountId);
    if (!found) throw ACCOUNT_NOT_FOUND();
    await recordAudit(tx, {
      accountId,
      action: 'account.exported',
      actorUserId: actor.userId,
      actorApiKeyId: actor.apiKeyId,
      target: { type: 'account', id: accountId },
      ipHash: actor.ipHash,
      details: { schemaVersion: schemaVersion() },
    });
    return found;
  });
  return { fileName: archiveFileName(slug, at) };
}

const encoder = new TextEncoder();

/** The zip as it is made, written to `out` with its backpressure respected. */
function zipWriter(out: Writable, mtime: Date) {
  let failure: Error | undefined;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const zip = new Zip((error, chunk, final) => {
    if (error) failure = error;
    else if (!out.destroyed) out.write(chunk);
    if (final || error) finished();
  });
  const check = async () => {
    if (failure) throw failure;
    if (out.destroyed || out.writableEnded) throw new ArchiveAbortedError();
    if (out.writableNeedDrain) {
      await Promise.race([once(out, 'drain'), once(out, 'close')]);
      if (out.destroyed) throw new ArchiveAbortedError();
    }
  };
  return {
    /** Adds one file; `lines` yields its content a page at a time. */
    async file(name: string, lines: AsyncIterable<string[]>): Promise<void> {
      const entry = new ZipDeflate(name, { level: 6 });
      entry.mtime = mtime;
      zip.add(entry);
      for await (const page of lines) {
        if (page.length > 0) entry.push(encoder.encode(`${page.join('\n')}\n`), false);
        await check();
      }
      entry.push(new Uint8Array(0), true);
      await check();
    },
    async end(): Promise<void> {
      zip.end();
      await done;
      await check();
    },
  };
}

async function* pagesOf(
  client: Parameters<typeof readExportPage>[0],
  table: ExportTable,
  accountId: string,
  counted: { rows: number },
): AsyncIterable<string[]> {
  let after: string[] | null = null;
  do {
    const page = await readExportPage(client, table, accountId, after, PAGE_ROWS);
    counted.rows += page.rows.length;
    after = page.after;
    yield page.rows;
  } while (after);
}

async function* single<T>(value: T): AsyncIterable<T> {
  yield value;
}

/**
 * Writes the account's archive to `out` and ends it; answers the manifest. Throws
 * ArchiveAbortedError when `out` is closed before the end (the transaction is rolled back and
 * its connection freed). While it runs, the transaction stays open: on the embedded PGlite,
 * which has one session, other requests wait for the archive (the route writes it to a file there).
 */
export async function writeAccountArchive(
  db: Database,
  accountId: string,
  out: Writable,
  at: Date,
): Promise<ArchiveManifest> {
  const manifest = await withTenant(
    db,
    accountId,
    async (_tx, client) => {
      const slug = await getAccountSlug(client, accountId);
      if (!slug) throw ACCOUNT_NOT_FOUND();
      const zip = zipWriter(out, at);
      const manifest: ArchiveManifest = {
        format: ARCHIVE_FORMAT,
        formatVersion: ARCHIVE_FORMAT_VERSION,
        accountId,
        slug,
        exportedAt: at.toISOString(),
        schemaVersion: schemaVersion(),
        rowFormat:
          'JSON Lines: one object a row, keyed by the database column names (snake_case); times in ISO 8601; withheld columns are null',
        tables: [],
        globalTables: [],
      };
      for (const table of await findExportTables(client)) {
        const counted = { rows: 0 };
        const file = `${table.name}.jsonl`;
        await zip.file(file, pagesOf(client, table, accountId, counted));
        manifest.tables.push({
          name: table.name,
          file,
          rows: counted.rows,
          withheldColumns: table.columns.filter((c) => c.withheld).map((c) => c.name),
        });
      }
      const account = await readAccountRow(client, accountId);
      await zip.file('accounts.jsonl', single(account));
      const users = await readMemberUsers(client, accountId);
      await zip.file('users.jsonl', single(users));
      manifest.globalTables.push(
        { name: 'accounts', file: 'accounts.jsonl', rows: account.length, note: 'this account' },
        {
          name: 'users',
          file: 'users.jsonl',
          rows: users.length,
          note: "the account's members: who they are, without password hashes",
        },
      );
      await zip.file('manifest.json', single([JSON.stringify(manifest, null, 2)]));
      await zip.end();
      return manifest;
    },
    { snapshot: true },
  );
  out.end();
  return manifest;
}
