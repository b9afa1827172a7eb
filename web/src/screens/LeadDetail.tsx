import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, get } from '../api.ts';
import { AiCard, ConsentCard, ContactCard, HeldNotice, SourceCard, SpeedCard } from './lead-cards.tsx';
import {
  fullTime,
  humanize,
  type LeadFull,
  leadName,
  type Members,
  STATUS_LABELS,
  timeAgo,
} from './lead-format.ts';
import { MessageForm, NoteForm } from './lead-forms.tsx';
import { AssignControl, StatusControl } from './lead-status.tsx';
import { LeadTimeline } from './lead-timeline.tsx';
import './lead.css';

/** One lead: who it is, where it came from, its status and assignee, and everything that happened. */
export function LeadDetail() {
  const { id = '' } = useParams();
  const timelineId = useId();
  const lead = useQuery({ queryKey: ['lead', id], queryFn: () => get<LeadFull>(`/leads/${id}`) });
  const members = useQuery({
    queryKey: ['account', 'members'],
    queryFn: () => get<Members>('/account/members'),
    staleTime: 5 * 60_000,
  });

  if (lead.isPending) return <LeadSkeleton />;
  if (lead.isError) {
    const missing = lead.error instanceof ApiError && lead.error.status === 404;
    return (
      <div className="lead-missing card">
        <h1>{missing ? 'No such lead' : 'This lead could not be loaded'}</h1>
        <p className="muted">
          {missing
            ? 'It may have been deleted, or it belongs to another account.'
            : lead.error.message || 'Something went wrong.'}
        </p>
        <div className="row">
          <Link to="/leads" className="button primary">
            Back to the inbox
          </Link>
          {missing ? null : (
            <button type="button" onClick={() => lead.refetch()}>
              Try again
            </button>
          )}
        </div>
      </div>
    );
  }

  const l = lead.data;
  const team = members.data?.data;
  return (
    <article className="lead-detail" aria-labelledby="lead-title">
      <header className="lead-header">
        <p className="crumbs">
          <Link to="/leads">Inbox</Link> <span aria-hidden="true">/</span> <Link to="/board">Board</Link>
        </p>
        <h1 id="lead-title">{leadName(l)}</h1>
        <p className="row tight muted">
          <span className={`badge status-${l.status}`}>{STATUS_LABELS[l.status]}</span>
          {l.isHeld ? <span className="badge held">Held</span> : null}
          <span>
            {humanize(l.source)} ·{' '}
            <time dateTime={l.createdAt} title={fullTime(l.createdAt)}>
              came in {timeAgo(l.createdAt)}
            </time>
          </span>
        </p>
      </header>

      <div className="lead-grid">
        <div className="lead-top stack">
          {l.isHeld ? <HeldNotice lead={l} /> : <ContactCard lead={l} />}
          <section className="card lead-controls" aria-label="Status and assignment">
            <StatusControl lead={l} />
            <AssignControl lead={l} members={team} />
            {members.isError ? <p className="field-error">The team could not be loaded.</p> : null}
          </section>
          <AiCard lead={l} />
        </div>

        <div className="lead-main stack">
          <section className="card" aria-labelledby={timelineId}>
            <h2 id={timelineId}>Timeline</h2>
            <LeadTimeline lead={l} members={team ?? []} />
          </section>
          <div className="card">
            <NoteForm leadId={l.id} />
          </div>
          <div className="card">
            {l.isHeld ? (
              <>
                <h2>Send a message</h2>
                <p className="muted">A held lead can't be messaged until it is released.</p>
              </>
            ) : (
              <MessageForm key={l.id} lead={l} />
            )}
          </div>
        </div>

        <div className="lead-bottom stack">
          <SpeedCard lead={l} />
          <SourceCard lead={l} />
          <ConsentCard lead={l} />
        </div>
      </div>
    </article>
  );
}

/** The page's frame while the lead loads, so nothing jumps when it arrives. */
function LeadSkeleton() {
  return (
    <div className="lead-detail" aria-busy="true">
      <p className="sr-only" role="status">
        Loading the lead…
      </p>
      <header className="lead-header">
        <p className="crumbs">
          <Link to="/leads">Inbox</Link>
        </p>
        <div className="skeleton title" />
        <div className="skeleton line" />
      </header>
      <div className="lead-grid">
        <div className="lead-top stack">
          <div className="card skeleton-card tall" />
          <div className="card skeleton-card" />
        </div>
        <div className="lead-main stack">
          <div className="card skeleton-card taller" />
        </div>
      </div>
    </div>
  );
}
