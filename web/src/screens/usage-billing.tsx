/**
 * Billing on the Usage screen: the plan and its status, when it renews or ends, the way to the
 * billing portal (admins), the line shown on the way back from Stripe Checkout, and the billing
 * history (admins, GET /api/v1/billing/events) in plain words.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId } from 'react';
import { useSearchParams } from 'react-router';
import { get } from '../api.ts';
import {
  type AccountStatus,
  BILLING_KEY,
  type Billing,
  useStripeRedirect,
} from '../components/past-due-banner.tsx';
import { humanize, LoadFailed, Loading, useIsAdmin, When } from './settings-ui.tsx';
import { type Bundle, bundleName, CREDITS_KEY, useBundles } from './usage-credit-data.ts';
import './usage-billing.css';

const STATUS: Record<AccountStatus, string> = {
  active: 'Active',
  trialing: 'Trial',
  past_due: 'Payment overdue',
  canceled: 'Canceled',
  suspended: 'Suspended',
};

/** Stripe's subscription statuses, in words. */
const SUBSCRIPTION_STATUS: Record<string, string> = {
  active: 'active',
  trialing: 'in its trial',
  past_due: 'payment overdue',
  unpaid: 'unpaid',
  paused: 'paused',
  canceled: 'canceled',
  incomplete: 'awaiting the first payment',
  incomplete_expired: 'first payment never made',
};

/** Why an automatic purchase did not happen (the recharge job's outcomes). */
const RECHARGE_FAILURES: Record<string, string> = {
  declined: 'the card was declined',
  no_card: 'no saved card',
  not_configured: 'payments are not set up',
};

const longDate = new Intl.DateTimeFormat(undefined, { dateStyle: 'long' });

function DateOf({ iso }: { iso: string }) {
  return <time dateTime={iso}>{longDate.format(new Date(iso))}</time>;
}

/** When the plan renews or ends, or why there is no date. */
function PeriodLine({ billing, trialName }: { billing: Billing; trialName: string }) {
  const sub = billing.subscription;
  const end = billing.currentPeriodEnd;
  if (sub && end && sub.cancelAtPeriodEnd) {
    return (
      <p>
        Ends on <DateOf iso={end} /> — your data stays; the {trialName} limits apply after.
      </p>
    );
  }
  if (sub && end) {
    const how =
      sub.interval === 'year' ? ', billed yearly' : sub.interval === 'month' ? ', billed monthly' : '';
    return (
      <p>
        Renews on <DateOf iso={end} />
        {how}.
      </p>
    );
  }
  if (billing.status === 'canceled') {
    return <p>The subscription has ended: your data stays, and the {trialName} limits apply.</p>;
  }
  if (billing.status === 'suspended') return <p>The account is suspended: contact us to restore it.</p>;
  return <p className="muted">No paid subscription.</p>;
}

/** The "Plan and billing" section at the top of the Usage screen. */
export function PlanAndBilling({ billing, trialName }: { billing: Billing; trialName: string }) {
  const isAdmin = useIsAdmin();
  const portal = useStripeRedirect();
  const title = useId();
  const hintId = useId();
  const canOpenPortal = isAdmin && billing.hasBillingAccount && billing.checkoutAvailable;
  return (
    <section className="usage-billing" aria-labelledby={title}>
      <h2 id={title}>Plan and billing</h2>
      <div className="usage-billing-main">
        <div className="usage-billing-facts">
          <p className="usage-billing-plan">
            <strong>{billing.plan.name}</strong> plan{' '}
            <span className={`usage-status ${billing.status}`}>{STATUS[billing.status]}</span>
          </p>
          <PeriodLine billing={billing} trialName={trialName} />
        </div>
        {canOpenPortal ? (
          <div className="usage-billing-actions">
            <button
              type="button"
              onClick={() => portal.go({ path: '/billing/portal' })}
              disabled={portal.busy}
              aria-describedby={hintId}
            >
              {portal.busy ? 'Opening…' : 'Manage billing'}
            </button>
            <p id={hintId} className="settings-hint">
              On Stripe: your card, invoices, plan changes and cancelling.
            </p>
          </div>
        ) : null}
      </div>
      {isAdmin ? null : (
        <p className="settings-hint">Only an owner or admin can change the plan or buy credits.</p>
      )}
    </section>
  );
}

/**
 * Back from Stripe Checkout (`?checkout=done` or `?checkout=canceled`): a polite line, and after
 * a payment the plan and credits asked for again a few times, until Stripe's webhook has landed.
 */
export function CheckoutReturn() {
  const [params, setParams] = useSearchParams();
  const queryClient = useQueryClient();
  const outcome = params.get('checkout');
  useEffect(() => {
    if (outcome !== 'done') return;
    let times = 0;
    const timer = window.setInterval(() => {
      for (const queryKey of [BILLING_KEY, CREDITS_KEY, ['usage']])
        void queryClient.invalidateQueries({ queryKey });
      times += 1;
      if (times >= 5) window.clearInterval(timer);
    }, 3000);
    return () => window.clearInterval(timer);
  }, [outcome, queryClient]);
  if (outcome !== 'done' && outcome !== 'canceled') return null;
  const dismiss = () =>
    setParams(
      (p) => {
        p.delete('checkout');
        return p;
      },
      { replace: true },
    );
  return (
    <div className={`usage-checkout ${outcome}`} role="status">
      <p>
        {outcome === 'done'
          ? 'Payment received — your plan or credits update in a few seconds.'
          : 'Checkout canceled; nothing was charged.'}
      </p>
      <button type="button" onClick={dismiss}>
        Dismiss<span className="sr-only"> this message</span>
      </button>
    </div>
  );
}

const FAILURES = ['invoice.payment_failed', 'recharge.failed'];

type BillingEvent = { id: string; type: string; payload: Record<string, unknown>; createdAt: string };

const text = (v: unknown) => (typeof v === 'string' ? v : null);
const cents = (v: unknown) => (typeof v === 'number' ? v : null);

function money(amount: number | null, currency: string | null): string {
  if (amount === null) return '';
  return new Intl.NumberFormat(undefined, {
    style: 'currency',
    currency: (currency ?? 'usd').toUpperCase(),
  }).format(amount / 100);
}

/** One billing event in words; `planName` names a plan code. */
function describe(e: BillingEvent, planName: (code: string) => string, bundles: Bundle[]): string {
  const p = e.payload;
  const plan = text(p.plan) ? planName(text(p.plan)!) : null;
  const subStatus = text(p.status)
    ? (SUBSCRIPTION_STATUS[text(p.status)!] ?? humanize(text(p.status)!))
    : null;
  const end = text(p.currentPeriodEnd);
  switch (e.type) {
    case 'subscription.created':
      return `Subscription started${plan ? ` on ${plan}` : ''}${subStatus ? ` (${subStatus})` : ''}`;
    case 'subscription.updated':
      if (p.cancelAtPeriodEnd === true) {
        return `Subscription set to end${end ? ` on ${longDate.format(new Date(end))}` : ''}`;
      }
      return `Subscription updated${plan ? `: ${plan}` : ''}${subStatus ? `, ${subStatus}` : ''}`;
    case 'subscription.deleted':
      return `Subscription ended${plan ? ` (${plan})` : ''}`;
    case 'plan.changed': {
      const from = text(p.fromPlan);
      const to = text(p.toPlan);
      if (from && to && from !== to) return `Plan changed from ${planName(from)} to ${planName(to)}`;
      const status = (s: unknown) =>
        text(s) ? (STATUS[text(s) as AccountStatus] ?? humanize(text(s)!)) : '?';
      return `Plan status changed from ${status(p.fromStatus).toLowerCase()} to ${status(p.toStatus).toLowerCase()}`;
    }
    case 'invoice.paid':
      return `Invoice paid: ${money(cents(p.amountPaidCents), text(p.currency))}`;
    case 'invoice.payment_failed':
      return `Payment failed: ${money(cents(p.amountDueCents), text(p.currency))} due`;
    case 'checkout.completed': {
      const total = cents(p.amountTotalCents);
      const paid = total === null ? '' : ` for ${money(total, text(p.currency) ?? 'usd')}`;
      if (text(p.bundle)) return `Bought ${bundleName(text(p.bundle)!, bundles)}${paid}`;
      return p.mode === 'subscription' ? `Subscribed through Checkout${paid}` : `Checkout completed${paid}`;
    }
    case 'recharge.succeeded': {
      const bundle = text(p.bundle);
      const paid = cents(p.amountCents);
      return `Auto-recharge: bought ${bundle ? bundleName(bundle, bundles) : 'credits'}${paid === null ? '' : ` for ${money(paid, 'usd')}`}`;
    }
    case 'recharge.failed':
      return `Auto-recharge failed: ${RECHARGE_FAILURES[text(p.reason) ?? ''] ?? 'the payment did not go through'}`;
    default:
      return humanize(e.type.replace('.', ' '));
  }
}

/** The account's billing history (admins): plan changes, invoices, purchases; stale events left out. */
export function BillingHistory({ planName }: { planName: (code: string) => string }) {
  const title = useId();
  const events = useQuery({
    queryKey: [...BILLING_KEY, 'events'],
    queryFn: () => get<{ data: BillingEvent[] }>('/billing/events?limit=20'),
  });
  const shown = events.data?.data.filter((e) => !e.type.endsWith('.stale')) ?? [];
  const bundles = useBundles();
  return (
    <section className="usage-section" aria-labelledby={title}>
      <h2 id={title}>Billing history</h2>
      {events.isPending ? (
        <Loading rows={2} label="Loading the billing history…" />
      ) : events.isError ? (
        <LoadFailed error={events.error} retry={() => events.refetch()} />
      ) : shown.length === 0 ? (
        <p className="muted">Nothing billed yet: plan changes, invoices and purchases show here.</p>
      ) : (
        <ul className="usage-history">
          {shown.map((e) => (
            <li key={e.id} className={FAILURES.includes(e.type) ? 'failed' : undefined}>
              <span>{describe(e, planName, bundles)}</span>
              <span className="usage-history-when muted">
                <When iso={e.createdAt} withTime />
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
