import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useLocation } from 'react-router';
import { del, patch, post } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import {
  SAVED_REPLIES_KEY,
  SAVED_REPLY_EMAIL_MAX,
  SAVED_REPLY_NAME_MAX,
  SAVED_REPLY_SMS_MAX,
  type SavedReply,
  type SavedReplyChannel,
  savedRepliesQuery,
} from './saved-replies.ts';
import { MessageFields, useVariableInsert, VariableChips } from './settings-template-editor.tsx';
import { ConfirmButton, Field, LoadFailed, Loading, useFormErrors } from './settings-ui.tsx';
import './saved-replies.css';

const CHANNELS: { value: SavedReplyChannel; label: string }[] = [
  { value: 'email', label: 'Email' },
  { value: 'sms', label: 'Text (SMS)' },
];

/**
 * Settings › Message templates › Saved replies: the team's own named messages, sent to a lead
 * from its page ("Use a saved reply"). Everyone on the team may add, change and delete them.
 */
export function SavedRepliesPart() {
  const replies = useQuery(savedRepliesQuery);
  const headingId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  const [adding, setAdding] = useState(false);
  const { hash } = useLocation();
  const loaded = !replies.isPending;
  useEffect(() => {
    // The lead page's "Manage saved replies" link lands here.
    if (loaded && hash === '#saved-replies') {
      heading.current?.scrollIntoView({ block: 'start' });
      heading.current?.focus();
    }
  }, [loaded, hash]);

  const refocusAdd = useRef(false);
  useEffect(() => {
    // Back on "Add a saved reply" once the new reply's form closes (added or cancelled).
    if (!adding && refocusAdd.current) {
      refocusAdd.current = false;
      addButton.current?.focus();
    }
  }, [adding]);
  function closeAdd() {
    refocusAdd.current = true;
    setAdding(false);
  }

  return (
    <section aria-labelledby={headingId} id="saved-replies" className="saved-replies">
      <h3 id={headingId} ref={heading} tabIndex={-1}>
        Saved replies
      </h3>
      <p className="settings-hint">
        Your own messages to send a lead by hand: on a lead's page, <em>Use a saved reply</em> fills the
        message in with the lead's details, for you to check and edit before it goes. Anyone on the team can
        add, change and delete them.
      </p>
      {replies.isPending ? (
        <Loading rows={2} label="Loading the saved replies…" />
      ) : replies.isError ? (
        <LoadFailed error={replies.error} retry={() => replies.refetch()} />
      ) : (
        <>
          {replies.data.data.length === 0 ? (
            <p className="settings-hint">No saved replies yet.</p>
          ) : (
            <div className="settings-templates">
              {replies.data.data.map((r) => (
                <details key={r.id} className="settings-template">
                  <summary>
                    <span className="settings-summary-title">{r.name}</span>
                    <span className="settings-badge">{r.channel === 'sms' ? 'Text' : 'Email'}</span>
                  </summary>
                  <SavedReplyEditor key={r.updatedAt} reply={r} variables={replies.data.variables} />
                </details>
              ))}
            </div>
          )}
          {adding ? (
            <div className="settings-card saved-replies-new">
              <SavedReplyEditor reply={null} variables={replies.data.variables} onDone={closeAdd} />
            </div>
          ) : (
            <div className="settings-actions">
              <button ref={addButton} type="button" onClick={() => setAdding(true)}>
                Add a saved reply
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}

/**
 * One saved reply's form (a new one when `reply` is null): name, channel, subject (email), the
 * message with the variables to insert; save, delete (asked first) or, for a new one, cancel.
 */
function SavedReplyEditor(props: { reply: SavedReply | null; variables: string[]; onDone?: () => void }) {
  const { reply } = props;
  const toast = useToast();
  const queryClient = useQueryClient();
  const uid = useId();
  const form = useFormErrors(['name', 'channel', 'subject', 'body']);
  const [name, setName] = useState(reply?.name ?? '');
  const [channel, setChannel] = useState<SavedReplyChannel>(reply?.channel ?? 'email');
  const [subject, setSubject] = useState(reply?.subject ?? '');
  const [body, setBody] = useState(reply?.body ?? '');
  const isEmail = channel === 'email';
  const cursor = useVariableInsert({ subject: setSubject, body: setBody }, isEmail);
  const nameRef = useRef<HTMLInputElement>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: SAVED_REPLIES_KEY });
  useEffect(() => {
    if (!reply) nameRef.current?.focus();
  }, [reply]);

  const save = useMutation({
    mutationFn: () => {
      const fields = {
        name: name.trim(),
        channel,
        ...(isEmail ? { subject: subject.trim() || null } : {}),
        body: body.trim(),
      };
      return reply
        ? patch<SavedReply>(`/saved-replies/${reply.id}`, fields)
        : post<SavedReply>('/saved-replies', fields);
    },
    onSuccess: (saved) => {
      toast.show(reply ? `Saved reply “${saved.name}” saved` : `Saved reply “${saved.name}” added`);
      if (!reply) props.onDone?.();
      return refresh();
    },
    onError: form.report,
  });
  const remove = useMutation({
    mutationFn: (id: string) => del(`/saved-replies/${id}`),
    onSuccess: () => {
      toast.show('Saved reply deleted');
      return refresh();
    },
    onError: toast.error,
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    if (name.trim() && body.trim()) save.mutate();
  }

  const unchanged =
    reply !== null &&
    name.trim() === reply.name &&
    channel === reply.channel &&
    body.trim() === reply.body &&
    (!isEmail || subject.trim() === (reply.subject ?? ''));
  const heading = `${uid}-h`;

  return (
    <form
      onSubmit={submit}
      className="settings-form settings-template-form"
      aria-labelledby={reply ? undefined : heading}
      aria-label={reply ? `Saved reply ${reply.name}` : undefined}
      noValidate
    >
      {reply ? null : <h4 id={heading}>New saved reply</h4>}
      <div className="saved-replies-grid">
        <Field form={form} name="name" label="Name" hint="Only your team sees it.">
          {(p) => (
            <input
              {...p}
              ref={nameRef}
              value={name}
              onChange={(e) => setName(e.target.value)}
              maxLength={SAVED_REPLY_NAME_MAX}
              required
              autoComplete="off"
            />
          )}
        </Field>
        <Field form={form} name="channel" label="Sent as">
          {(p) => (
            <select {...p} value={channel} onChange={(e) => setChannel(e.target.value as SavedReplyChannel)}>
              {CHANNELS.map((c) => (
                <option key={c.value} value={c.value}>
                  {c.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <MessageFields
        form={form}
        cursor={cursor}
        isEmail={isEmail}
        subject={subject}
        setSubject={setSubject}
        body={body}
        setBody={setBody}
        smsMax={SAVED_REPLY_SMS_MAX}
        emailMax={SAVED_REPLY_EMAIL_MAX}
        subjectHint="Optional."
        required
      />
      <VariableChips variables={props.variables} onInsert={cursor.insert} />
      <div className="settings-actions">
        <button
          type="submit"
          className="primary"
          disabled={save.isPending || !name.trim() || !body.trim() || unchanged}
        >
          {save.isPending ? 'Saving…' : reply ? 'Save reply' : 'Add reply'}
        </button>
        {reply ? (
          <ConfirmButton
            label="Delete"
            question={`Delete “${reply.name}”? Messages already sent with it keep their text.`}
            confirmLabel="Yes, delete"
            busyLabel="Deleting…"
            onConfirm={() => remove.mutateAsync(reply.id)}
          />
        ) : (
          <button type="button" onClick={props.onDone}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
