import crypto from 'node:crypto';
import type { Database, SqlClient } from '../../db/client.ts';
import type { CreditEntryKind } from '../../db/schema/index.ts';
import { withSystem, withTenant } from '../../db/tenant.ts';
import { decodeTimeCursor, encodeTimeCursor } from '../../platform/cursor.ts';
import { type FieldError, invalid } from '../../platform/errors.ts';
import { type AuditAction, recordAudit } from '../audit/audit.service.ts';
import type { CreditEntryView, CreditWalletView } from './credits.schema.ts';

/**
 * The credit wallet (issue 8): a balance per account that metered actions spend, kept equal to
 * the sum of its append-only ledger. Every movement is one conditional UPDATE of the wallet row
 * (the row lock orders concurrent movements; the condition re-checked on the newest row keeps
 * the balance from going below zero, and a constraint backs it) and one ledger row with the
 * balance after it, in the caller's transaction. A refused movement writes nothing.
 */

/** Today as the daily limit counts it: the UTC date, whatever the session's time zone. */
const TODAY = `(now() AT TIME ZONE 'UTC')::date`;

/** Until `credits.adjusted` is in the schema's `auditActions`, the list the audit type is made from. */
const CREDITS_ADJUSTED: AuditAction = 'credits.adjusted';

const num = (v: string | number | null) => (v === null ? null : Number(v));

/** Creates the account's empty wallet if it has none (a no-op otherwise). */
export async function ensureWallet(client: SqlClient, accountId: string): Promise<void> {
  await client.query(
    `INSERT INTO credit_wallets (account_id, id) VALUES ($1, $2) ON CONFLICT (account_id) DO NOTHING`,
    [accountId, crypto.randomUUID()],
  );
}

type Entry = {
  kind: CreditEntryKind;
  credits: number;
  balanceAfter: number;
  action?: string | null;
  quantity?: number | null;
  reference?: Record<string, unknown> | undefined;
  reason?: string | null | undefined;
  actorUserId?: string | null | undefined;
  stripeObjectId?: string | null | undefined;
};

async function insertEntry(client: SqlClient, accountId: string, e: Entry): Promise<string> {
  const id = crypto.randomUUID();
  await client.query(
    `INSERT INTO credit_ledger (account_id, id, kind, credits, balance_after, action, quantity, reference,
        reason, actor_user_id, stripe_object_id)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      accountId,
      id,
      e.kind,
      e.credits,
      e.balanceAfter,
      e.action ?? null,
      e.quantity ?? null,
      JSON.stringify(e.reference ?? {}),
      e.reason ?? null,
      e.actorUserId ?? null,
      e.stripeObjectId ?? null,
    ],
  );
  return id;
}

export type CreditInput = {
  kind: Extract<CreditEntryKind, 'purchase' | 'grant' | 'refund' | 'adjust'>;
  /** Positive, except an `adjust`, which may take (negative) and needs a reason. */
  credits: number;
  reason?: string | null | undefined;
  actorUserId?: string | null | undefined;
  /** Ids only (Stripe objects, a plan, a ticket), never personal data. */
  reference?: Record<string, unknown> | undefined;
  /** The Checkout session or PaymentIntent: one Stripe object is credited once. */
  stripeObjectId?: string | null | undefined;
};

export type CreditOutcome =
  | { ok: true; duplicate: false; balance: number; entryId: string }
  | { ok: true; duplicate: true; balance: number }
  | { ok: false; reason: 'insufficient' };

function creditErrors(input: CreditInput): FieldError[] {
  const { kind, credits } = input;
  if (!Number.isSafeInteger(credits) || credits === 0) {
    return [{ path: 'credits', message: 'must be a whole number other than 0' }];
  }
  if (kind !== 'adjust' && credits < 0)
    return [{ path: 'credits', message: `must be above 0 for a ${kind}` }];
  if (kind === 'adjust' && !input.reason?.trim()) return [{ path: 'reason', message: 'is required' }];
  return [];
}

/**
 * Adds `credits` to the wallet (a negative `adjust` takes them) and records the entry, in the
 * caller's transaction. A Stripe object already in the ledger credits nothing (`duplicate`): the
 * wallet row is locked before the check, so a second delivery of the same purchase, even a
 * concurrent one, waits for the first and finds its entry (the unique index is the backstop).
 * An adjust that would leave the balance below zero is refused and writes nothing.
 */
export async function creditWallet(
  client: SqlClient,
  accountId: string,
  input: CreditInput,
): Promise<CreditOutcome> {
  const errors = creditErrors(input);
  if (errors.length) throw invalid('CREDITS_INVALID', errors);
  await ensureWallet(client, accountId);
  if (input.stripeObjectId) {
    const { rows: locked } = await client.query<{ balance: string | number }>(
      `SELECT balance FROM credit_wallets WHERE account_id = $1 FOR UPDATE`,
      [accountId],
    );
    const { rows: seen } = await client.query(
      `SELECT 1 FROM credit_ledger WHERE account_id = $1 AND stripe_object_id = $2`,
      [accountId, input.stripeObjectId],
    );
    if (seen.length) return { ok: true, duplicate: true, balance: Number(locked[0]!.balance) };
  }
  const { rows } = await client.query<{ balance: string | number }>(
    `UPDATE credit_wallets SET balance = balance + $2::bigint, updated_at = now()
      WHERE account_id = $1 AND balance + $2::bigint >= 0 RETURNING balance`,
    [accountId, input.credits],
  );
  if (!rows[0]) return { ok: false, reason: 'insufficient' };
  const balance = Number(rows[0].balance);
  const entryId = await insertEntry(client, accountId, {
    kind: input.kind,
    credits: input.credits,
    balanceAfter: balance,
    reference: input.reference,
    reason: input.reason?.trim(),
    actorUserId: input.actorUserId,
    stripeObjectId: input.stripeObjectId,
  });
  return { ok: true, duplicate: false, balance, entryId };
}

export type DebitInput = {
  /** The `credit_prices` action paid for. */
  action: string;
  quantity?: number;
  reference?: Record<string, unknown>;
  /** The credits to take, instead of the price list's (ad-hoc charges, tests). */
  credits?: number;
};

export type DebitOutcome =
  | { ok: true; balance: number; entryId: string | null; rechargeDue: boolean }
  | { ok: false; reason: 'insufficient' | 'daily_limit' };

/*
 * The debit, in one statement: the balance and today's spend are checked and moved together,
 * and the auto-recharge crossing is marked. `prior` locks the row first so that RETURNING can
 * tell whether this debit is the one that set `recharge_pending_since` (RETURNING sees only the
 * new row); under concurrent debits it is the newest row, and the WHERE is re-checked on it.
 */
const DEBIT = `
  UPDATE credit_wallets w SET
      balance = w.balance - $2::bigint,
      spent_today = CASE WHEN w.spent_day = ${TODAY} THEN w.spent_today + $2::bigint ELSE $2::bigint END,
      spent_day = ${TODAY},
      recharge_pending_since = CASE
        WHEN w.recharge_pending_since IS NULL AND w.auto_recharge_below IS NOT NULL
          AND w.balance - $2::bigint < w.auto_recharge_below THEN now()
        ELSE w.recharge_pending_since END,
      updated_at = now()
    FROM (SELECT account_id, recharge_pending_since FROM credit_wallets WHERE account_id = $1 FOR UPDATE) prior
   WHERE w.account_id = $1 AND prior.account_id = w.account_id
     AND w.balance - $2::bigint >= 0
     AND (w.daily_limit IS NULL
       OR (CASE WHEN w.spent_day = ${TODAY} THEN w.spent_today ELSE 0 END) + $2::bigint <= w.daily_limit)
  RETURNING w.balance, prior.recharge_pending_since IS NULL AND w.recharge_pending_since IS NOT NULL AS recharge_due`;

async function priceOf(client: SqlClient, action: string, quantity: number): Promise<number> {
  const { rows } = await client.query<{ credits: number }>(
    `SELECT credits FROM credit_prices WHERE action = $1`,
    [action],
  );
  // A caller naming an action with no price is a bug, not a client's mistake.
  if (!rows[0]) throw new Error(`debitCredits: no credit price for action ${action}`);
  return rows[0].credits * quantity;
}

/**
 * Takes the price of `quantity` × `action` (or `credits`) from the wallet, in the caller's
 * transaction, and records a `consume` entry. Refused, writing nothing, when the balance is too
 * low (`insufficient`, also with no wallet) or today's spend would pass the daily limit
 * (`daily_limit`). `rechargeDue` is true for the debit that takes the balance under the
 * auto-recharge threshold while no recharge is pending: the caller queues the purchase, and
 * `clearRechargePending` re-arms it when that lands or fails. A free action (0 credits) moves
 * nothing and records nothing.
 */
export async function debitCredits(
  client: SqlClient,
  accountId: string,
  input: DebitInput,
): Promise<DebitOutcome> {
  const quantity = input.quantity ?? 1;
  if (!Number.isSafeInteger(quantity) || quantity < 1) throw new RangeError('debitCredits: quantity < 1');
  const credits = input.credits ?? (await priceOf(client, input.action, quantity));
  if (!Number.isSafeInteger(credits) || credits < 0) throw new RangeError('debitCredits: credits < 0');
  if (credits === 0) {
    const wallet = await readWallet(client, accountId);
    return { ok: true, balance: wallet.balance, entryId: null, rechargeDue: false };
  }
  const { rows } = await client.query<{ balance: string | number; recharge_due: boolean }>(DEBIT, [
    accountId,
    credits,
  ]);
  if (!rows[0]) {
    const { rows: current } = await client.query<{ balance: string | number }>(
      `SELECT balance FROM credit_wallets WHERE account_id = $1`,
      [accountId],
    );
    const short = !current[0] || Number(current[0].balance) < credits;
    return { ok: false, reason: short ? 'insufficient' : 'daily_limit' };
  }
  const balance = Number(rows[0].balance);
  const entryId = await insertEntry(client, accountId, {
    kind: 'consume',
    credits: -credits,
    balanceAfter: balance,
    action: input.action,
    quantity,
    reference: input.reference,
  });
  return { ok: true, balance, entryId, rechargeDue: rows[0].recharge_due === true };
}

/** Re-arms auto-recharge once the purchase it asked for has landed or failed. */
export async function clearRechargePending(client: SqlClient, accountId: string): Promise<void> {
  await client.query(
    `UPDATE credit_wallets SET recharge_pending_since = NULL, updated_at = now()
      WHERE account_id = $1 AND recharge_pending_since IS NOT NULL`,
    [accountId],
  );
}

type WalletRow = {
  balance: string | number;
  daily_limit: number | null;
  spent_today: string | number;
  auto_recharge_below: number | null;
  auto_recharge_bundle: string | null;
  recharge_pending: boolean;
};

const EMPTY_WALLET: CreditWalletView = {
  balance: 0,
  dailyLimit: null,
  spentToday: 0,
  autoRecharge: null,
  rechargePending: false,
};

async function readWallet(client: SqlClient, accountId: string): Promise<CreditWalletView> {
  const { rows } = await client.query<WalletRow>(
    `SELECT balance, daily_limit, CASE WHEN spent_day = ${TODAY} THEN spent_today ELSE 0 END AS spent_today,
            auto_recharge_below, auto_recharge_bundle, recharge_pending_since IS NOT NULL AS recharge_pending
       FROM credit_wallets WHERE account_id = $1`,
    [accountId],
  );
  const w = rows[0];
  if (!w) return EMPTY_WALLET;
  return {
    balance: Number(w.balance),
    dailyLimit: w.daily_limit,
    spentToday: Number(w.spent_today),
    autoRecharge:
      w.auto_recharge_below === null || w.auto_recharge_bundle === null
        ? null
        : { below: w.auto_recharge_below, bundle: w.auto_recharge_bundle },
    rechargePending: w.recharge_pending,
  };
}

/** The account's wallet: balance, today's spend and settings (all zero and off with no wallet yet). */
export function getWallet(db: Database, accountId: string): Promise<CreditWalletView> {
  return withTenant(db, accountId, (_tx, client) => readWallet(client, accountId), { snapshot: true });
}

export type WalletSettings = {
  /** Omitted: unchanged; null: no limit. */
  dailyLimit?: number | null | undefined;
  /** Omitted: unchanged; null: off. */
  autoRecharge?: { below: number; bundle: string } | null | undefined;
};

/**
 * Changes the daily limit and the auto-recharge setting; 422 CREDIT_SETTINGS_INVALID naming the
 * field for a bundle not on sale or a number out of range. Saving the auto-recharge setting clears a
 * recharge that is pending (one that failed waits for this, or for a purchase): the next crossing tries again.
 */
export async function updateWalletSettings(
  db: Database,
  accountId: string,
  settings: WalletSettings,
): Promise<CreditWalletView> {
  const { dailyLimit, autoRecharge } = settings;
  const errors: FieldError[] = [];
  if (dailyLimit != null && !(Number.isSafeInteger(dailyLimit) && dailyLimit > 0))
    errors.push({ path: 'dailyLimit', message: 'must be a whole number above 0' });
  if (autoRecharge && !(Number.isSafeInteger(autoRecharge.below) && autoRecharge.below >= 0))
    errors.push({ path: 'autoRecharge.below', message: 'must be a whole number, 0 or more' });
  if (errors.length) throw invalid('CREDIT_SETTINGS_INVALID', errors);
  return withTenant(db, accountId, async (_tx, client) => {
    if (autoRecharge) {
      const { rows } = await client.query(`SELECT 1 FROM credit_bundles WHERE code = $1 AND is_active`, [
        autoRecharge.bundle,
      ]);
      if (!rows.length) {
        throw invalid('CREDIT_SETTINGS_INVALID', [
          { path: 'autoRecharge.bundle', message: 'is not a credit bundle on sale' },
        ]);
      }
    }
    await ensureWallet(client, accountId);
    await client.query(
      `UPDATE credit_wallets SET
          daily_limit = CASE WHEN $2::boolean THEN $3::int ELSE daily_limit END,
          auto_recharge_below = CASE WHEN $4::boolean THEN $5::int ELSE auto_recharge_below END,
          auto_recharge_bundle = CASE WHEN $4::boolean THEN $6::text ELSE auto_recharge_bundle END,
          recharge_pending_since = CASE WHEN $4::boolean THEN NULL ELSE recharge_pending_since END,
          updated_at = now()
        WHERE account_id = $1`,
      [
        accountId,
        dailyLimit !== undefined,
        dailyLimit ?? null,
        autoRecharge !== undefined,
        autoRecharge?.below ?? null,
        autoRecharge?.bundle ?? null,
      ],
    );
    return readWallet(client, accountId);
  });
}

const decodeCursor = (raw: string) => decodeTimeCursor(raw, 'CREDIT_CURSOR_INVALID');

type LedgerRow = {
  id: string;
  kind: CreditEntryKind;
  credits: string | number;
  balance_after: string | number;
  action: string | null;
  quantity: number | null;
  reference: Record<string, unknown>;
  reason: string | null;
  created_at: Date | string;
  cursor_at: string;
};

/** The ledger, newest first, a page at a time (`before`: the previous page's `nextCursor`), with the balance. */
export async function listLedger(
  db: Database,
  accountId: string,
  options: { limit: number; before?: string | undefined },
): Promise<{ balance: number; data: CreditEntryView[]; nextCursor: string | null }> {
  const cursor = options.before ? decodeCursor(options.before) : null;
  return withTenant(
    db,
    accountId,
    async (_tx, client) => {
      const { rows } = await client.query<LedgerRow>(
        `SELECT id, kind, credits, balance_after, action, quantity, reference, reason, created_at,
                to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
           FROM credit_ledger
          WHERE account_id = $1
            AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
          ORDER BY created_at DESC, id DESC LIMIT $4`,
        [accountId, cursor?.at ?? null, cursor?.id ?? null, options.limit + 1],
      );
      const { balance } = await readWallet(client, accountId);
      const page = rows.slice(0, options.limit);
      const last = page[page.length - 1];
      return {
        balance,
        data: page.map((r) => ({
          id: r.id,
          kind: r.kind,
          credits: Number(r.credits),
          balanceAfter: Number(r.balance_after),
          action: r.action,
          quantity: r.quantity,
          reference: r.reference,
          reason: r.reason,
          createdAt: new Date(r.created_at).toISOString(),
        })),
        nextCursor:
          rows.length > options.limit && last ? encodeTimeCursor({ at: last.cursor_at, id: last.id }) : null,
      };
    },
    { snapshot: true },
  );
}

/** The balance against the sum of the ledger, read at one moment: `difference` is 0 when they agree. */
export async function reconcile(db: Database, accountId: string) {
  const { balance, ledgerSum } = await withTenant(
    db,
    accountId,
    async (_tx, client) => {
      const { rows } = await client.query<{ balance: string | number; ledger_sum: string | number }>(
        `SELECT coalesce((SELECT balance FROM credit_wallets WHERE account_id = $1), 0) AS balance,
                coalesce((SELECT sum(credits) FROM credit_ledger WHERE account_id = $1), 0) AS ledger_sum`,
        [accountId],
      );
      return { balance: num(rows[0]!.balance)!, ledgerSum: num(rows[0]!.ledger_sum)! };
    },
    { snapshot: true },
  );
  return { balance, ledgerSum, difference: balance - ledgerSum };
}

/**
 * A platform admin's correction (`adjust`, with a reason), audited as `credits.adjusted` in the
 * same transaction. Taking more than the balance is refused (`insufficient`) and writes nothing.
 */
export async function adjustCredits(
  db: Database,
  accountId: string,
  input: { credits: number; reason: string; actorUserId: string | null },
): Promise<{ ok: true; balance: number; entryId: string } | { ok: false; reason: 'insufficient' }> {
  return withTenant(db, accountId, async (tx, client) => {
    const outcome = await creditWallet(client, accountId, { kind: 'adjust', ...input });
    if (!outcome.ok) return outcome;
    if (outcome.duplicate) throw new Error('adjustCredits: an adjust cannot be a duplicate');
    await recordAudit(tx, {
      accountId,
      action: CREDITS_ADJUSTED,
      actorUserId: input.actorUserId,
      target: { type: 'credit_ledger', id: outcome.entryId },
      details: { credits: input.credits, balance: outcome.balance },
    });
    return { ok: true, balance: outcome.balance, entryId: outcome.entryId };
  });
}

/** The credit bundles on sale, in their order (a global table: no tenant involved). */
export function listBundles(db: Database) {
  return withSystem(db, 'credits: bundles on sale', async (_tx, client) => {
    const { rows } = await client.query<{ code: string; name: string; credits: number; price_cents: number }>(
      'SELECT code, name, credits, price_cents FROM credit_bundles WHERE is_active ORDER BY sort_order, code',
    );
    return {
      data: rows.map((b) => ({ code: b.code, name: b.name, credits: b.credits, priceCents: b.price_cents })),
    };
  });
}
