/**
 * Usage and plan: this month's metered usage against the plan's limits (GET /api/v1/usage),
 * what held leads are, and the plans side by side (GET /api/v1/plans). Changing plan is not
 * in the dashboard yet (billing comes later): the screen says whom to ask.
 */
import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useId } from 'react';
import { Link } from 'react-router';
import { get } from '../api.ts';
import { LoadFailed, Loading, useIsAdmin } from './settings-ui.tsx';
import { AiActivity } from './usage-ai.tsx';
import './settings.css';
import './usage.css';

type Limits = { leads: number | null; emails: number | null; sms: number | null; aiCalls: number | null };

/** GET /api/v1/usage (the month is UTC: `periodMonth` is its first day, "2026-11-01"). */
type UsageAnswer = {
  periodMonth: string;
  plan: { code: string; name: string };
  counters: { leadsCreated: number; emailsSent: number; smsSent: number; aiCalls: number };
  limits: Limits;
  heldLeads: number;
};

/** A plan of GET /api/v1/plans (prices in cents; a null limit is unlimited). */
type Plan = {
  code: string;
  name: string;
  priceMonthCents: number;
  priceYearCents: number;
  limits: Limits & { seats: number | null };
  features: Record<string, boolean>;
};

const numbers = new Intl.NumberFormat();
const monthYear = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });
const dayMonth = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long', timeZone: 'UTC' });

/** Prices are in US cents: "$29", "$29.50"; nothing to pay is "Free". */
function price(cents: number): string {
  if (cents === 0) return 'Free';
  return new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: cents % 100 === 0 ? 0 : 2,
  }).format(cents / 100);
}

const limitText = (limit: number | null) => (limit === null ? 'Unlimited' : numbers.format(limit));

/** Each counter, how it is named, and what reaching its limit means (as the server does it). */
const METERS = [
  {
    key: 'leads',
    counter: 'leadsCreated',
    label: 'Leads',
    unit: 'leads',
    near: (limit: number) => `Close to the limit: leads past ${numbers.format(limit)} are held, not lost.`,
    full: 'Limit reached: new leads are still captured, and held until the plan allows.',
  },
  {
    key: 'emails',
    counter: 'emailsSent',
    label: 'Emails',
    unit: 'emails',
    near: () => 'Close to the limit: past it, emails are not sent this month.',
    full: 'Limit reached: no more emails go out this month.',
  },
  {
    key: 'sms',
    counter: 'smsSent',
    label: 'Text messages',
    unit: 'text messages',
    near: () => 'Close to the limit: past it, text messages are not sent this month.',
    full: 'Limit reached: no more text messages go out this month.',
  },
  {
    key: 'aiCalls',
    counter: 'aiCalls',
    label: 'AI calls',
    unit: 'AI calls',
    near: () => 'Close to the limit: past it, leads get the built-in score instead of the AI’s this month.',
    full: 'Limit reached: leads get the built-in score instead of the AI’s until the month turns over.',
  },
] as const;

/** The features worth comparing (those the product has today). */
const FEATURES = [
  { key: 'customDomain', label: 'Custom domain' },
  { key: 'voiceCallback', label: 'Voice callback' },
] as const;

function Meter(props: {
  label: string;
  unit: string;
  used: number;
  limit: number | null;
  near: string;
  full: string;
}) {
  const id = useId();
  const { used, limit } = props;
  if (limit === null) {
    return (
      <li className="usage-meter">
        <div className="usage-meter-head">
          <span className="usage-meter-name">{props.label}</span>
          <span className="usage-meter-figure">
            {numbers.format(used)} <span className="muted">· Unlimited</span>
          </span>
        </div>
        <p className="usage-meter-note muted">No monthly limit on your plan.</p>
      </li>
    );
  }
  const ratio = limit === 0 ? 1 : used / limit;
  const percent = Math.round(ratio * 100);
  const tone = ratio >= 1 ? 'full' : ratio >= 0.8 ? 'near' : 'ok';
  const figure = `${numbers.format(used)} of ${numbers.format(limit)}`;
  return (
    <li className={`usage-meter ${tone}`}>
      <div className="usage-meter-head">
        <span className="usage-meter-name" id={`${id}-name`}>
          {props.label}
        </span>
        <span className="usage-meter-figure">
          {figure} <span className="muted">({percent}%)</span>
        </span>
      </div>
      {/* biome-ignore lint/a11y/useSemanticElements: a drawn bar; <meter> looks different in every browser. */}
      <div
        className="usage-bar"
        role="meter"
        aria-labelledby={`${id}-name`}
        aria-describedby={tone === 'ok' ? undefined : `${id}-note`}
        aria-valuemin={0}
        aria-valuemax={limit}
        aria-valuenow={Math.min(used, limit)}
        aria-valuetext={`${figure} ${props.unit} (${percent}%)`}
      >
        <span style={{ width: `${Math.min(100, ratio * 100)}%` }} />
      </div>
      {tone === 'ok' ? (
        <p className="usage-meter-note muted">{numbers.format(limit - used)} left this month.</p>
      ) : (
        <p className="usage-meter-note" id={`${id}-note`}>
          <span className="usage-tone" aria-hidden="true">
            {tone === 'full' ? '■' : '▲'}
          </span>{' '}
          {tone === 'full' ? props.full : props.near}
        </p>
      )}
    </li>
  );
}

function HeldLeads({ count }: { count: number }) {
  const id = useId();
  if (count === 0) {
    return (
      <p className="usage-capture">
        Capture never stops at the limit: a lead that arrives past it is kept and held, not refused.
      </p>
    );
  }
  const leads = count === 1 ? '1 lead' : `${numbers.format(count)} leads`;
  return (
    <section className="usage-held" aria-labelledby={id}>
      <h2 id={id}>{count === 1 ? '1 held lead' : `${numbers.format(count)} held leads`}</h2>
      <p>
        {leads} arrived over your plan's monthly limit. {count === 1 ? 'It is' : 'They are'} kept — nothing is
        lost — but {count === 1 ? 'its' : 'their'} contact details stay hidden, and no alert or automatic
        reply went out. {count === 1 ? 'It is' : 'They are'} released into your inbox, details and all, within
        a day of an upgrade or of the month turning over.
      </p>
      <p>
        <Link to="/leads?held=true" className="usage-held-link">
          See the held leads in the inbox
        </Link>
      </p>
    </section>
  );
}

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
 * plan on a phone (only one of the two is displayed, so a screen reader meets one).
 */
function PlansCompared({ plans, current }: { plans: Plan[]; current: string | undefined }) {
  const captionId = useId();
  const cell = (p: Plan) => (p.code === current ? 'current' : undefined);
  return (
    <>
      <table className="usage-plans">
        <caption id={captionId} className="sr-only">
          Plans compared
        </caption>
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
          </li>
        ))}
      </ul>
    </>
  );
}

/** The month's usage against the plan, held leads explained, and the plans compared. */
export function Usage() {
  const usage = useQuery({ queryKey: ['usage'], queryFn: () => get<UsageAnswer>('/usage') });
  const plans = useQuery({
    queryKey: ['plans'],
    queryFn: () => get<{ data: Plan[] }>('/plans'),
    staleTime: 30 * 60_000,
  });
  const isAdmin = useIsAdmin();
  const meterTitle = useId();
  const plansTitle = useId();
  const u = usage.data;

  let month = '';
  let resets = '';
  if (u) {
    const start = new Date(`${u.periodMonth.slice(0, 10)}T00:00:00Z`);
    month = monthYear.format(start);
    resets = dayMonth.format(new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1)));
  }

  // One paint when both answers are in: the plans below do not jump when the usage arrives.
  if (usage.isPending || plans.isPending) {
    return (
      <div className="usage">
        <h1>Usage and plan</h1>
        <Loading rows={6} label="Loading this month's usage and the plans…" />
      </div>
    );
  }

  return (
    <div className="usage">
      <h1>Usage and plan</h1>
      {usage.isError ? (
        <LoadFailed error={usage.error} retry={() => usage.refetch()} />
      ) : (
        <>
          <p className="usage-summary">
            You are on the <strong>{u!.plan.name}</strong> plan. This is your usage for{' '}
            <strong>{month}</strong>; the counts start again on {resets} (UTC).
          </p>
          <HeldLeads count={u!.heldLeads} />
          <section className="usage-section" aria-labelledby={meterTitle}>
            <h2 id={meterTitle}>Used in {month}</h2>
            <ul className="usage-meters">
              {METERS.map((m) => (
                <Meter
                  key={m.key}
                  label={m.label}
                  unit={m.unit}
                  used={u!.counters[m.counter]}
                  limit={u!.limits[m.key]}
                  near={m.near(u!.limits[m.key] ?? 0)}
                  full={m.full}
                />
              ))}
            </ul>
          </section>
          {isAdmin ? <AiActivity /> : null}
        </>
      )}
      <section className="usage-section" aria-labelledby={plansTitle}>
        <h2 id={plansTitle}>Plans</h2>
        {plans.isError ? (
          <LoadFailed error={plans.error} retry={() => plans.refetch()} />
        ) : (
          <PlansCompared plans={plans.data.data} current={u?.plan.code} />
        )}
        <p className="usage-change">
          Changing plan from the dashboard is not possible yet. <strong>To change plan, contact us</strong>:
          we switch it for you, and leads held over the limit are released within a day, as far as the new
          plan allows.
        </p>
      </section>
    </div>
  );
}
