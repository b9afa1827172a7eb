import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import { type ApiError, post } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import { fullTime, type LeadFull, reportError } from './lead-format.ts';
import {
  SAVED_REPLIES_SETTINGS,
  type SavedReplyChannel,
  type SavedReplyPreview,
  savedRepliesQuery,
} from './saved-replies.ts';
import './saved-replies.css';

/** After a change to a lead: its detail and every list are stale. */
export function useInvalidateLead(id: string) {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ['lead', id] }),
      queryClient.invalidateQueries({ queryKey: ['leads'] }),
    ]);
}

/** An error message tied to its input by id (the input names it in aria-describedby). */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <p id={id} className="field-error">
      {message}
    </p>
  ) : null;
}

export function NoteForm({ leadId }: { leadId: string }) {
  const toast = useToast();
  const invalidate = useInvalidateLead(leadId);
  const uid = useId();
  const [body, setBody] = useState('');
  const [errors, setErrors] = useState<ApiError | null>(null);
  const add = useMutation({
    mutationFn: (text: string) => post(`/leads/${leadId}/notes`, { body: text }),
    onSuccess: () => {
      setBody('');
      setErrors(null);
      toast.show('Note added');
    },
    onError: (e) => reportError(e, ['body'], setErrors, toast.error),
    onSettled: invalidate,
  });
  const error = errors?.fieldError('body');
  function submit(e: FormEvent) {
    e.preventDefault();
    if (body.trim()) add.mutate(body.trim());
  }
  return (
    <form onSubmit={submit} className="lead-form" aria-labelledby={`${uid}-h`}>
      <h2 id={`${uid}-h`}>Add a note</h2>
      <label htmlFor={`${uid}-body`} className="sr-only">
        Note
      </label>
      <textarea
        id={`${uid}-body`}
        value={body}
        onChange={(e) => setBody(e.target.value)}
        placeholder="What happened, what's next…"
        maxLength={10_000}
        required
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${uid}-err` : undefined}
      />
      <FieldError id={`${uid}-err`} message={error} />
      <button type="submit" className="primary" disabled={add.isPending || !body.trim()}>
        {add.isPending ? 'Adding…' : 'Add note'}
      </button>
    </form>
  );
}

type Sent = { id: string; channel: 'email' | 'sms'; status: string; sendAfter: string | null };

export function MessageForm({ lead }: { lead: LeadFull }) {
  const toast = useToast();
  const invalidate = useInvalidateLead(lead.id);
  const uid = useId();
  const [channel, setChannel] = useState<'email' | 'sms'>(lead.email || !lead.phone ? 'email' : 'sms');
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [errors, setErrors] = useState<ApiError | null>(null);
  const [waiting, setWaiting] = useState<string | null>(null);
  /** The saved reply last filled in, and the draft it replaced (for Undo). */
  const [filled, setFilled] = useState<{
    name: string;
    before: { subject: string; body: string } | null;
  } | null>(null);
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  function fill(preview: SavedReplyPreview, name: string) {
    const before = body.trim() || subject.trim() ? { subject, body } : null;
    if (preview.channel === 'email') setSubject(preview.subject ?? '');
    setBody(preview.body);
    setErrors(null);
    setFilled({ name, before });
    requestAnimationFrame(() => bodyRef.current?.focus());
  }
  function undoFill() {
    if (filled?.before) {
      setSubject(filled.before.subject);
      setBody(filled.before.body);
    }
    setFilled(null);
    bodyRef.current?.focus();
  }
  const send = useMutation({
    mutationFn: () =>
      post<Sent>(`/leads/${lead.id}/messages`, {
        channel,
        body: body.trim(),
        ...(channel === 'email' && subject.trim() ? { subject: subject.trim() } : {}),
      }),
    onSuccess: (sent) => {
      setBody('');
      setSubject('');
      setErrors(null);
      setFilled(null);
      setWaiting(sent.sendAfter);
      if (sent.status === 'suppressed') toast.show('Not sent: the lead opted out of this channel', 'error');
      else if (sent.sendAfter) toast.show(`Queued: it goes ${fullTime(sent.sendAfter)}, after quiet hours`);
      else toast.show(channel === 'sms' ? 'Text on its way' : 'Email on its way');
    },
    onError: (e) => reportError(e, ['channel', 'subject', 'body'], setErrors, toast.error),
    onSettled: invalidate,
  });
  const err = (f: string) => errors?.fieldError(f);
  const described = (f: string) =>
    err(f) ? { 'aria-invalid': true, 'aria-describedby': `${uid}-${f}-err` } : {};
  function submit(e: FormEvent) {
    e.preventDefault();
    if (body.trim()) send.mutate();
  }
  const missing = channel === 'email' ? !lead.email : !lead.phone;
  return (
    <form onSubmit={submit} className="lead-form" aria-labelledby={`${uid}-h`}>
      <h2 id={`${uid}-h`}>Send a message</h2>
      <fieldset className="channel" aria-describedby={err('channel') ? `${uid}-channel-err` : undefined}>
        <legend>Channel</legend>
        {(['email', 'sms'] as const).map((c) => (
          <label key={c} className="inline">
            <input
              type="radio"
              name={`${uid}-channel`}
              value={c}
              checked={channel === c}
              onChange={() => setChannel(c)}
            />
            {c === 'email' ? 'Email' : 'Text (SMS)'}
          </label>
        ))}
      </fieldset>
      <FieldError id={`${uid}-channel-err`} message={err('channel')} />
      {missing ? (
        <p className="muted small">
          The lead has no {channel === 'email' ? 'email address' : 'phone number'}.
        </p>
      ) : null}
      <SavedReplyPicker leadId={lead.id} channel={channel} onFill={fill} />
      <div role="status">
        {filled ? (
          <p className="notice">
            Filled in from “{filled.name}” for this lead: check it, edit it if you like, then send.{' '}
            {filled.before ? (
              <button type="button" className="saved-reply-undo" onClick={undoFill}>
                Undo
              </button>
            ) : null}
          </p>
        ) : null}
      </div>
      {channel === 'email' ? (
        <>
          <label htmlFor={`${uid}-subject`}>Subject</label>
          <input
            id={`${uid}-subject`}
            value={subject}
            onChange={(e) => setSubject(e.target.value)}
            maxLength={300}
            placeholder="Optional"
            {...described('subject')}
          />
          <FieldError id={`${uid}-subject-err`} message={err('subject')} />
        </>
      ) : null}
      <label htmlFor={`${uid}-body`}>Message</label>
      <textarea
        id={`${uid}-body`}
        ref={bodyRef}
        value={body}
        onChange={(e) => setBody(e.target.value)}
        maxLength={channel === 'sms' ? 1600 : 20_000}
        required
        {...described('body')}
      />
      <FieldError id={`${uid}-body-err`} message={err('body')} />
      {channel === 'sms' ? (
        <p className="muted small">Texts wait out the lead's quiet hours (8:00–21:00 their time).</p>
      ) : null}
      {waiting ? (
        <p className="notice" role="status">
          Your text waits for quiet hours to end: it goes {fullTime(waiting)}.
        </p>
      ) : null}
      <button type="submit" className="primary" disabled={send.isPending || missing || !body.trim()}>
        {send.isPending ? 'Sending…' : channel === 'sms' ? 'Send text' : 'Send email'}
      </button>
    </form>
  );
}

/**
 * "Use a saved reply": the team's saved replies for the chosen channel; Use fills the message
 * in with the reply rendered for this lead (the server's preview), to be edited and sent as typed.
 */
function SavedReplyPicker(props: {
  leadId: string;
  channel: SavedReplyChannel;
  onFill: (preview: SavedReplyPreview, name: string) => void;
}) {
  const toast = useToast();
  const uid = useId();
  const replies = useQuery(savedRepliesQuery);
  const [chosen, setChosen] = useState('');
  const options = (replies.data?.data ?? []).filter((r) => r.channel === props.channel);
  const selected = options.find((r) => r.id === chosen);
  const preview = useMutation({
    mutationFn: (id: string) =>
      post<SavedReplyPreview>(`/saved-replies/${id}/preview`, { leadId: props.leadId }),
    onSuccess: (rendered, id) =>
      props.onFill(rendered, options.find((r) => r.id === id)?.name ?? 'a saved reply'),
    onError: toast.error,
  });
  const kind = props.channel === 'sms' ? 'texts' : 'emails';
  const manage = (
    <Link to={SAVED_REPLIES_SETTINGS}>{options.length ? 'Manage saved replies' : 'Add one'}</Link>
  );
  if (replies.isPending || replies.isError) return null;
  return (
    <div className="saved-reply-picker">
      {options.length === 0 ? (
        <p className="muted small">
          No saved replies for {kind} yet. {manage}
        </p>
      ) : (
        <>
          <label htmlFor={`${uid}-pick`}>Use a saved reply</label>
          <div className="row">
            <select
              id={`${uid}-pick`}
              value={selected ? chosen : ''}
              onChange={(e) => setChosen(e.target.value)}
            >
              <option value="">Choose one of your {kind}…</option>
              {options.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
            <button
              type="button"
              disabled={!selected || preview.isPending}
              onClick={() => selected && preview.mutate(selected.id)}
            >
              {preview.isPending ? 'Filling in…' : 'Use'}
              <span className="sr-only"> this saved reply</span>
            </button>
          </div>
          <p className="muted small">
            It fills in the message with this lead's details; nothing is sent until you send it. {manage}
          </p>
        </>
      )}
    </div>
  );
}
