import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { get, LEAD_STATUSES, type Lead, type LeadList, type LeadStatus, pagesQuery } from '../api.ts';
import { GettingStarted, useChecklist } from '../components/checklist.tsx';
import { useToast } from '../components/toast.tsx';
import type { Members } from './lead-format.ts';
import './inbox.css';

const SOURCES = [
  'home_valuation',
  'buyer_interest',
  'contact',
  'custom',
  'sms',
  'missed_call',
  'api',
  'import',
];
/** The list's filters, kept in the URL under the API's own names (the export takes them too). */
const FILTERS = ['status', 'source', 'pageId', 'assignedTo', 'held', 'q'];
const label = (s: string) => s.replaceAll('_', ' ');
/** Placeholder rows while the first page loads (the list keeps its height: no layout shift). */
const SKELETON_ROWS = ['s1', 's2', 's3', 's4', 's5', 's6'];

/** "3 min ago", "yesterday", a date: enough to sort by eye. */
export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  if (s < 172_800) return 'yesterday';
  return new Date(iso).toLocaleDateString();
}

/**
 * New leads while the inbox is open: the server's event stream (GET /api/v1/leads/stream);
 * each one refreshes the list and is announced (and, if asked, chimes).
 */
function useLiveLeads(onLead: (id: string) => void) {
  const handler = useRef(onLead);
  handler.current = onLead;
  useEffect(() => {
    const source = new EventSource('/api/v1/leads/stream');
    source.addEventListener('lead', (e) => {
      const { id, status } = JSON.parse((e as MessageEvent).data) as { id: string; status: string };
      if (status !== 'spam') handler.current(id);
    });
    return () => source.close();
  }, []);
}

function chime() {
  try {
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.4);
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.4);
  } catch {
    // No audio here: the visible alert is enough.
  }
}

/**
 * The inbox's list for the filters in the URL: 50 at a time, with the counts. main.tsx starts it
 * before the session is known when the app opens on the inbox, so the two requests overlap.
 */
export function inboxQuery(params: URLSearchParams) {
  const filters = new URLSearchParams({ limit: '50', counts: 'true' });
  for (const key of FILTERS) {
    const v = params.get(key);
    if (v) filters.set(key, v);
  }
  return {
    queryKey: ['leads', filters.toString()],
    queryFn: ({ pageParam }: { pageParam: string }) =>
      get<LeadList>(
        `/leads?${filters.toString()}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`,
      ),
    initialPageParam: '',
    getNextPageParam: (last: LeadList) => last.nextCursor ?? undefined,
    // The boot's prefetch is not asked again when the inbox mounts; live arrivals refetch anyway.
    staleTime: 2000,
  };
}

/** The export link for the filters in the URL (the export takes the list's filters). */
function exportFilters(params: URLSearchParams): string {
  const filters = new URLSearchParams();
  for (const key of FILTERS) {
    const v = params.get(key);
    if (v) filters.set(key, v);
  }
  const text = filters.toString();
  return text ? `?${text}` : '';
}

/**
 * The row of filters under the status tabs: search, source, page, assignee, held. Each control
 * keeps its place while the pages and the team load (no layout shift): their cells are sized by
 * the row, not by their options.
 */
function InboxFilters(props: {
  params: URLSearchParams;
  set: (key: string, value: string) => void;
  q: string;
  setQ: (q: string) => void;
  held: number | undefined;
}) {
  const { params, set } = props;
  const source = params.get('source') ?? '';
  const pageId = params.get('pageId') ?? '';
  const assignedTo = params.get('assignedTo') ?? '';
  const held = params.get('held') ?? '';
  const pages = useQuery({ ...pagesQuery, staleTime: 60_000 });
  // The lead screens and the team settings read the same answer under this key.
  const members = useQuery({
    queryKey: ['account', 'members'],
    queryFn: () => get<Members>('/account/members'),
    staleTime: 5 * 60_000,
  });
  // A value from the URL that the list does not (yet) hold: still shown, never silently dropped.
  const pageUnlisted = pageId && !pages.data?.data.some((p) => p.id === pageId);
  const assigneeUnlisted =
    assignedTo && assignedTo !== 'none' && !members.data?.data.some((m) => m.userId === assignedTo);
  return (
    <div className="filters">
      <label className="sr-only" htmlFor="search">
        Search leads
      </label>
      <input
        id="search"
        type="search"
        placeholder="Search name, email, phone, address"
        value={props.q}
        onChange={(e) => props.setQ(e.target.value)}
      />
      <label className="sr-only" htmlFor="source">
        Source
      </label>
      <select id="source" value={source} onChange={(e) => set('source', e.target.value)}>
        <option value="">Any source</option>
        {SOURCES.map((s) => (
          <option key={s} value={s}>
            {label(s)}
          </option>
        ))}
      </select>
      <label className="sr-only" htmlFor="page-filter">
        Page
      </label>
      <select id="page-filter" value={pageId} onChange={(e) => set('pageId', e.target.value)}>
        <option value="">Any page</option>
        {pageUnlisted ? (
          <option value={pageId}>{pages.isPending ? 'Loading…' : 'An archived page'}</option>
        ) : null}
        {pages.data?.data.map((p) => (
          <option key={p.id} value={p.id}>
            {p.title}
          </option>
        ))}
      </select>
      <label className="sr-only" htmlFor="assigned-filter">
        Assigned to
      </label>
      <select id="assigned-filter" value={assignedTo} onChange={(e) => set('assignedTo', e.target.value)}>
        <option value="">Anyone</option>
        <option value="none">Unassigned</option>
        {assigneeUnlisted ? (
          <option value={assignedTo}>{members.isPending ? 'Loading…' : 'A former member'}</option>
        ) : null}
        {members.data?.data.map((m) => (
          <option key={m.userId} value={m.userId}>
            {m.name || m.email}
          </option>
        ))}
      </select>
      <label className="sr-only" htmlFor="held">
        Held
      </label>
      <select id="held" value={held} onChange={(e) => set('held', e.target.value)}>
        <option value="">Held or not</option>
        <option value="true">Held by the plan ({props.held ?? 0})</option>
        <option value="false">Not held</option>
      </select>
    </div>
  );
}

/** The leads inbox: newest first, filters and search in the URL, live arrivals. */
export function Inbox() {
  const [params, setParams] = useSearchParams();
  const [q, setQ] = useState(params.get('q') ?? '');
  const [fresh, setFresh] = useState<string[]>([]);
  const [sound, setSound] = useState(() => localStorage.getItem('porchlight.chime') === 'on');
  const queryClient = useQueryClient();
  const toast = useToast();
  const status = params.get('status') ?? '';

  // Search as you type, once the typing pauses.
  useEffect(() => {
    const timer = setTimeout(() => {
      const next = new URLSearchParams(params);
      if (q.trim().length >= 2) next.set('q', q.trim());
      else next.delete('q');
      if (next.toString() !== params.toString()) setParams(next, { replace: true });
    }, 250);
    return () => clearTimeout(timer);
  }, [q, params, setParams]);

  const list = useInfiniteQuery(inboxQuery(params));

  useLiveLeads((id) => {
    setFresh((f) => [id, ...f]);
    queryClient.invalidateQueries({ queryKey: ['leads'] });
    toast.show('New lead');
    if (sound) chime();
  });

  const leads: Lead[] = list.data?.pages.flatMap((p) => p.data) ?? [];
  const counts = list.data?.pages[0]?.counts;
  // The getting-started steps sit above the filters: until they know whether to show, the rest
  // waits below the heading, so nothing already drawn is pushed down when they appear.
  const checklist = useChecklist(list.isPending ? undefined : list.isError ? null : (counts ?? null));
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  return (
    <div className="inbox">
      <div className="row inbox-head">
        <h1>Inbox</h1>
        <div className="row inbox-tools">
          <Link to="/settings?section=data">Import</Link>
          <a href={`/api/v1/leads/export${exportFilters(params)}`} download>
            Export CSV
          </a>
        </div>
        <label className="row chime">
          <input
            type="checkbox"
            checked={sound}
            onChange={(e) => {
              setSound(e.target.checked);
              localStorage.setItem('porchlight.chime', e.target.checked ? 'on' : 'off');
            }}
          />
          Chime for new leads
        </label>
      </div>
      {checklist.state === 'pending' ? (
        <p className="sr-only" role="status">
          Loading the inbox…
        </p>
      ) : (
        <>
          <GettingStarted checklist={checklist} />
          <nav className="status-tabs" aria-label="Status">
            <button type="button" aria-pressed={status === ''} onClick={() => set('status', '')}>
              All
            </button>
            {/* Spam is kept out of All and the other tabs: it shows only when its own tab is chosen. */}
            {LEAD_STATUSES.map((s: LeadStatus) => (
              <button
                type="button"
                key={s}
                className={s === 'spam' ? 'spam-tab' : undefined}
                aria-pressed={status === s}
                onClick={() => set('status', s)}
              >
                {label(s)} <span className="count">{counts?.byStatus[s] ?? ''}</span>
              </button>
            ))}
          </nav>
          <InboxFilters params={params} set={set} q={q} setQ={setQ} held={counts?.held} />
          {list.isError ? (
            <p className="form-error" role="alert">
              {list.error.message}
            </p>
          ) : null}
          <ul className="lead-list" aria-busy={list.isPending} aria-label="Leads">
            {list.isPending
              ? SKELETON_ROWS.map((k) => <li key={k} className="lead-row skeleton" aria-hidden="true" />)
              : leads.map((lead) => (
                  <li key={lead.id} className={`lead-row ${fresh.includes(lead.id) ? 'fresh' : ''}`}>
                    <Link to={`/leads/${lead.id}`}>
                      <span className="name">
                        {lead.isHeld ? 'Held lead' : (lead.fullName ?? lead.email ?? lead.phone ?? 'No name')}
                      </span>
                      <span className="contact muted">
                        {lead.isHeld
                          ? 'Details hidden until your plan allows'
                          : [lead.phone, lead.email].filter(Boolean).join(' · ')}
                      </span>
                      <span className="badge">{label(lead.status)}</span>
                      <span className="muted source">{label(lead.source)}</span>
                      <time className="muted" dateTime={lead.createdAt}>
                        {ago(lead.createdAt)}
                      </time>
                    </Link>
                  </li>
                ))}
          </ul>
          {!list.isPending && leads.length === 0 ? (
            <div className="card empty">
              <h2>No leads here yet</h2>
              <p className="muted">
                {params.toString() && params.toString() !== ''
                  ? 'Nothing matches these filters.'
                  : 'Publish a capture page and share its link: new leads appear here the moment they arrive.'}
              </p>
            </div>
          ) : null}
          {list.hasNextPage ? (
            <button type="button" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
              {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          ) : null}
        </>
      )}
    </div>
  );
}
