import { isUuid } from '../db/tenant.ts';
import { invalid } from './errors.ts';

/**
 * A list cursor: the last row's (created_at, id), opaque to clients (base64url of JSON).
 * created_at travels as text with its microseconds: a JavaScript Date keeps only milliseconds,
 * and rows a few microseconds apart would otherwise be skipped or repeated across pages.
 */
export type TimeCursor = { at: string; id: string };

const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeTimeCursor(cursor: TimeCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

/** The cursor a client sent back; 422 `code` naming `querystring.cursor` for anything we did not make. */
export function decodeTimeCursor(raw: string, code: string): TimeCursor {
  const bad = () => invalid(code, [{ path: 'querystring.cursor', message: 'is not a valid cursor' }]);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(value) || value.length !== 2) throw bad();
  const [at, id] = value as unknown[];
  if (typeof at !== 'string' || !AT.test(at) || Number.isNaN(Date.parse(at)) || !isUuid(id)) throw bad();
  return { at, id: id.toLowerCase() };
}
