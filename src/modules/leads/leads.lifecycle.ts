import type { LeadStatus } from '../../db/schema/index.ts';

/** The lifecycle columns of a lead that a status change may set or clear. */
export type LifecycleState = {
  status: LeadStatus;
  firstResponseAt: Date | null;
  contactedAt: Date | null;
  qualifiedAt: Date | null;
  quotedAt: Date | null;
  bookedAt: Date | null;
  wonAt: Date | null;
  lostAt: Date | null;
  closedAt: Date | null;
  lostReason: string | null;
  spamReason: string | null;
};

export const NEW_LEAD_LIFECYCLE: LifecycleState = {
  status: 'new',
  firstResponseAt: null,
  contactedAt: null,
  qualifiedAt: null,
  quotedAt: null,
  bookedAt: null,
  wonAt: null,
  lostAt: null,
  closedAt: null,
  lostReason: null,
  spamReason: null,
};

const STAMPED = {
  contacted: 'contactedAt',
  qualified: 'qualifiedAt',
  quoted: 'quotedAt',
  booked: 'bookedAt',
  won: 'wonAt',
  lost: 'lostAt',
} as const satisfies Partial<Record<LeadStatus, keyof LifecycleState>>;

const CLOSED: readonly LeadStatus[] = ['won', 'lost'];

/**
 * The columns that change when a lead moves from `current.status` to `to` at `now`:
 *
 * - each stage's timestamp (contacted_at … lost_at) is set the first time the lead reaches it
 *   and kept afterwards, so a report can tell how far a lead ever got;
 * - `first_response_at` is set the first time the lead moves to a working status (not `new`,
 *   not `spam`);
 * - `closed_at` is when the lead last became won or lost: set on entering either, cleared when
 *   it is reopened, so `closed_at IS NULL` means open;
 * - `lost_reason` is the reason given with `lost` (required) and is cleared when the lead leaves
 *   `lost` (the `status_changed` event keeps it);
 * - `spam_reason` becomes `manual` when a person marks a lead spam, and is cleared when the lead
 *   is recovered (moved to any other status).
 *
 * Throws nothing: the caller checks that `lost` comes with a reason.
 */
export function transition(
  current: LifecycleState,
  to: LeadStatus,
  now: Date,
  lostReason?: string | null,
): Partial<LifecycleState> {
  if (to === current.status) return {};
  const set: Partial<LifecycleState> = { status: to };
  if (to in STAMPED) {
    const column = STAMPED[to as keyof typeof STAMPED];
    if (current[column] === null) set[column] = now;
  }
  if (current.firstResponseAt === null && to !== 'new' && to !== 'spam') set.firstResponseAt = now;
  const wasClosed = CLOSED.includes(current.status);
  const isClosed = CLOSED.includes(to);
  if (isClosed) set.closedAt = now;
  else if (wasClosed) set.closedAt = null;
  if (to === 'lost') set.lostReason = lostReason ?? null;
  else if (current.status === 'lost') set.lostReason = null;
  if (to === 'spam') set.spamReason = current.spamReason ?? 'manual';
  else if (current.status === 'spam') set.spamReason = null;
  return set;
}
