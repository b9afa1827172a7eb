/**
 * The credit wallet's shapes, its query and the bundles on sale, shared by the Credits section,
 * its settings form and the billing history.
 */
import { useQuery } from '@tanstack/react-query';
import { get } from '../api.ts';
import { humanize } from './settings-ui.tsx';
import { price } from './usage-plans.tsx';

/** GET /api/v1/credits (today is the UTC day). */
export type Wallet = {
  balance: number;
  dailyLimit: number | null;
  spentToday: number;
  autoRecharge: { below: number; bundle: string } | null;
  rechargePending: boolean;
};

export const CREDITS_KEY = ['credits'] as const;
export const creditsQuery = { queryKey: CREDITS_KEY, queryFn: () => get<Wallet>('/credits') };

/** A bundle on sale (GET /api/v1/credits/bundles), its price in US cents. */
export type Bundle = { code: string; name: string; credits: number; priceCents: number };

/** The bundles on sale, in the server's order; empty while they load. */
export function useBundles(): Bundle[] {
  const bundles = useQuery({
    queryKey: ['credit-bundles'],
    queryFn: () => get<{ data: Bundle[] }>('/credits/bundles'),
    staleTime: 30 * 60_000,
  });
  return bundles.data?.data ?? [];
}

export const numbers = new Intl.NumberFormat();
export const creditsText = (n: number) => `${numbers.format(n)} ${n === 1 ? 'credit' : 'credits'}`;
/** "2,000 credits" for a bundle's code. */
export const bundleName = (code: string, bundles: Bundle[]) => {
  const b = bundles.find((x) => x.code === code);
  return b ? creditsText(b.credits) : humanize(code);
};
/** "2,000 credits ($18)". */
export const bundleText = (code: string, bundles: Bundle[]) => {
  const b = bundles.find((x) => x.code === code);
  return b ? `${creditsText(b.credits)} (${price(b.priceCents)})` : humanize(code);
};
