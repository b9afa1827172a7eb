/**
 * The credit wallet's shapes, its query and the bundles on sale, shared by the Credits section,
 * its settings form and the billing history.
 */
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

/** The bundles on sale (the server's credit_bundles), prices in US cents. */
export const BUNDLES = [
  { code: 'credits_500', credits: 500, cents: 500 },
  { code: 'credits_2000', credits: 2000, cents: 1800 },
  { code: 'credits_10000', credits: 10_000, cents: 8000 },
] as const;

export const numbers = new Intl.NumberFormat();
export const creditsText = (n: number) => `${numbers.format(n)} ${n === 1 ? 'credit' : 'credits'}`;
/** "2,000 credits" for a bundle's code. */
export const bundleName = (code: string) => {
  const b = BUNDLES.find((x) => x.code === code);
  return b ? creditsText(b.credits) : humanize(code);
};
/** "2,000 credits ($18)". */
export const bundleText = (code: string) => {
  const b = BUNDLES.find((x) => x.code === code);
  return b ? `${creditsText(b.credits)} (${price(b.cents)})` : humanize(code);
};
