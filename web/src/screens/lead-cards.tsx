import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useId } from 'react';
import { get } from '../api.ts';
import { duration, fullTime, humanize, type LeadFull, leadName, timeAgo } from './lead-format.ts';

/** A titled card: a section named by its heading. */
function Card({ title, children, className }: { title: string; children: ReactNode; className?: string }) {
  const id = useId();
  return (
    <section className={`card ${className ?? ''}`} aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

/** Label/value pairs; rows without a value are left out. */
function Facts({ rows }: { rows: [string, ReactNode][] }) {
  const shown = rows.filter(([, v]) => v !== null && v !== undefined && v !== '');
  if (shown.length === 0) return null;
  return (
    <dl className="facts">
      {shown.map(([k, v]) => (
        <div key={k} className="fact">
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function HeldNotice({ lead }: { lead: LeadFull }) {
  return (
    <Card title="Held lead" className="held">
      <p>
        This lead came in after your plan's monthly lead limit was reached, so Porchlight is holding it: its
        name, email, phone, address and message stay hidden, and it can't be messaged yet.
      </p>
      <p className="muted">
        Upgrade your plan to release it now; otherwise it is released when next month's allowance starts. You
        can still set its status, assign it and add notes.
      </p>
      {lead.heldReason && lead.heldReason !== 'plan_limit' ? (
        <p className="muted small">Reason: {humanize(lead.heldReason)}</p>
      ) : null}
    </Card>
  );
}

export function ContactCard({ lead }: { lead: LeadFull }) {
  const place = [lead.city, [lead.state, lead.postalCode].filter(Boolean).join(' ')]
    .filter(Boolean)
    .join(', ');
  const address = [lead.addressLine, place].filter(Boolean).join(', ');
  const price =
    lead.priceMin !== null || lead.priceMax !== null
      ? [lead.priceMin, lead.priceMax].map((p) => (p === null ? '…' : `$${p.toLocaleString()}`)).join(' – ')
      : null;
  return (
    <Card title="Contact">
      <p className="contact-name">{leadName(lead)}</p>
      <Facts
        rows={[
          [
            'Phone',
            lead.phone ? (
              <span key="phone" className="row tight">
                <a href={`tel:${lead.phone}`}>{lead.phone}</a>
                <a href={`sms:${lead.phone}`} className="muted">
                  Text
                </a>
              </span>
            ) : null,
          ],
          [
            'Email',
            lead.email ? (
              <a key="email" href={`mailto:${lead.email}`}>
                {lead.email}
              </a>
            ) : null,
          ],
          ['Address', address || null],
          ['Timeline', lead.timeline],
          ['Price range', price],
        ]}
      />
      {!lead.phone && !lead.email ? <p className="muted">No phone or email on file.</p> : null}
      {lead.message ? (
        <figure className="lead-message">
          <figcaption className="muted small">Their message</figcaption>
          <blockquote>{lead.message}</blockquote>
        </figure>
      ) : null}
    </Card>
  );
}

type Page = { id: string; title: string; slug: string };

export function SourceCard({ lead }: { lead: LeadFull }) {
  const page = useQuery({
    queryKey: ['page', lead.pageId],
    queryFn: () => get<Page>(`/pages/${lead.pageId}`),
    enabled: Boolean(lead.pageId),
    retry: false,
    staleTime: 5 * 60_000,
  });
  return (
    <Card title="Where it came from">
      <Facts
        rows={[
          ['Source', humanize(lead.source)],
          ['Page', lead.pageId ? (page.data?.title ?? (page.isPending ? '…' : 'A removed page')) : null],
          [
            'Came in',
            <time key="came" dateTime={lead.createdAt}>
              {fullTime(lead.createdAt)}
            </time>,
          ],
          ['Submissions', lead.submissionCount > 1 ? lead.submissionCount : null],
          ['UTM source', lead.utmSource],
          ['UTM medium', lead.utmMedium],
          ['UTM campaign', lead.utmCampaign],
          ['UTM term', lead.utmTerm],
          ['UTM content', lead.utmContent],
          ['Referrer', lead.referrer],
        ]}
      />
    </Card>
  );
}

export function SpeedCard({ lead }: { lead: LeadFull }) {
  const { firstAlertSeconds, firstTouchSeconds } = lead.speedToLead;
  const figure = (s: number | null, none: string) =>
    s === null ? <span className="muted">{none}</span> : <strong>{duration(s)}</strong>;
  return (
    <Card title="Speed to lead">
      <Facts
        rows={[
          ['First alert to you', figure(firstAlertSeconds, 'No alert sent')],
          ['First touch', figure(firstTouchSeconds, 'Not yet: call, text, email or move it along')],
        ]}
      />
    </Card>
  );
}

export function AiCard({ lead }: { lead: LeadFull }) {
  if (lead.aiScore === null && !lead.aiSummary) return null;
  const reasons = (lead.aiReasons ?? []).filter((r): r is string => typeof r === 'string');
  return (
    <Card title="AI assessment">
      {lead.aiScore !== null ? (
        <p>
          <span className="badge score">Score {lead.aiScore} / 100</span>
        </p>
      ) : null}
      {lead.aiSummary ? <p>{lead.aiSummary}</p> : null}
      {reasons.length > 0 ? (
        <ul className="small">
          {reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      ) : null}
    </Card>
  );
}

export function ConsentCard({ lead }: { lead: LeadFull }) {
  return (
    <Card title="Consent">
      {lead.consents.length === 0 ? (
        <p className="muted">
          No consent recorded: the form had no consent checkbox, or the lead came another way.
        </p>
      ) : (
        <ul className="plain">
          {lead.consents.map((c) => (
            <li key={c.id} className="consent">
              <span className={`badge ${c.given ? 'ok' : 'no'}`}>{c.given ? 'Given' : 'Not given'}</span>{' '}
              <time dateTime={c.createdAt} title={fullTime(c.createdAt)} className="muted small">
                {timeAgo(c.createdAt)}
              </time>
              <p className="small">“{c.consentText}”</p>
              {c.pageUrl ? <p className="muted small break">on {c.pageUrl}</p> : null}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
