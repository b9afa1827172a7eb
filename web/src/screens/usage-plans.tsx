/**
 * The plans side by side (GET /api/v1/plans), the current one marked, and for admins the way to
 * pay for one: a month/year choice and a button per paid plan that opens Stripe Checkout. An
 * account already paying changes plan in the billing portal, so it is pointed there instead.
 */
import { type ReactNode, useId, useState } from 'react';
import { type Billing, useStripeRedirect } from '../components/past-due-banner.tsx';
import { useIsAdmin } from './settings-ui.tsx';

type Limits = { leads: number | null; emails: number | null; sms: number | null; aiCalls: number | null };

/** A plan of GET /api/v1/plans (prices in cents; a null limit is unlimited). */
export type Plan = {
  code: string;
  name: string;
  priceMonthCents: number;
  priceYearCents: number;
  limits: Limits & { seats: number | null };
  features: Record<string, boolean>;
  includedCredits?: number;
};

type Cadence = 'month' | 'year';

const numbers = new Intl.NumberFormat();

/** Prices are in US cents: "$29", "$29.50"; nothing to pay is "Free". */
export function price(cents: number): string {
  if (cents === 0) return 'Free';
  return new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: cents % 100 === 0 ? 0 : 2,
  }).format(cents / 100);
}

const limitText = (limit: number | null) => (limit === null ? 'Unlimited' : numbers.format(limit));

/** The features worth comparing (those the product has today). */
const FEATURES = [
  { key: 'customDomain', label: 'Custom domain' },
  { key: 'voiceCallback', label: 'Voice callback' },
] as const;

/** The plans' facts, one row each: the table's rows, the phone cards' lines. */
const PLAN_ROWS: { label: string; value: (p: Plan) => ReactNode }[] = [
  {
    label: 'Price a month',
    value: (p) => (
      <>
        <strong>{price(p.priceMonthCents)}</strong>
        {p.priceYearCents > 0 ? (
          <span className="usage-year muted">or {price(p.priceYearCents)} a year</span>
        ) : null}
      </>
    ),
  },
  { label: 'Leads a month', value: (p) => limitText(p.limits.leads) },
  { label: 'Emails a month', value: (p) => limitText(p.limits.emails) },
  { label: 'Text messages a month', value: (p) => limitText(p.limits.sms) },
  { label: 'AI calls a month', value: (p) => limitText(p.limits.aiCalls) },
  { label: 'Team seats', value: (p) => limitText(p.limits.seats) },
  ...FEATURES.map((f) => ({
    label: f.label,
    value: (p: Plan) =>
      p.features[f.key] ? (
        <span className="usage-yes">
          <span aria-hidden="true">✓ </span>Included
        </span>
      ) : (
        <span className="muted">
          <span aria-hidden="true">—</span>
          <span className="sr-only">Not included</span>
        </span>
      ),
  })),
];

/**
 * The plans side by side, the current one marked: a table where there is room, one card per
 * plan on a phone (only one of the two is displayed, so a screen reader meets one). `action`
 * gives a plan's button, if it has one.
 */
function PlansCompared(props: {
  plans: Plan[];
  current: string | undefined;
  action?: ((p: Plan) => ReactNode) | undefined;
}) {
  const { plans, current, action } = props;
  const cell = (p: Plan) => (p.code === current ? 'current' : undefined);
  return (
    <>
      <table className="usage-plans">
        <caption className="sr-only">Plans compared</caption>
        <thead>
          <tr>
            <td />
            {plans.map((p) => (
              <th key={p.code} scope="col" className={cell(p)}>
                {p.name}
                {p.code === current ? <span className="usage-current">Your plan</span> : null}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {PLAN_ROWS.map((row) => (
            <tr key={row.label}>
              <th scope="row">{row.label}</th>
              {plans.map((p) => (
                <td key={p.code} className={cell(p)}>
                  {row.value(p)}
                </td>
              ))}
            </tr>
          ))}
          {action ? (
            <tr className="usage-plan-actions">
              <th scope="row">
                <span className="sr-only">Change plan</span>
              </th>
              {plans.map((p) => (
                <td key={p.code} className={cell(p)}>
                  {action(p)}
                </td>
              ))}
            </tr>
          ) : null}
        </tbody>
      </table>
      <ul className="usage-plan-cards">
        {plans.map((p) => (
          <li key={p.code} className={`usage-plan-card ${cell(p) ?? ''}`}>
            <h3>
              {p.name}
              {p.code === current ? <span className="usage-current">Your plan</span> : null}
            </h3>
            <dl>
              {PLAN_ROWS.map((row) => (
                <div key={row.label}>
                  <dt>{row.label}</dt>
                  <dd>{row.value(p)}</dd>
                </div>
              ))}
            </dl>
            {action?.(p) ? <div className="usage-plan-card-action">{action(p)}</div> : null}
          </li>
        ))}
      </ul>
    </>
  );
}

/** Monthly or yearly, for the Checkout buttons below it. */
function CadenceChoice({ value, onChange }: { value: Cadence; onChange: (c: Cadence) => void }) {
  const name = useId();
  return (
    <fieldset className="usage-cadence">
      <legend>Pay</legend>
      {(['month', 'year'] as const).map((c) => (
        <label key={c}>
          <input type="radio" name={name} value={c} checked={value === c} onChange={() => onChange(c)} />
          {c === 'month' ? 'Monthly' : 'Yearly'}
        </label>
      ))}
    </fieldset>
  );
}

/** What the person may do about the plan, under the comparison. */
function PlanNote({
  billing,
  isAdmin,
  noteId,
}: {
  billing: Billing | undefined;
  isAdmin: boolean;
  noteId: string;
}) {
  const portal = useStripeRedirect();
  if (!billing) {
    return (
      <p className="usage-change">
        <strong>To change plan, contact us</strong>: leads held over the limit are released within a day, as
        far as the new plan allows.
      </p>
    );
  }
  if (!isAdmin) {
    return (
      <p className="usage-change">
        Only an owner or admin of the account can change its plan. Leads held over the limit are released
        within a day of an upgrade, as far as the new plan allows.
      </p>
    );
  }
  if (billing.subscription) {
    const canOpen = billing.hasBillingAccount && billing.checkoutAvailable;
    return (
      <div className="usage-change usage-change-row">
        <p>
          You already pay for the <strong>{billing.plan.name}</strong> plan: change plan, switch between
          monthly and yearly, or cancel in{' '}
          {canOpen ? 'the billing portal' : 'Stripe’s billing portal (contact us)'}.
        </p>
        {canOpen ? (
          <button type="button" onClick={() => portal.go({ path: '/billing/portal' })} disabled={portal.busy}>
            {portal.busy ? 'Opening…' : 'Manage billing'}
          </button>
        ) : null}
      </div>
    );
  }
  if (!billing.checkoutAvailable) {
    return (
      <p className="usage-change" id={noteId}>
        Payments are not set up on this server, so a plan cannot be bought here: <strong>contact us</strong>{' '}
        to change plan.
      </p>
    );
  }
  return (
    <p className="usage-change">
      Payment is on Stripe’s secure page. Leads held over the limit are released within a day of an upgrade,
      as far as the new plan allows.
    </p>
  );
}

/** The "Plans" section: the comparison, and for admins not yet paying, a Checkout button per paid plan. */
export function PlansSection(props: {
  plans: Plan[];
  current: string | undefined;
  billing: Billing | undefined;
}) {
  const { plans, billing } = props;
  const isAdmin = useIsAdmin();
  const [cadence, setCadence] = useState<Cadence>('month');
  const checkout = useStripeRedirect();
  const [chosen, setChosen] = useState<string | null>(null);
  const noteId = useId();
  const canBuy = isAdmin && billing !== undefined && billing.subscription === null;
  const available = billing?.checkoutAvailable === true;
  const currentPrice = plans.find((p) => p.code === props.current)?.priceMonthCents ?? 0;

  const action = (p: Plan): ReactNode => {
    const cents = cadence === 'year' ? p.priceYearCents : p.priceMonthCents;
    if (p.code === props.current || p.priceMonthCents === 0) return null;
    if (cents === 0) return <span className="muted">Monthly only</span>;
    const upgrade = p.priceMonthCents > currentPrice;
    const pressed = checkout.busy && chosen === p.code;
    return (
      <button
        type="button"
        className={upgrade ? 'primary' : undefined}
        disabled={!available || checkout.busy}
        aria-describedby={available ? undefined : noteId}
        onClick={() => {
          setChosen(p.code);
          checkout.go({ path: '/billing/checkout', body: { plan: p.code, interval: cadence } });
        }}
      >
        {pressed ? 'Opening checkout…' : upgrade ? 'Upgrade' : 'Choose'}
        <span className="sr-only">
          {upgrade ? ' to' : ''} {p.name}, {price(cents)} a {cadence}
        </span>
      </button>
    );
  };

  return (
    <>
      {canBuy && available ? <CadenceChoice value={cadence} onChange={setCadence} /> : null}
      <PlansCompared plans={plans} current={props.current} action={canBuy ? action : undefined} />
      <PlanNote billing={billing} isAdmin={isAdmin} noteId={noteId} />
    </>
  );
}
