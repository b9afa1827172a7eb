/**
 * The new account's first steps, at the top of the inbox: brand it, publish a page, send a
 * test lead. Each step's state comes from the API as it is (GET /branding, /pages, and the
 * inbox list's counts); the list shows while a step is left and until it is hidden (per
 * account, in localStorage). Once the inbox has opened with all three done, it is done for
 * good: hidden the same way, so an established account's inbox does not wait on its reads.
 */
import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import { get, type LeadList, pagesQuery } from '../api.ts';
import './checklist.css';
import { useSession } from './session.tsx';
import { useToast } from './toast.tsx';

type LeadCounts = NonNullable<LeadList['counts']>;

/** What the checklist reads of GET /api/v1/branding. */
type Branding = { updatedAt: string | null };

const hiddenKey = (accountId: string) => `porchlight.checklist.hidden.${accountId}`;

/**
 * Whether index.html's boot script asks for the checklist's reads with the inbox's: 'off' when
 * the last inbox opened (in this browser, for whichever account) had no checklist to show.
 */
const BOOT_KEY = 'porchlight.checklist.boot';

function readHidden(accountId: string): boolean {
  try {
    return localStorage.getItem(hiddenKey(accountId)) === '1';
  } catch {
    return false;
  }
}

function remember(key: string, value: string) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Private mode without storage: asked again next time.
  }
}

export type Checklist =
  /** Still asking the API: the inbox keeps the space below its heading empty meanwhile. */
  | { state: 'pending' }
  /** Not for this person (hidden, not an admin, or the API could not tell). */
  | { state: 'none' }
  | {
      state: 'ready';
      branded: boolean;
      published: boolean;
      hasLead: boolean;
      /** The first active page's public address, for the test lead. */
      pageUrl: string | null;
      hide: () => void;
    };

/**
 * The checklist's state, given the inbox list's counts (the account's, whatever the filters;
 * undefined while the list loads, null if it failed). Members and affiliates cannot brand or
 * publish (admin routes), so it is for owners and admins only; nothing is fetched for anyone
 * else or once it is hidden.
 */
export function useChecklist(counts: LeadCounts | null | undefined): Checklist {
  const { accountId, role } = useSession();
  const [hidden, setHidden] = useState(() => readHidden(accountId));
  const enabled = (role === 'owner' || role === 'admin') && !hidden;

  // Asked once by the inbox and again by the list it draws: fresh for a while, not fetched twice.
  const staleTime = 30_000;
  const branding = useQuery({
    queryKey: ['branding'],
    queryFn: () => get<Branding>('/branding'),
    enabled,
    staleTime,
  });
  const pages = useQuery({ ...pagesQuery, enabled, staleTime });
  // Any lead but spam (the list's live refresh updates the counts when one arrives).
  const hasLead = counts
    ? Object.entries(counts.byStatus).some(([status, n]) => status !== 'spam' && n > 0)
    : false;

  const active = pages.data?.data.find((p) => p.isActive);
  const allDone = branding.data?.updatedAt != null && Boolean(active) && hasLead;
  // Done for good once all three are (the list on screen stays until the inbox is left).
  useEffect(() => {
    if (enabled && allDone) remember(hiddenKey(accountId), '1');
  }, [enabled, allDone, accountId]);
  useEffect(() => remember(BOOT_KEY, enabled && !allDone ? 'on' : 'off'), [enabled, allDone]);

  if (!enabled) return { state: 'none' };
  if (branding.isPending || pages.isPending || counts === undefined) return { state: 'pending' };
  // A hint is not worth an error message: without an answer the list stays away.
  if (branding.isError || pages.isError || counts === null) return { state: 'none' };

  return {
    state: 'ready',
    branded: branding.data.updatedAt !== null,
    published: Boolean(active),
    hasLead,
    pageUrl: active?.url ?? null,
    hide: () => {
      // Private mode without storage: hidden for this visit only.
      remember(hiddenKey(accountId), '1');
      setHidden(true);
    },
  };
}

function Step(props: { done: boolean; title: string; children: ReactNode; action: ReactNode }) {
  return (
    <li className={`checklist-step ${props.done ? 'done' : ''}`}>
      <span className="checklist-mark" aria-hidden="true">
        {props.done ? '✓' : ''}
      </span>
      <div className="checklist-body">
        <p className="checklist-title">
          <span className="sr-only">{props.done ? 'Done: ' : 'To do: '}</span>
          {props.title}
          {props.done ? (
            <span className="checklist-done" aria-hidden="true">
              Done
            </span>
          ) : null}
        </p>
        <p className="checklist-text">{props.children}</p>
        {props.action ? <p className="checklist-action">{props.action}</p> : null}
      </div>
    </li>
  );
}

/**
 * "Getting started": three steps with their state in words, a link to do each, and Hide. It
 * shows only while a step is left when the inbox opens; finishing the last one with the inbox
 * open says so rather than vanishing under the pointer.
 */
export function GettingStarted({ checklist }: { checklist: Checklist }) {
  const titleId = useId();
  const shown = useRef(false);
  const section = useRef<HTMLElement>(null);
  const toast = useToast();
  if (checklist.state !== 'ready') return null;
  const { branded, published, hasLead, pageUrl, hide: dismiss } = checklist;
  const doneCount = [branded, published, hasLead].filter(Boolean).length;
  if (doneCount === 3 && !shown.current) return null;
  shown.current = true;

  // The button goes with the list: focus moves on to what follows it (the inbox's filters).
  function hide() {
    const next = section.current?.nextElementSibling?.querySelector<HTMLElement>(
      'a[href], button:not(:disabled), input, select',
    );
    next?.focus();
    dismiss();
    toast.show('Getting started hidden');
  }

  return (
    <section ref={section} className="checklist card" aria-labelledby={titleId}>
      <div className="checklist-head">
        <h2 id={titleId}>Getting started</h2>
        <button type="button" className="checklist-hide" onClick={hide}>
          Hide<span className="sr-only"> the getting started steps</span>
        </button>
      </div>
      <p className="checklist-progress muted">
        {doneCount === 3
          ? 'All three done: your page is live and leads land here.'
          : `${doneCount} of 3 done. Three steps, and your page is ready for real leads.`}
      </p>
      <ol className="checklist-steps">
        <Step
          done={branded}
          title="Brand it"
          action={
            <Link to="/settings?section=branding">{branded ? 'Edit branding' : 'Set up branding'}</Link>
          }
        >
          Your name, photo, colours and contact details, shown on every page.
        </Step>
        <Step
          done={published}
          title="Publish a page"
          action={<Link to="/pages">{published ? 'Your pages' : 'Create a page'}</Link>}
        >
          A home valuation or buyer page with a form: its link is what you share.
        </Step>
        <Step
          done={hasLead}
          title="Send a test lead"
          action={
            pageUrl ? (
              <a href={pageUrl} target="_blank" rel="noopener noreferrer">
                Open your page<span className="sr-only"> (opens in a new tab)</span>
                <span aria-hidden="true"> ↗</span>
              </a>
            ) : hasLead ? null : (
              <span className="muted">Publish a page first.</span>
            )
          }
        >
          Open your page and submit its form as a visitor would: the lead appears here in seconds.
        </Step>
      </ol>
    </section>
  );
}
