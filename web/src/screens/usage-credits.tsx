/**
 * The account's credits on the Usage screen (GET /api/v1/credits): the balance for everyone; for
 * admins also today's spend against the daily limit, auto-recharge, the bundles on sale (Stripe
 * Checkout), the wallet's settings and the latest ledger entries.
 */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { get } from '../api.ts';
import { useStripeRedirect } from '../components/past-due-banner.tsx';
import { humanize, LoadFailed, Loading, useIsAdmin, When } from './settings-ui.tsx';
import {
  type Bundle,
  bundleText,
  CREDITS_KEY,
  creditsQuery,
  creditsText,
  numbers,
  useBundles,
  type Wallet,
} from './usage-credit-data.ts';
import { CreditSettings } from './usage-credit-settings.tsx';
import { price } from './usage-plans.tsx';
import './usage-billing.css';

type LedgerEntry = {
  id: string;
  kind: 'purchase' | 'grant' | 'consume' | 'refund' | 'adjust' | 'expire';
  credits: number;
  balanceAfter: number;
  action: string | null;
  quantity: number | null;
  reference: Record<string, unknown>;
  reason: string | null;
  createdAt: string;
};
type LedgerPage = { balance: number; data: LedgerEntry[]; nextCursor: string | null };

const plural = (n: number, one: string, many = `${one}s`) => `${numbers.format(n)} ${n === 1 ? one : many}`;

/** What a `consume` paid for, in words (the server's credit_prices actions). */
const ACTIONS: Record<string, (q: number) => string> = {
  sms_send: (q) => plural(q, 'text message'),
  email_send: (q) => plural(q, 'email'),
  ai_chat_1k_tokens: (q) => `${numbers.format(q * 1000)} AI tokens`,
  ai_voice_call_minute: (q) => `${plural(q, 'minute')} of AI voice call`,
  contact_enrichment: (q) => plural(q, 'contact lookup'),
  property_report: (q) => plural(q, 'property report'),
};

function entryText(e: LedgerEntry, bundles: Bundle[]): string {
  const what = e.action ? (ACTIONS[e.action]?.(e.quantity ?? 1) ?? humanize(e.action)) : null;
  const why = e.reason ? `: ${e.reason}` : '';
  switch (e.kind) {
    case 'purchase':
      return `${e.reference.autoRecharge === true ? 'Auto-recharge: bought' : 'Bought'}${
        typeof e.reference.bundle === 'string' ? ` ${bundleText(e.reference.bundle, bundles)}` : ''
      }`;
    case 'grant':
      return `Granted${why}`;
    case 'consume':
      return what ? `Spent on ${what}` : 'Spent';
    case 'refund':
      return what ? `Refunded for ${what}` : `Refunded${why}`;
    case 'adjust':
      return `Adjusted${why}`;
    default:
      return 'Expired';
  }
}

const signed = (n: number) => (n > 0 ? `+${numbers.format(n)}` : `−${numbers.format(-n)}`);

/** The balance, and for admins today's spend and auto-recharge, as a few figures. */
function CreditFigures({ wallet, isAdmin }: { wallet: Wallet; isAdmin: boolean }) {
  const bundles = useBundles();
  const { dailyLimit, autoRecharge } = wallet;
  return (
    <dl className="usage-credit-figures">
      <div className="usage-credit-figure">
        <dt>Balance</dt>
        <dd>
          <strong className="usage-credit-balance">{numbers.format(wallet.balance)}</strong>{' '}
          {wallet.balance === 1 ? 'credit' : 'credits'}
        </dd>
      </div>
      {isAdmin ? (
        <>
          <div className="usage-credit-figure">
            <dt>Spent today (UTC)</dt>
            <dd>
              {dailyLimit === null
                ? `${numbers.format(wallet.spentToday)} · no daily limit`
                : `${numbers.format(wallet.spentToday)} of ${creditsText(dailyLimit)}`}
            </dd>
          </div>
          <div className="usage-credit-figure">
            <dt>Auto-recharge</dt>
            <dd>
              {autoRecharge
                ? `Buys ${bundleText(autoRecharge.bundle, bundles)} when the balance falls below ${numbers.format(autoRecharge.below)}`
                : 'Off'}
              {wallet.rechargePending ? (
                <span className="usage-credit-pending">
                  {' '}
                  A recharge was started and has not landed yet; the billing history shows it if it failed.
                </span>
              ) : null}
            </dd>
          </div>
        </>
      ) : null}
    </dl>
  );
}

/** The three bundles, each a button to Stripe Checkout (disabled, and why, without Stripe). */
function BuyCredits({ available }: { available: boolean }) {
  const bundles = useBundles();
  const title = useId();
  const noteId = useId();
  const checkout = useStripeRedirect();
  const [chosen, setChosen] = useState<string | null>(null);
  return (
    <div className="usage-credit-block">
      <h3 id={title}>Buy credits</h3>
      <ul className="usage-bundles" aria-labelledby={title}>
        {bundles.map((b) => (
          <li key={b.code}>
            <button
              type="button"
              className="usage-bundle"
              disabled={!available || checkout.busy}
              aria-describedby={noteId}
              onClick={() => {
                setChosen(b.code);
                checkout.go({ path: '/billing/checkout', body: { bundle: b.code } });
              }}
            >
              <strong>{creditsText(b.credits)}</strong>
              <span className="usage-bundle-price">
                {checkout.busy && chosen === b.code ? 'Opening checkout…' : price(b.priceCents)}
              </span>
            </button>
          </li>
        ))}
      </ul>
      <p id={noteId} className="settings-hint">
        {available
          ? 'Paid on Stripe’s secure page; the credits arrive within seconds of the payment.'
          : 'Payments are not set up on this server, so credits cannot be bought here.'}
      </p>
    </div>
  );
}

/** The latest credit movements, newest first, 20 at a time. */
function CreditLedger() {
  const title = useId();
  const ledger = useInfiniteQuery({
    queryKey: [...CREDITS_KEY, 'ledger'],
    queryFn: ({ pageParam }) =>
      get<LedgerPage>(
        `/credits/ledger?limit=20${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const entries = ledger.data?.pages.flatMap((p) => p.data) ?? [];
  const bundles = useBundles();
  return (
    <div className="usage-credit-block">
      <h3 id={title}>Latest movements</h3>
      {ledger.isPending ? (
        <Loading rows={3} label="Loading the credit movements…" />
      ) : ledger.isError ? (
        <LoadFailed error={ledger.error} retry={() => ledger.refetch()} />
      ) : entries.length === 0 ? (
        <p className="muted">No credits bought or spent yet.</p>
      ) : (
        <>
          <ul className="usage-ledger" aria-labelledby={title}>
            {entries.map((e) => (
              <li key={e.id} className="usage-ledger-entry">
                <span className="usage-ledger-what">{entryText(e, bundles)}</span>
                <span className={`usage-ledger-credits ${e.credits > 0 ? 'in' : 'out'}`}>
                  {signed(e.credits)}
                  <span className="sr-only"> {Math.abs(e.credits) === 1 ? 'credit' : 'credits'}</span>
                </span>
                <span className="usage-ledger-after muted">
                  Balance {numbers.format(e.balanceAfter)} · <When iso={e.createdAt} withTime />
                </span>
              </li>
            ))}
          </ul>
          {ledger.hasNextPage ? (
            <button
              type="button"
              className="usage-more"
              onClick={() => ledger.fetchNextPage()}
              disabled={ledger.isFetchingNextPage}
            >
              {ledger.isFetchingNextPage ? 'Loading…' : 'Show more'}
            </button>
          ) : null}
        </>
      )}
    </div>
  );
}

/** The "Credits" section. `checkoutAvailable` comes from GET /billing (false while unknown). */
export function Credits({ checkoutAvailable }: { checkoutAvailable: boolean }) {
  const isAdmin = useIsAdmin();
  const wallet = useQuery(creditsQuery);
  const title = useId();
  return (
    <section className="usage-section" aria-labelledby={title}>
      <h2 id={title}>Credits</h2>
      <p className="usage-intro muted">
        A prepaid balance for actions priced per use, such as text messages, AI calls and property reports.
      </p>
      {wallet.isPending ? (
        <Loading rows={isAdmin ? 6 : 1} label="Loading the credits…" />
      ) : wallet.isError ? (
        <LoadFailed error={wallet.error} retry={() => wallet.refetch()} />
      ) : (
        <>
          <CreditFigures wallet={wallet.data} isAdmin={isAdmin} />
          {isAdmin ? (
            <>
              <BuyCredits available={checkoutAvailable} />
              <CreditSettings wallet={wallet.data} checkoutAvailable={checkoutAvailable} />
              <CreditLedger />
            </>
          ) : null}
        </>
      )}
    </section>
  );
}
