import type { FieldError } from '../../platform/errors.ts';

/**
 * The dedupe and merge plan of one batch, pure: which rows make a new person, which merge into
 * one (already stored, or made earlier in the same batch), and what each merge fills.
 *
 * - A row matches by email first, then by phone (the newest stored person wins a tie).
 * - A merge fills only empty fields and never overwrites one; `details` gains only new keys.
 * - For a merge into a stored person, `previous` records what it filled (all were empty, so
 *   null; details as they were), which is what undo puts back.
 */

type Values = Record<string, unknown>;

export type PlannedRow = { rowNumber: number; values: Values | null; errors: FieldError[] | null };

export type Plan = {
  creates: { id: string; rowNumber: number; values: Values }[];
  /** Per stored person, the fields to fill (only ever empty ones) and details to add. */
  fills: Map<string, { fields: Values; details: Values | null }>;
  outcomes: {
    rowNumber: number;
    outcome: 'imported' | 'merged' | 'rejected';
    targetId: string | null;
    errors: FieldError[] | null;
    previous: Values | null;
    /** The fields the row filled, for the lead's `imported` event. */
    filled: string[];
  }[];
};

const isEmpty = (v: unknown) => v === null || v === undefined || v === '';

export function planBatch(options: {
  rows: PlannedRow[];
  existing: Values[];
  /** Fields a merge may fill (`details` is handled apart, when `withDetails`). */
  fillFields: readonly string[];
  withDetails: boolean;
  newId: () => string;
}): Plan {
  const byEmail = new Map<string, Values>();
  const byPhone = new Map<string, Values>();
  const stored = new Set<Values>();
  const index = (p: Values) => {
    if (typeof p.email === 'string' && !byEmail.has(p.email.toLowerCase()))
      byEmail.set(p.email.toLowerCase(), p);
    if (typeof p.phoneE164 === 'string' && !byPhone.has(p.phoneE164)) byPhone.set(p.phoneE164, p);
  };
  // Newest first: the first seen of an email or phone is the one a row merges into.
  for (const p of options.existing) {
    const copy = { ...p };
    stored.add(copy);
    index(copy);
  }
  const plan: Plan = { creates: [], fills: new Map(), outcomes: [] };

  for (const row of options.rows) {
    if (!row.values) {
      plan.outcomes.push({
        rowNumber: row.rowNumber,
        outcome: 'rejected',
        targetId: null,
        errors: row.errors,
        previous: null,
        filled: [],
      });
      continue;
    }
    const v = row.values;
    const email = typeof v.email === 'string' ? v.email.toLowerCase() : undefined;
    const phone = typeof v.phoneE164 === 'string' ? v.phoneE164 : undefined;
    const target = (email && byEmail.get(email)) || (phone && byPhone.get(phone)) || undefined;
    if (!target) {
      const id = options.newId();
      const values = { ...v, id };
      plan.creates.push({ id, rowNumber: row.rowNumber, values });
      index(values);
      plan.outcomes.push({
        rowNumber: row.rowNumber,
        outcome: 'imported',
        targetId: id,
        errors: null,
        previous: null,
        filled: [],
      });
      continue;
    }
    const filled: string[] = [];
    for (const field of options.fillFields) {
      if (isEmpty(target[field]) && !isEmpty(v[field])) {
        target[field] = v[field];
        filled.push(field);
      }
    }
    let detailsBefore: Values | undefined;
    if (options.withDetails) {
      const current = (target.details ?? {}) as Values;
      const added = Object.keys((v.details ?? {}) as Values).filter((k) => !(k in current));
      if (added.length) {
        detailsBefore = current;
        target.details = { ...(v.details as Values), ...current };
      }
    }
    index(target);
    const id = target.id as string;
    let previous: Values | null = null;
    if (stored.has(target)) {
      const fill = plan.fills.get(id) ?? { fields: {}, details: null };
      for (const f of filled) fill.fields[f] = target[f];
      if (detailsBefore) fill.details = { ...((fill.details ?? {}) as Values), ...(v.details as Values) };
      plan.fills.set(id, fill);
      if (filled.length || detailsBefore) {
        previous = Object.fromEntries(filled.map((f) => [f, null]));
        if (detailsBefore) previous.details = detailsBefore;
      }
    }
    plan.outcomes.push({
      rowNumber: row.rowNumber,
      outcome: 'merged',
      targetId: id,
      errors: null,
      previous,
      filled: detailsBefore ? [...filled, 'details'] : filled,
    });
  }
  return plan;
}
