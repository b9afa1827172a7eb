import { z } from 'zod';
import { importKinds, importStatuses } from '../../db/schema/index.ts';
import { leadListQuery } from '../leads/leads.schema.ts';
import { importPresets } from './csv-presets.ts';

const fieldError = z.object({ path: z.string(), message: z.string() });

/** An import as the API shows it: its progress, and once worked, the report. */
export const importSchema = z.object({
  id: z.uuid(),
  kind: z.enum(importKinds),
  status: z.enum(importStatuses),
  preset: z.enum(importPresets).nullable(),
  mapping: z.record(z.string(), z.string()).describe('CSV header → field, as applied'),
  fileName: z.string().nullable(),
  totalRows: z.number().int().describe('data rows in the file (the header not counted)'),
  processedRows: z.number().int(),
  imported: z.number().int().describe('rows that made a new lead or contact'),
  merged: z.number().int().describe('rows merged into an existing one (same email or phone)'),
  rejected: z
    .array(
      z.object({
        row: z.number().int().describe('the row as a spreadsheet numbers it (header = 1)'),
        errors: z.array(fieldError),
      }),
    )
    .describe('the first 1000 rejected rows, each error naming its CSV column'),
  rejectedCount: z.number().int(),
  error: z.string().nullable().describe('why the import failed, when it did'),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
  undoneAt: z.string().nullable(),
});
export type ImportView = z.infer<typeof importSchema>;

export const importSummarySchema = importSchema.omit({ rejected: true });

export const importListSchema = z.object({
  data: z.array(importSummarySchema),
  nextCursor: z.string().nullable(),
});

export const importListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const importQuery = z.object({
  preset: z
    .enum(importPresets)
    .optional()
    .describe("the file's layout; default: detected from the headers, else `generic`"),
  mapping: z
    .string()
    .max(20_000)
    .optional()
    .describe('JSON object, CSV header → field (or `ignore`), overriding the preset'),
  fileName: z.string().trim().min(1).max(255).optional(),
});

export const importParams = z.object({ id: z.string() });

/** The lead export takes the lead list's filters. */
export const leadExportQuery = leadListQuery.omit({ limit: true, cursor: true, counts: true });

export const csvBody = z.string().describe('CSV text, UTF-8, the first row the header');
export const csvResponse = z.string().describe('CSV (text/csv; charset=utf-8), the first row the header');
