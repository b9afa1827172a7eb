import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useId } from 'react';
import { get, post } from '../api.ts';
import { useToast } from '../components/toast.tsx';
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

/** A score's reason, as the API sends it (typed here: api.ts types only the score). */
type ScoreReason = { signal: string; label: string; points: number; detail?: string };
type Scored = LeadFull & {
  aiScorer?: string | null;
  aiModel?: string | null;
  aiVersion?: string | null;
  aiScoredAt?: string | null;
};

function reasonsOf(raw: unknown[] | null): ScoreReason[] {
  return (raw ?? []).filter(
    (r): r is ScoreReason =>
      typeof r === 'object' &&
      r !== null &&
      typeof (r as ScoreReason).label === 'string' &&
      typeof (r as ScoreReason).points === 'number',
  );
}

/** "+12" / "−15", with words for a screen reader. */
function Points({ points }: { points: number }) {
  const sign = points > 0 ? '+' : '−';
  return (
    <span className={`points ${points > 0 ? 'up' : 'down'}`}>
      <span aria-hidden="true">
        {sign}
        {Math.abs(points)}
      </span>
      <span className="sr-only">
        {points > 0 ? 'adds' : 'takes away'} {Math.abs(points)} {Math.abs(points) === 1 ? 'point' : 'points'}
      </span>
    </span>
  );
}

const SCORER_NAMES: Record<string, string> = { heuristic: 'the heuristic scorer', openai: 'OpenAI' };

/** " (gpt-4o-mini)" for a model's score, " (v1)" for the heuristic's version. */
function scorerDetail(l: Scored): string {
  if (l.aiModel) return ` (${l.aiModel})`;
  return l.aiVersion ? ` (v${l.aiVersion})` : '';
}

/** The lead's score, its summary and the signals behind it, biggest first; and a way to score it again. */
export function AiCard({ lead }: { lead: LeadFull }) {
  const l = lead as Scored;
  const toast = useToast();
  const queryClient = useQueryClient();
  const rescore = useMutation({
    mutationFn: () => post<{ aiScore: number | null }>(`/leads/${l.id}/score`),
    onSuccess: (res) => toast.show(`Scored ${res.aiScore ?? ''}`.trim()),
    onError: (e) => toast.error(e),
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ['lead', l.id] }),
        queryClient.invalidateQueries({ queryKey: ['leads'] }),
      ]),
  });
  if (l.status === 'spam' && l.aiScore === null) return null;
  const all = reasonsOf(l.aiReasons);
  const base = all.find((r) => r.signal === 'base');
  const reasons = all
    .filter((r) => r.signal !== 'base')
    .sort((a, b) => Math.abs(b.points) - Math.abs(a.points));
  const scorer = l.aiScorer ? (SCORER_NAMES[l.aiScorer] ?? humanize(l.aiScorer)) : null;
  return (
    <Card title="Lead score" className="score-card">
      {l.aiScore !== null ? (
        <p>
          <span className="badge score">Score {l.aiScore} / 100</span>
        </p>
      ) : (
        <p className="muted">Not scored yet.</p>
      )}
      {l.aiSummary ? <p>{l.aiSummary}</p> : null}
      {l.isHeld && l.aiScore !== null ? (
        <p className="muted small">The summary and reasons show once the lead is released.</p>
      ) : null}
      {reasons.length > 0 ? (
        <>
          <h3 className="small muted">Why{base ? ` (from a starting score of ${base.points})` : ''}</h3>
          <ul className="plain reasons">
            {reasons.map((r) => (
              <li key={r.signal}>
                <Points points={r.points} />
                <span>
                  {r.label}
                  {r.detail ? <span className="muted">: {r.detail}</span> : null}
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {scorer || l.aiScoredAt ? (
        <p className="muted small">
          {scorer ? `Scored by ${scorer}${scorerDetail(l)}` : 'Scored'}
          {l.aiScoredAt ? (
            <>
              {' '}
              <time dateTime={l.aiScoredAt} title={fullTime(l.aiScoredAt)}>
                {timeAgo(l.aiScoredAt)}
              </time>
            </>
          ) : null}
        </p>
      ) : null}
      {l.status !== 'spam' ? (
        <button type="button" onClick={() => rescore.mutate()} disabled={rescore.isPending}>
          {rescore.isPending ? 'Scoring…' : 'Score again'}
        </button>
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
