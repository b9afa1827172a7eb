import crypto from 'node:crypto';
import Stripe from 'stripe';
import type { Config } from '../../config.ts';
import type { Database, SqlClient } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import { stripeClient } from '../../providers/billing/stripe.ts';
import { clearRechargePending, creditWallet } from '../credits/credits.service.ts';

/**
 * Auto-recharge (issue 8): when a debit takes the wallet under its threshold, the wallet is marked
 * (`recharge_pending_since`, once per crossing) and job `credits.recharge` is queued in the same
 * transaction. The job charges the bundle to the customer's saved card with one off-session
 * PaymentIntent, its idempotency key naming the crossing, so a retried job never charges twice.
 * Succeeded: the bundle is credited (keyed by the PaymentIntent, which the webhook's
 * `payment_intent.succeeded` repeats harmlessly) and the mark cleared. Declined, or no card, or no
 * Stripe: the mark stays — no further attempt until a purchase lands or an admin changes the
 * setting — and the failure is in the billing history. Never a loop.
 */

export type RechargeOutcome = 'not_pending' | 'charged' | 'declined' | 'no_card' | 'not_configured';

type Pending = {
  pendingSince: string;
  bundle: { code: string; credits: number; priceCents: number } | null;
  customer: string | null;
};

async function pendingRecharge(client: SqlClient, accountId: string): Promise<Pending | null> {
  const { rows } = await client.query<{
    pending_since: Date | string | null;
    code: string | null;
    credits: number | null;
    price_cents: number | null;
    customer: string | null;
  }>(
    `SELECT w.recharge_pending_since AS pending_since, b.code, b.credits, b.price_cents,
            (SELECT stripe_customer_id FROM accounts WHERE id = $1) AS customer
       FROM credit_wallets w LEFT JOIN credit_bundles b ON b.code = w.auto_recharge_bundle AND b.is_active
      WHERE w.account_id = $1`,
    [accountId],
  );
  const r = rows[0];
  if (!r?.pending_since) return null;
  return {
    pendingSince: new Date(r.pending_since).toISOString(),
    bundle: r.code ? { code: r.code, credits: r.credits!, priceCents: r.price_cents! } : null,
    customer: r.customer,
  };
}

async function recordOutcome(
  client: SqlClient,
  accountId: string,
  type: string,
  payload: Record<string, unknown>,
) {
  await client.query(
    `INSERT INTO billing_events (account_id, id, type, payload, created_at) VALUES ($1, $2, $3, $4, clock_timestamp())`,
    [accountId, crypto.randomUUID(), type, JSON.stringify(payload)],
  );
}

/** The customer's card for off-session charges: the default one, else the newest saved card. */
async function savedCard(stripe: Stripe, customer: string): Promise<string | null> {
  const c = await stripe.customers.retrieve(customer);
  if (!c.deleted) {
    const preferred = c.invoice_settings?.default_payment_method;
    if (preferred) return typeof preferred === 'string' ? preferred : preferred.id;
  }
  const cards = await stripe.paymentMethods.list({ customer, type: 'card', limit: 1 });
  return cards.data[0]?.id ?? null;
}

/** Credits a recharge PaymentIntent that succeeded, once (by its id), and clears the mark. */
export async function creditRecharge(
  client: SqlClient,
  accountId: string,
  intent: { id: string; bundle: string },
): Promise<boolean> {
  const { rows } = await client.query<{ credits: number }>(
    'SELECT credits FROM credit_bundles WHERE code = $1',
    [intent.bundle],
  );
  const credits = rows[0]?.credits;
  if (!credits) return false;
  const outcome = await creditWallet(client, accountId, {
    kind: 'purchase',
    credits,
    stripeObjectId: intent.id,
    reference: { bundle: intent.bundle, paymentIntentId: intent.id, autoRecharge: true },
  });
  await clearRechargePending(client, accountId);
  return outcome.ok && !outcome.duplicate;
}

export async function rechargeWallet(
  db: Database,
  config: Pick<Config, 'stripe'>,
  accountId: string,
): Promise<RechargeOutcome> {
  const pending = await withTenant(db, accountId, (_tx, client) => pendingRecharge(client, accountId));
  if (!pending) return 'not_pending';
  const stripe = stripeClient(config);
  const fail = async (outcome: RechargeOutcome, detail: Record<string, unknown>) => {
    await withTenant(db, accountId, (_tx, client) =>
      recordOutcome(client, accountId, 'recharge.failed', { reason: outcome, ...detail }),
    );
    return outcome;
  };
  if (!stripe || !pending.bundle) return fail('not_configured', { bundle: pending.bundle?.code ?? null });
  if (!pending.customer) return fail('no_card', { bundle: pending.bundle.code });
  const card = await savedCard(stripe, pending.customer);
  if (!card) return fail('no_card', { bundle: pending.bundle.code });
  let intent: Stripe.PaymentIntent;
  try {
    intent = await stripe.paymentIntents.create(
      {
        amount: pending.bundle.priceCents,
        currency: 'usd',
        customer: pending.customer,
        payment_method: card,
        off_session: true,
        confirm: true,
        description: `Porchlight auto-recharge: ${pending.bundle.code}`,
        metadata: { accountId, bundle: pending.bundle.code, recharge: 'true' },
      },
      { idempotencyKey: `porchlight-recharge-${accountId}-${pending.pendingSince}` },
    );
  } catch (error) {
    // A declined card (or one needing the customer) is final for this crossing; anything else retries.
    if (error instanceof Stripe.errors.StripeCardError)
      return fail('declined', { bundle: pending.bundle.code, code: error.code ?? null });
    throw error;
  }
  if (intent.status !== 'succeeded')
    return fail('declined', {
      bundle: pending.bundle.code,
      status: intent.status,
      paymentIntentId: intent.id,
    });
  await withTenant(db, accountId, async (_tx, client) => {
    await creditRecharge(client, accountId, { id: intent.id, bundle: pending.bundle!.code });
    await recordOutcome(client, accountId, 'recharge.succeeded', {
      bundle: pending.bundle!.code,
      paymentIntentId: intent.id,
      amountCents: intent.amount,
    });
  });
  return 'charged';
}
