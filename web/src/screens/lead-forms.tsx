import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { type ApiError, post } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import { fullTime, type LeadFull, reportError } from './lead-format.ts';

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
