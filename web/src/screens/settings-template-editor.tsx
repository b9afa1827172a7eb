import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useRef, useState } from 'react';
import { del, put } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import {
  ConfirmButton,
  Field,
  FieldError,
  type FormErrors,
  useFormErrors,
  useIsAdmin,
} from './settings-ui.tsx';

type Channel = 'email' | 'sms';
type Kind = 'autoresponder' | 'missed_call_text_back';
type Wording = {
  channel: Channel;
  kind: Kind;
  pageKind: string | null;
  subject: string | null;
  body: string;
};
export type Template = Wording & { id: string; updatedAt: string };
export type Templates = { data: Template[]; defaults: Wording[]; variables: string[] };
/** One use the account may word: its built-in wording (if any) and the account's own (if any). */
export type Slot = Pick<Wording, 'channel' | 'kind' | 'pageKind'> & {
  fallback: Wording | null;
  template: Template | null;
};

export const TEMPLATES_KEY = ['templates'] as const;
/** The server's limit for a text template (4 segments). */
const SMS_MAX = 640;

/**
 * Variables put where the cursor was in a form's subject or body (the field last focused), the
 * cursor left after it. The saved replies' editor shares it.
 */
export function useVariableInsert(
  set: { subject: (value: string) => void; body: (value: string) => void },
  hasSubject: boolean,
) {
  const subjectRef = useRef<HTMLInputElement>(null);
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const lastField = useRef<'subject' | 'body'>('body');
  function insert(variable: string) {
    const el = lastField.current === 'subject' && hasSubject ? subjectRef.current : bodyRef.current;
    if (!el) return;
    const value = el.value;
    const start = el.selectionStart ?? value.length;
    const end = el.selectionEnd ?? start;
    const next = value.slice(0, start) + variable + value.slice(end);
    (el === subjectRef.current ? set.subject : set.body)(next);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(start + variable.length, start + variable.length);
    });
  }
  return {
    subjectRef,
    bodyRef,
    insert,
    onSubjectFocus: () => {
      lastField.current = 'subject';
    },
    onBodyFocus: () => {
      lastField.current = 'body';
    },
  };
}

/**
 * A message's subject (emails) and body, wired to the variable inserter: the template editor's
 * and the saved replies' fields.
 */
export function MessageFields(props: {
  form: FormErrors;
  cursor: ReturnType<typeof useVariableInsert>;
  isEmail: boolean;
  subject: string;
  setSubject: (value: string) => void;
  body: string;
  setBody: (value: string) => void;
  smsMax: number;
  emailMax: number;
  subjectHint?: string;
  placeholders?: { subject: string; body: string };
  required?: boolean;
}) {
  const { form, cursor, isEmail } = props;
  return (
    <>
      {isEmail ? (
        <Field form={form} name="subject" label="Subject" hint={props.subjectHint}>
          {(p) => (
            <input
              {...p}
              ref={cursor.subjectRef}
              value={props.subject}
              onChange={(e) => props.setSubject(e.target.value)}
              onFocus={cursor.onSubjectFocus}
              placeholder={props.placeholders?.subject}
              maxLength={300}
            />
          )}
        </Field>
      ) : null}
      <Field
        form={form}
        name="body"
        label={isEmail ? 'Message' : 'Text'}
        hint={isEmail ? undefined : `${props.body.length} / ${props.smsMax} characters`}
      >
        {(p) => (
          <textarea
            {...p}
            ref={cursor.bodyRef}
            value={props.body}
            onChange={(e) => props.setBody(e.target.value)}
            onFocus={cursor.onBodyFocus}
            placeholder={props.placeholders?.body}
            rows={isEmail ? 8 : 4}
            maxLength={isEmail ? props.emailMax : props.smsMax}
            required={props.required}
          />
        )}
      </Field>
    </>
  );
}

/** The variables as buttons that insert them (see useVariableInsert). */
export function VariableChips({
  variables,
  onInsert,
}: {
  variables: string[];
  onInsert: (v: string) => void;
}) {
  return (
    <fieldset className="settings-chips">
      <legend className="settings-hint">Insert a variable where the cursor is</legend>
      <div>
        {variables.map((v) => (
          <button key={v} type="button" className="settings-chip" onClick={() => onInsert(v)}>
            {v}
          </button>
        ))}
      </div>
    </fieldset>
  );
}

/**
 * One template: subject (email) and body, the built-in wording as their placeholders, the
 * variables as chips that insert at the cursor of the field last typed in; save (PUT) or go back
 * to the built-in wording (DELETE).
 */
export function TemplateEditor({ slot, variables }: { slot: Slot; variables: string[] }) {
  const isAdmin = useIsAdmin();
  const toast = useToast();
  const queryClient = useQueryClient();
  const uid = useId();
  const form = useFormErrors(['body', 'subject', 'channel', 'kind', 'pageKind']);
  const [subject, setSubject] = useState(slot.template?.subject ?? '');
  const [body, setBody] = useState(slot.template?.body ?? '');
  const isEmail = slot.channel === 'email';
  const cursor = useVariableInsert({ subject: setSubject, body: setBody }, isEmail);
  const bodyRef = cursor.bodyRef;
  const refresh = () => queryClient.invalidateQueries({ queryKey: TEMPLATES_KEY });

  const save = useMutation({
    mutationFn: () =>
      put<Template>('/templates', {
        channel: slot.channel,
        kind: slot.kind,
        pageKind: slot.pageKind,
        ...(isEmail ? { subject: subject.trim() } : {}),
        body: body.trim(),
      }),
    onSuccess: (saved) => {
      setSubject(saved.subject ?? '');
      setBody(saved.body);
      toast.show('Template saved: new messages use it');
      return refresh();
    },
    onError: form.report,
  });
  const reset = useMutation({
    mutationFn: (id: string) => del(`/templates/${id}`),
    onSuccess: () => {
      setSubject('');
      setBody('');
      form.clear();
      toast.show('Back to the built-in wording');
      bodyRef.current?.focus();
      return refresh();
    },
    onError: toast.error,
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    if (body.trim()) save.mutate();
  }

  const fallback = slot.fallback;
  const unchanged =
    body.trim() === (slot.template?.body ?? '') &&
    (!isEmail || subject.trim() === (slot.template?.subject ?? ''));
  const general = form.message('channel') ?? form.message('kind') ?? form.message('pageKind');

  return (
    <form onSubmit={submit} className="settings-form settings-template-form" noValidate>
      <fieldset disabled={!isAdmin} className="settings-fieldset">
        <legend className="sr-only">Wording</legend>
        <MessageFields
          form={form}
          cursor={cursor}
          isEmail={isEmail}
          subject={subject}
          setSubject={setSubject}
          body={body}
          setBody={setBody}
          smsMax={SMS_MAX}
          emailMax={5000}
          placeholders={{ subject: fallback?.subject ?? '', body: fallback?.body ?? '' }}
        />
      </fieldset>
      <FieldError id={`${uid}-general`} message={general} />
      {isAdmin ? (
        <>
          <VariableChips variables={variables} onInsert={cursor.insert} />
          <div className="settings-actions">
            <button type="submit" className="primary" disabled={save.isPending || !body.trim() || unchanged}>
              {save.isPending ? 'Saving…' : 'Save template'}
            </button>
            {!slot.template && fallback && !body ? (
              <button
                type="button"
                onClick={() => {
                  setSubject(fallback.subject ?? '');
                  setBody(fallback.body);
                  bodyRef.current?.focus();
                }}
              >
                Start from the built-in wording
              </button>
            ) : null}
            {slot.template ? (
              <ConfirmButton
                label="Use the default"
                question="Drop your wording and use the built-in one?"
                confirmLabel="Yes, use the default"
                busyLabel="Resetting…"
                onConfirm={() => reset.mutateAsync(slot.template!.id)}
              />
            ) : null}
          </div>
        </>
      ) : null}
    </form>
  );
}
