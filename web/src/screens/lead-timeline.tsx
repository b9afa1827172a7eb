import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { type LeadCall, type LeadMessage, post } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import {
  duration,
  fullTime,
  humanize,
  type LeadFull,
  type Member,
  STATUS_LABELS,
  type TimelineEvent,
  timeAgo,
} from './lead-format.ts';

type Item =
  | { type: 'event'; at: string; id: string; event: TimelineEvent }
  | { type: 'message'; at: string; id: string; message: LeadMessage }
  | { type: 'call'; at: string; id: string; call: LeadCall };

/** Re-renders every minute so "5 minutes ago" stays true. */
function useNow(): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** Events that only repeat a message or a call already shown are left out. */
function merge(lead: LeadFull): Item[] {
  const messageIds = new Set(lead.messages.map((m) => m.id));
  const callIds = new Set(lead.calls.map((c) => c.id));
  const events = lead.events.filter((e) => {
    if (e.kind === 'sms_received') return !messageIds.has(String(e.payload.messageId));
    return !(typeof e.payload.callId === 'string' && callIds.has(e.payload.callId));
  });
  const items: Item[] = [
    ...events.map((event) => ({ type: 'event' as const, at: event.createdAt, id: `e${event.id}`, event })),
    ...lead.messages.map((message) => ({
      type: 'message' as const,
      at: message.createdAt,
      id: `m${message.id}`,
      message,
    })),
    ...lead.calls.map((call) => ({ type: 'call' as const, at: call.createdAt, id: `c${call.id}`, call })),
  ];
  return items.sort((a, b) => b.at.localeCompare(a.at));
}

function eventLabel(e: TimelineEvent, memberName: (id: unknown) => string): string {
  const p = e.payload;
  const status = (s: unknown) => STATUS_LABELS[s as keyof typeof STATUS_LABELS] ?? String(s);
  switch (e.kind) {
    case 'created':
      return `Lead came in${p.source ? ` from ${humanize(String(p.source))}` : ''}${p.held ? ' (held)' : ''}`;
    case 'resubmitted':
      return 'Sent the form again';
    case 'status_changed':
      return `Status ${status(p.from)} → ${status(p.to)}${p.lostReason ? `: “${p.lostReason}”` : ''}`;
    case 'assigned':
      return p.to ? `Assigned to ${memberName(p.to)}` : 'Unassigned';
    case 'updated':
      return `Edited ${Array.isArray(p.fields) ? p.fields.join(', ') : 'details'}`;
    case 'note':
      return 'Note';
    case 'released':
      return 'Released from hold';
    case 'scored':
      return scoredLabel(p);
    case 'sms_opted_out':
      return 'Opted out of texts (STOP)';
    case 'sms_opted_in':
      return 'Opted back in to texts (START)';
    case 'sms_received':
      return 'Text received';
    case 'email_bounced':
      return 'Email bounced';
    case 'email_complaint':
      return 'Marked an email as spam';
    case 'missed_call':
      return 'Missed call';
    case 'call_connected':
      return 'Call connected';
    case 'call_not_answered':
      return 'Call not answered';
    case 'callback_missed':
      return 'Callback missed';
    default:
      return humanize(e.kind);
  }
}

/** Why the model did not score (a `scored` event's `fallback.reason`), in the agent's words. */
const FALLBACK_REASONS: Record<string, string> = {
  timeout: 'OpenAI did not answer in time',
  unauthorized: 'OpenAI refused the saved key',
  unavailable: 'OpenAI could not be reached',
  malformed_output: 'OpenAI’s answer was unusable',
  over_limit: 'this month’s AI calls are used up',
  credentials_unreadable: 'the saved OpenAI key could not be opened',
};

/**
 * A `scored` event's payload: { score, previousScore, scorer, version, model?, trigger, signals,
 * fallback?: { scorer, model, reason } }.
 */
function scoredLabel(p: Record<string, unknown>): string {
  const scorer =
    p.scorer === 'heuristic'
      ? 'the heuristic scorer'
      : p.scorer === 'openai'
        ? 'OpenAI'
        : typeof p.scorer === 'string'
          ? humanize(p.scorer)
          : 'the scorer';
  const was = typeof p.previousScore === 'number' ? ` (was ${p.previousScore})` : '';
  const fallback = p.fallback as { reason?: unknown } | undefined;
  const reason = typeof fallback?.reason === 'string' ? fallback.reason : null;
  const why = reason ? `: ${FALLBACK_REASONS[reason] ?? humanize(reason).toLowerCase()}` : '';
  return `Scored ${String(p.score ?? '?')}${was} by ${scorer}${why}`;
}

function messageLabel(m: LeadMessage): string {
  const channel = m.channel === 'sms' ? 'Text' : 'Email';
  if (m.direction === 'inbound') return `${channel} received`;
  if (m.kind === 'agent_alert') return `${channel} alert to agent`;
  if (m.kind === 'autoresponder' || m.kind === 'auto_reply')
    return `Automatic ${channel.toLowerCase()} reply`;
  if (m.kind === 'missed_call_text_back') return 'Missed-call text back';
  if (m.status === 'failed') return `${channel} failed`;
  if (m.status === 'suppressed' || m.status === 'over_limit') return `${channel} not sent`;
  return m.status === 'queued' || m.status === 'sending' ? `${channel} queued` : `${channel} sent`;
}

function callLabel(c: LeadCall): string {
  const what = c.kind === 'voice_callback' ? 'Callback' : c.direction === 'inbound' ? 'Call in' : 'Call out';
  const how = c.outcome ? humanize(c.outcome) : humanize(c.status);
  return `${what}: ${how.toLowerCase()}${c.durationSeconds ? ` (${duration(c.durationSeconds)})` : ''}`;
}

function MessageBody({ m, onRetry, retrying }: { m: LeadMessage; onRetry: () => void; retrying: boolean }) {
  return (
    <>
      <p className="muted small">
        {m.direction === 'inbound' ? `From ${m.from}` : `To ${m.to}`} ·{' '}
        <span className={`badge status-${m.status}`}>{humanize(m.status)}</span>
        {m.sendAfter && m.status === 'queued'
          ? ` · waits for quiet hours, goes ${fullTime(m.sendAfter)}`
          : ''}
      </p>
      {m.subject ? <p className="subject">{m.subject}</p> : null}
      <p className="body">{m.body}</p>
      {m.error ? <p className="field-error">{m.error}</p> : null}
      {m.status === 'failed' ? (
        <button type="button" onClick={onRetry} disabled={retrying}>
          {retrying ? 'Resending…' : 'Resend'}
        </button>
      ) : null}
    </>
  );
}

/** Everything that happened to a lead, newest first: events, emails, texts and calls. */
export function LeadTimeline({ lead, members }: { lead: LeadFull; members: Member[] }) {
  const now = useNow();
  const toast = useToast();
  const queryClient = useQueryClient();
  const retry = useMutation({
    mutationFn: (messageId: string) => post(`/leads/${lead.id}/messages/${messageId}/retry`),
    onSuccess: () => toast.show('Sending again'),
    onError: (e) => toast.error(e),
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ['lead', lead.id] }),
        queryClient.invalidateQueries({ queryKey: ['leads'] }),
      ]),
  });
  const memberName = (id: unknown) => members.find((m) => m.userId === id)?.name ?? 'a former member';
  const items = merge(lead);
  if (items.length === 0) return <p className="muted">Nothing has happened yet.</p>;
  return (
    <ol className="timeline">
      {items.map((item) => {
        const label =
          item.type === 'event'
            ? eventLabel(item.event, memberName)
            : item.type === 'message'
              ? messageLabel(item.message)
              : callLabel(item.call);
        const failed = item.type === 'message' && item.message.status === 'failed';
        return (
          <li key={item.id} className={`tl-${item.type}${failed ? ' tl-failed' : ''}`}>
            <div className="tl-head">
              <strong>{label}</strong>
              <time dateTime={item.at} title={fullTime(item.at)} className="muted small">
                {timeAgo(item.at, now)}
              </time>
            </div>
            {item.type === 'event' && item.event.kind === 'note' ? (
              <p className="body">{String(item.event.payload.body ?? '')}</p>
            ) : null}
            {item.type === 'event' && item.event.actorUserId ? (
              <p className="muted small">by {memberName(item.event.actorUserId)}</p>
            ) : null}
            {item.type === 'message' ? (
              <MessageBody
                m={item.message}
                onRetry={() => retry.mutate(item.message.id)}
                retrying={retry.isPending && retry.variables === item.message.id}
              />
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}
