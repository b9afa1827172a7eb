/**
 * The account's billing state as every screen needs it: GET /api/v1/billing (cached for a few
 * minutes: the shell asks on every load), the way to Stripe's pages (Checkout, the billing
 * portal), and the banner shown above every screen while a payment is overdue.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { ApiError, get, post } from '../api.ts';
import { useSession } from './session.tsx';
import { useToast } from './toast.tsx';
import './past-due-banner.css';

export type AccountStatus = 'active' | 'trialing' | 'past_due' | 'canceled' | 'suspended';

/** GET /api/v1/billing (limits: null is unlimited). */
export type Billing = {
  plan: { code: string; name: string };
  status: AccountStatus;
  subscription: {
    status: string;
    interval: 'month' | 'year' | null;
    currentPeriodEnd: string | null;
    cancelAtPeriodEnd: boolean;
  } | null;
  currentPeriodEnd: string | null;
  periodMonth: string;
  usage: { leadsCreated: number; emailsSent: number; smsSent: number; aiCalls: number };
  limits: { leads: number | null; emails: number | null; sms: number | null; aiCalls: number | null };
  features: Record<string, boolean>;
  creditBalance: number;
  /** The server takes payments (it has a Stripe key). */
  checkoutAvailable: boolean;
  /** The account has paid for something: the billing portal opens. */
  hasBillingAccount: boolean;
};

export const BILLING_KEY = ['billing'] as const;

/** Cheap enough to ask on every load: the plan rarely changes within minutes. */
export const billingQuery = {
  queryKey: BILLING_KEY,
  queryFn: () => get<Billing>('/billing'),
  staleTime: 5 * 60_000,
};

/**
 * A POST that answers with a Stripe page's `{ url }`, and the browser sent there. The button
 * stays busy until the page goes; back from Stripe through the browser's history, it is free
 * again. A failure is a toast with the problem's detail; a conflict or an unconfigured server
 * also refreshes the billing state, so the screen stops offering what cannot be done.
 */
export function useStripeRedirect() {
  const toast = useToast();
  const queryClient = useQueryClient();
  const redirect = useMutation({
    mutationFn: (request: { path: '/billing/checkout' | '/billing/portal'; body?: object }) =>
      post<{ url: string }>(request.path, request.body),
    onSuccess: ({ url }) => window.location.assign(url),
    onError: (e) => {
      toast.error(e);
      if (e instanceof ApiError && (e.status === 409 || e.status === 503)) {
        void queryClient.invalidateQueries({ queryKey: BILLING_KEY });
      }
    },
  });
  const { reset } = redirect;
  useEffect(() => {
    const onShow = (e: PageTransitionEvent) => {
      if (e.persisted) reset();
    };
    window.addEventListener('pageshow', onShow);
    return () => window.removeEventListener('pageshow', onShow);
  }, [reset]);
  return {
    go: redirect.mutate,
    /** Asking, or already on the way to Stripe. */
    busy: redirect.isPending || redirect.isSuccess,
  };
}

/** While the last payment failed: what it means, and for admins the way to fix the card. */
export function PastDueBanner() {
  const { role } = useSession();
  const billing = useQuery(billingQuery);
  const portal = useStripeRedirect();
  if (billing.data?.status !== 'past_due') return null;
  const isAdmin = role === 'owner' || role === 'admin';
  return (
    <section className="past-due-banner" aria-label="Payment overdue">
      <p>
        <strong>Your last payment didn't go through.</strong> Capture keeps working; update your card to keep
        your plan.
        {isAdmin ? null : ' An owner or admin of the account can update it.'}
      </p>
      {isAdmin && billing.data.hasBillingAccount && billing.data.checkoutAvailable ? (
        <button
          type="button"
          className="primary"
          onClick={() => portal.go({ path: '/billing/portal' })}
          disabled={portal.busy}
        >
          {portal.busy ? 'Opening…' : 'Update payment'}
        </button>
      ) : null}
    </section>
  );
}
