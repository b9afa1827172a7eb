import { decodeTimeCursor, encodeTimeCursor, type TimeCursor } from '../../platform/cursor.ts';

/** The lead list's cursor (see platform/cursor.ts): the last row's (created_at, id). */
export type LeadCursor = TimeCursor;

export const encodeCursor = encodeTimeCursor;

/** The cursor a client sent back; 422 LEAD_CURSOR_INVALID naming `querystring.cursor`. */
export const decodeCursor = (raw: string): LeadCursor => decodeTimeCursor(raw, 'LEAD_CURSOR_INVALID');
