import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse } from 'csv-parse';
import type { Database } from '../../db/client.ts';
import type { ImportKind } from '../../db/schema/index.ts';
import { isUuid, withTenant } from '../../db/tenant.ts';
import { decodeTimeCursor, encodeTimeCursor } from '../../platform/cursor.ts';
import { AppError, invalid, notFound } from '../../platform/errors.ts';
import type { JobQueue } from '../../platform/jobs.ts';
import { buildMapping, canIdentify, detectPreset, type ImportPreset } from './csv-presets.ts';
import { CONTACT_FILL, LEAD_FILL, runImport } from './import-run.service.ts';
import { runImportJob } from './imports.jobs.ts';
import {
  deleteCreatedPeople,
  deleteImport,
  findImports,
  findRejectedRows,
  getImportById,
  getImportForUpdate,
  type ImportRow,
  insertImport,
  insertImportRows,
  restoreMergedPeople,
  type StagedRow,
  updateImport,
} from './imports.repo.ts';
import type { ImportView } from './imports.schema.ts';

/**
 * CSV imports of leads and contacts. The upload streams through csv-parse into `import_rows`
 * in batches (no whole file in memory, no row limit), then the import is queued and the
 * `imports.run` job works it (import-run.service.ts), so any process's worker can, and undo
 * knows what each row did. A file that cannot be read as a CSV with a usable header leaves
 * nothing behind: the import and its staged rows are deleted before the 4xx.
 */

export const IMPORT_MAX_BYTES = 200 * 1024 * 1024;
const STAGE_BATCH = 1000;
const MAX_RECORD_BYTES = 1024 * 1024;
const MAX_COLUMNS = 500;
const REPORT_REJECTED = 1000;

export type ImportDeps = { db: Database; jobs: JobQueue | undefined };

export type ReceiveInput = {
  accountId: string;
  userId: string | null;
  kind: ImportKind;
  body: NodeJS.ReadableStream;
  preset?: ImportPreset | undefined;
  /** The `?mapping=` JSON text. */
  mapping?: string | undefined;
  fileName?: string | undefined;
};

/**
 * Counts bytes (413 past IMPORT_MAX_BYTES) and checks the bytes are UTF-8 text without NULs
 * (415 otherwise: a spreadsheet's binary format, an image…). Passes the bytes on unchanged.
 */
class TextGuard extends Transform {
  private bytes = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > IMPORT_MAX_BYTES) {
      done(
        new AppError(
          'payload_too_large',
          'IMPORT_TOO_LARGE',
          `The file is larger than ${IMPORT_MAX_BYTES / 1024 / 1024} MB`,
        ),
      );
      return;
    }
    try {
      this.decoder.decode(chunk, { stream: true });
    } catch {
      done(notCsv('it is not UTF-8 text (save it as "CSV UTF-8")'));
      return;
    }
    if (chunk.includes(0)) {
      done(notCsv('it holds binary data'));
      return;
    }
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    try {
      this.decoder.decode();
    } catch {
      done(notCsv('it is not UTF-8 text (save it as "CSV UTF-8")'));
      return;
    }
    done();
  }
}

function notCsv(why: string): AppError {
  return new AppError('unsupported_media_type', 'IMPORT_NOT_CSV', `The body is not a CSV file: ${why}`);
}

function parseMapping(raw: string | undefined): Record<string, string> {
  if (raw === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = undefined;
  }
  const ok =
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.values(value as object).every((v) => typeof v === 'string');
  if (!ok) {
    throw invalid('IMPORT_MAPPING_INVALID', [
      { path: 'querystring.mapping', message: 'must be a JSON object of CSV header → field name' },
    ]);
  }
  return value as Record<string, string>;
}

/** Header cells trimmed; an empty one named by its position, a repeated one numbered. */
function headersOf(record: string[]): string[] {
  const seen = new Map<string, number>();
  return record.map((cell, i) => {
    let name = cell.trim() || `Column ${i + 1}`;
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    if (n > 1) name = `${name} (${n})`;
    return name;
  });
}

const isBlank = (record: string[]) => record.every((c) => c.trim() === '');

/**
 * Streams the CSV body into a new import's staged rows, then queues it (in the same transaction
 * as its job). A row with the wrong number of cells is staged already rejected. Throws a 4xx
 * AppError for a file that is empty, binary, unreadable as CSV, has no header naming an email or
 * phone (or, for contacts, a name), or a header and no rows — and then nothing is kept.
 */
export async function receiveImport(deps: ImportDeps, input: ReceiveInput): Promise<ImportRow> {
  const override = parseMapping(input.mapping);
  const { db, jobs } = deps;
  const accountId = input.accountId;
  const parser = parse({
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
    max_record_size: MAX_RECORD_BYTES,
  });
  const piping = pipeline(input.body, new TextGuard(), parser);
  // The loop below reports the pipeline's error; this keeps it from going unhandled meanwhile.
  piping.catch(() => {});

  let header: string[] | undefined;
  let created: ImportRow | undefined;
  let rowNumber = 0;
  let total = 0;
  let rejected = 0;
  let batch: StagedRow[] = [];
  const flush = async () => {
    const rows = batch;
    batch = [];
    await withTenant(db, accountId, (_tx, client) => insertImportRows(client, accountId, created!.id, rows));
  };

  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      rowNumber++;
      if (!header) {
        if (isBlank(record)) continue;
        header = headersOf(record);
        if (header.length > MAX_COLUMNS) {
          throw invalid('IMPORT_HEADER_INVALID', [
            { path: 'body', message: `has ${header.length} columns; at most ${MAX_COLUMNS}` },
          ]);
        }
        created = await startImport(db, input, header, override);
        continue;
      }
      if (isBlank(record)) continue;
      total++;
      const data: Record<string, string> = {};
      header.forEach((h, i) => {
        data[h] = record[i] ?? '';
      });
      let errors: StagedRow['errors'] = null;
      if (record.length !== header.length) {
        for (let i = header.length; i < record.length; i++) data[`Column ${i + 1}`] = record[i]!;
        errors = [
          { path: 'row', message: `has ${record.length} cells where the header has ${header.length}` },
        ];
        rejected++;
      }
      batch.push({ rowNumber, data, outcome: errors ? 'rejected' : 'pending', errors });
      if (batch.length >= STAGE_BATCH) await flush();
    }
    await piping;
    if (!header || !created) {
      throw new AppError(
        'unprocessable',
        'IMPORT_EMPTY',
        'The file is empty: it needs a header row and rows',
      );
    }
    if (total === 0) {
      throw new AppError('unprocessable', 'IMPORT_NO_ROWS', 'The file has a header row but no rows');
    }
    await flush();
  } catch (error) {
    if (created) {
      const id = created.id;
      await withTenant(db, accountId, (tx) => deleteImport(tx, accountId, id));
    }
    throw readError(error);
  }

  const queued = await withTenant(db, accountId, async (tx, client) => {
    await updateImport(tx, accountId, created!.id, {
      status: 'queued',
      totalRows: total,
      processedRows: rejected,
      rejected,
    });
    if (jobs) await jobs.enqueue(client, runImportJob, { accountId, importId: created!.id });
    return (await getImportById(tx, accountId, created!.id))!;
  });
  if (jobs) jobs.wake(runImportJob.name);
  // Without a job queue (tools, the sweep's app), the import is worked here and now.
  else await runImport(db, accountId, queued.id);
  return queued;
}

/** The new import (status `receiving`) for this header: its preset and mapping, checked. */
async function startImport(
  db: Database,
  input: ReceiveInput,
  header: string[],
  override: Record<string, string>,
): Promise<ImportRow> {
  const preset = input.preset ?? detectPreset(header);
  const built = buildMapping(input.kind, preset, header, override);
  if (!built.ok) throw invalid('IMPORT_MAPPING_INVALID', built.errors);
  if (!canIdentify(input.kind, built.mapping)) {
    const wanted = input.kind === 'leads' ? 'an email or a phone' : 'a name, an email or a phone';
    throw invalid(
      'IMPORT_HEADER_INVALID',
      [
        {
          path: 'body',
          message: `no column of the header (${header.slice(0, 10).join(', ')}) names ${wanted}; the first row must be the header, or pass ?mapping=`,
        },
      ],
      'The file has no usable header row',
    );
  }
  return withTenant(db, input.accountId, (tx) =>
    insertImport(tx, {
      accountId: input.accountId,
      id: crypto.randomUUID(),
      kind: input.kind,
      status: 'receiving',
      preset,
      mapping: built.mapping,
      fileName: input.fileName ?? null,
      createdByUserId: input.userId,
    }),
  );
}

/** A parse error as a 4xx naming where the file went wrong; an AppError as it is. */
function readError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  if (error instanceof CsvError) {
    const line = (error as CsvError & { lines?: number }).lines;
    return invalid(
      'IMPORT_CSV_INVALID',
      [{ path: line ? `line ${line}` : 'body', message: error.message }],
      'The file cannot be read as CSV',
    );
  }
  // The client went away mid-upload: nothing was kept; the answer goes nowhere.
  const code = (error as NodeJS.ErrnoException)?.code;
  if (
    code === 'ECONNRESET' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    (error as Error)?.message === 'aborted'
  ) {
    return new AppError('bad_request', 'IMPORT_ABORTED', 'The upload was interrupted');
  }
  return error;
}

/**
 * Waits up to `timeoutMs` for the job to finish the import; answers it as it then stands.
 * For the upload route, so a file of ordinary size gets its report in the same request.
 */
export async function waitForImport(
  db: Database,
  accountId: string,
  id: string,
  timeoutMs: number,
): Promise<ImportView> {
  const deadline = Date.now() + timeoutMs;
  let delay = 50;
  for (;;) {
    const row = await withTenant(db, accountId, (tx) => getImportById(tx, accountId, id));
    if (!row) throw notFound('IMPORT_NOT_FOUND');
    if (row.status !== 'queued' && row.status !== 'running') return getImportReport(db, accountId, id);
    if (Date.now() + delay > deadline) return getImportReport(db, accountId, id);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 500);
  }
}

function present(row: ImportRow, rejected: { row: number; errors: unknown }[] = []): ImportView {
  return {
    id: row.id,
    kind: row.kind as ImportKind,
    status: row.status as ImportView['status'],
    preset: row.preset as ImportPreset | null,
    mapping: row.mapping,
    fileName: row.fileName,
    totalRows: row.totalRows,
    processedRows: row.processedRows,
    imported: row.imported,
    merged: row.merged,
    rejected: rejected as ImportView['rejected'],
    rejectedCount: row.rejected,
    error: row.error,
    createdAt: row.createdAt.toISOString(),
    completedAt: row.completedAt?.toISOString() ?? null,
    undoneAt: row.undoneAt?.toISOString() ?? null,
  };
}

/** An import with its progress and the first 1000 rejected rows; 404 when not this account's. */
export async function getImportReport(db: Database, accountId: string, id: string): Promise<ImportView> {
  if (!isUuid(id)) throw notFound('IMPORT_NOT_FOUND');
  return withTenant(
    db,
    accountId,
    async (tx) => {
      const row = await getImportById(tx, accountId, id);
      if (!row) throw notFound('IMPORT_NOT_FOUND');
      const rejected = await findRejectedRows(tx, accountId, id, REPORT_REJECTED);
      return present(
        row,
        rejected.map((r) => ({ row: r.row, errors: r.errors ?? [] })),
      );
    },
    { snapshot: true },
  );
}

/** The account's imports, newest first. */
export async function listImports(
  db: Database,
  accountId: string,
  options: { limit: number; cursor?: string | undefined },
) {
  const cursor = options.cursor ? decodeTimeCursor(options.cursor, 'IMPORT_CURSOR_INVALID') : undefined;
  const rows = await withTenant(db, accountId, (tx) => findImports(tx, accountId, options.limit, cursor));
  const more = rows.length > options.limit;
  const page = more ? rows.slice(0, options.limit) : rows;
  const last = page[page.length - 1];
  return {
    data: page.map(({ row }) => {
      const { rejected: _r, ...summary } = present(row);
      return summary;
    }),
    nextCursor: more && last ? encodeTimeCursor({ at: last.cursorAt, id: last.row.id }) : null,
  };
}

/**
 * Reverts a completed import as a whole, in one transaction: deletes the leads or contacts it
 * created and empties again the fields its merges filled. 409 unless it is `completed`.
 */
export async function undoImport(db: Database, accountId: string, id: string): Promise<ImportView> {
  if (!isUuid(id)) throw notFound('IMPORT_NOT_FOUND');
  await withTenant(db, accountId, async (tx, client) => {
    const row = await getImportForUpdate(tx, accountId, id);
    if (!row) throw notFound('IMPORT_NOT_FOUND');
    if (row.status !== 'completed') {
      throw new AppError(
        'conflict',
        'IMPORT_NOT_UNDOABLE',
        row.status === 'undone'
          ? 'This import was already undone'
          : `This import is ${row.status}, not completed`,
      );
    }
    const table = row.kind === 'leads' ? 'leads' : 'contacts';
    const columns = row.kind === 'leads' ? LEAD_FILL : CONTACT_FILL;
    // Fields first: a merge into a lead this import created is deleted with the lead anyway.
    await restoreMergedPeople(client, table, accountId, id, columns);
    await deleteCreatedPeople(client, table, accountId, id);
    await updateImport(tx, accountId, id, { status: 'undone', undoneAt: new Date() });
  });
  return getImportReport(db, accountId, id);
}
