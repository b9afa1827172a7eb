/**
 * Usage and plan: the plan and its billing (GET /api/v1/billing), this month's metered usage
 * against the plan's limits (GET /api/v1/usage), what held leads are, the credits, and the plans
 * side by side (GET /api/v1/plans) with, for admins, the way to pay for one on Stripe.
 */
import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { Link } from 'react-router';
import { get } from '../api.ts';
import { billingQuery } from '../components/past-due-banner.tsx';
import { humanize, LoadFailed, Loading, useIsAdmin } from './settings-ui.tsx';
import { AiActivity } from './usage-ai.tsx';
import { BillingHistory, CheckoutReturn, PlanAndBilling } from './usage-billing.tsx';
import { creditsQuery } from './usage-credit-data.ts';
import { Credits } from './usage-credits.tsx';
import { type Plan, PlansSection } from './usage-plans.tsx';
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

const numbers = new Intl.NumberFormat();
const monthYear = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });
const dayMonth = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long', timeZone: 'UTC' });

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

/** The plan and its billing, the month's usage against it, held leads, credits, and the plans compared. */
export function Usage() {
  const usage = useQuery({ queryKey: ['usage'], queryFn: () => get<UsageAnswer>('/usage') });
  const plans = useQuery({
    queryKey: ['plans'],
    queryFn: () => get<{ data: Plan[] }>('/plans'),
    staleTime: 30 * 60_000,
  });
  // The shell asks for it too (cached for minutes); this screen wants it fresher.
  const billing = useQuery({ ...billingQuery, staleTime: 30_000 });
  const credits = useQuery(creditsQuery);
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
  const planList = plans.data?.data ?? [];
  const planName = (code: string) => planList.find((p) => p.code === code)?.name ?? humanize(code);

  // One paint when the answers are in: the sections below do not jump as each arrives.
  if (usage.isPending || plans.isPending || billing.isPending || credits.isPending) {
    return (
      <div className="usage">
        <h1>Usage and plan</h1>
        <CheckoutReturn />
        <Loading rows={8} label="Loading the plan, this month's usage and the credits…" />
      </div>
    );
  }

  return (
    <div className="usage">
      <h1>Usage and plan</h1>
      <CheckoutReturn />
      {billing.isError ? (
        <LoadFailed error={billing.error} retry={() => billing.refetch()} />
      ) : (
        <PlanAndBilling billing={billing.data} trialName={planName('trial')} />
      )}
      {usage.isError ? (
        <LoadFailed error={usage.error} retry={() => usage.refetch()} />
      ) : (
        <>
          <HeldLeads count={u!.heldLeads} />
          <section className="usage-section" aria-labelledby={meterTitle}>
            <h2 id={meterTitle}>Used in {month}</h2>
            <p className="usage-summary">
              Your usage on the <strong>{u!.plan.name}</strong> plan; the counts start again on {resets}{' '}
              (UTC).
            </p>
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
        </>
      )}
      <Credits checkoutAvailable={billing.data?.checkoutAvailable === true} />
      {isAdmin ? <AiActivity /> : null}
      {isAdmin ? <BillingHistory planName={planName} /> : null}
      <section className="usage-section" aria-labelledby={plansTitle}>
        <h2 id={plansTitle}>Plans</h2>
        {plans.isError ? (
          <LoadFailed error={plans.error} retry={() => plans.refetch()} />
        ) : (
          <PlansSection
            plans={planList}
            current={billing.data?.plan.code ?? u?.plan.code}
            billing={billing.data}
          />
        )}
      </section>
    </div>
  );
}
