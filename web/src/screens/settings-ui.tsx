/**
 * Small pieces the settings sections share: a labelled field with its hint and error, the
 * field-error state a form keeps, an inline "are you sure?" for destructive actions, a
 * copyable read-only value, and the placeholder that keeps a section's height while it loads.
 */
import { type KeyboardEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../api.ts';
import { useSession } from '../components/session.tsx';
import { useToast } from '../components/toast.tsx';

/** Owners and admins change settings; the server enforces it, the screen hides what would fail. */
export function useIsAdmin(): boolean {
  const { role } = useSession();
  return role === 'owner' || role === 'admin';
}

export type FormErrors = ReturnType<typeof useFormErrors>;

/**
 * A form's failed request: kept for its fields when it names any of `fields`, else shown as a
 * toast with the problem's detail.
 */
export function useFormErrors(fields: string[]) {
  const toast = useToast();
  const uid = useId();
  const [error, setError] = useState<ApiError | null>(null);
  const message = (field: string) => error?.fieldError(field);
  return {
    error,
    clear: () => setError(null),
    message,
    report(e: unknown) {
      if (e instanceof ApiError && fields.some((f) => e.fieldError(f))) setError(e);
      else {
        setError(null);
        toast.error(e);
      }
    },
    /** The id, and the aria attributes that tie the input to its hint and error. */
    props(field: string, hasHint = false) {
      const id = `${uid}-${field}`;
      const described = [message(field) ? `${id}-err` : '', hasHint ? `${id}-hint` : '']
        .filter(Boolean)
        .join(' ');
      return {
        id,
        'aria-invalid': message(field) ? true : undefined,
        'aria-describedby': described || undefined,
      };
    },
  };
}

type InputProps = ReturnType<FormErrors['props']>;

/** A label, the control (given its id and aria attributes), a hint and the field's error. */
export function Field(props: {
  form: FormErrors;
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  children: (input: InputProps) => ReactNode;
}) {
  const input = props.form.props(props.name, Boolean(props.hint));
  const message = props.form.message(props.name);
  return (
    <div className="settings-field">
      <label htmlFor={input.id}>{props.label}</label>
      {props.children(input)}
      {props.hint ? (
        <p id={`${input.id}-hint`} className="settings-hint">
          {props.hint}
        </p>
      ) : null}
      <FieldError id={`${input.id}-err`} message={message} />
    </div>
  );
}

export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <p id={id} className="field-error">
      {message}
    </p>
  ) : null;
}

/** A problem that belongs to the whole form (a plan that lacks a feature, say), announced. */
export function FormProblem({ message }: { message: string | null | undefined }) {
  return message ? (
    <p className="form-error settings-problem" role="alert">
      {message}
    </p>
  ) : null;
}

/**
 * A destructive action asked about inline: the button becomes "question? [confirm] [cancel]"
 * (focus moves to Cancel, both buttons described by the question; Escape cancels and returns
 * focus to the button).
 */
export function ConfirmButton(props: {
  label: string;
  question: string;
  confirmLabel: string;
  busyLabel?: string;
  onConfirm: () => Promise<unknown>;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const refocus = useRef(false);
  const questionId = useId();
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true; // again after StrictMode's rehearsal unmount
    return () => {
      mounted.current = false;
    };
  }, []);
  useEffect(() => {
    if (asking) cancel.current?.focus();
    else if (refocus.current) {
      refocus.current = false;
      trigger.current?.focus();
    }
  }, [asking]);

  function stop() {
    refocus.current = true;
    setAsking(false);
  }
  async function confirm() {
    setBusy(true);
    try {
      await props.onConfirm();
    } catch {
      // The caller's mutation reports the problem; the question closes.
    } finally {
      if (mounted.current) {
        setBusy(false);
        stop();
      }
    }
  }

  if (!asking) {
    return (
      <button ref={trigger} type="button" className="settings-danger-quiet" onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  }
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') stop();
  };
  return (
    <span className="settings-confirm">
      <span id={questionId}>{props.question}</span>
      <button
        type="button"
        className="settings-danger"
        onClick={confirm}
        onKeyDown={onKeyDown}
        disabled={busy}
        aria-describedby={questionId}
      >
        {busy ? (props.busyLabel ?? 'Working…') : props.confirmLabel}
      </button>
      <button
        type="button"
        ref={cancel}
        onClick={stop}
        onKeyDown={onKeyDown}
        disabled={busy}
        aria-describedby={questionId}
      >
        Cancel
      </button>
    </span>
  );
}

/** A value to paste elsewhere (a key, a webhook URL): read-only, selected on focus, with Copy. */
export function CopyField({ label, value, hint }: { label: string; value: string; hint?: ReactNode }) {
  const toast = useToast();
  const id = useId();
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      toast.show(`${label} copied`);
    } catch {
      toast.show('Copying is blocked here: select the text and copy it yourself', 'error');
    }
  }
  return (
    <div className="settings-field">
      <label htmlFor={id}>{label}</label>
      <div className="settings-copy">
        <input
          id={id}
          value={value}
          readOnly
          spellCheck={false}
          onFocus={(e) => e.currentTarget.select()}
          aria-describedby={hint ? `${id}-hint` : undefined}
        />
        <button type="button" onClick={copy}>
          Copy<span className="sr-only"> {label}</span>
        </button>
      </div>
      {hint ? (
        <p id={`${id}-hint`} className="settings-hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** Reserved space while a section's data loads (the same height as a typical answer). */
export function Loading({ rows = 3, label }: { rows?: number; label: string }) {
  const keys = Array.from({ length: rows }, (_, i) => `row-${i}`);
  return (
    <div aria-busy="true">
      <p className="sr-only" role="status">
        {label}
      </p>
      {keys.map((k) => (
        <div key={k} className="settings-skeleton" aria-hidden="true" />
      ))}
    </div>
  );
}

/** A query that failed: its detail and a way to try again. */
export function LoadFailed({ error, retry }: { error: Error; retry: () => void }) {
  return (
    <div className="settings-problem" role="alert">
      <p className="form-error">{error.message || 'This could not be loaded.'}</p>
      <button type="button" onClick={retry}>
        Try again
      </button>
    </div>
  );
}

/** What a member sees where only admins may change things. */
export function AdminOnly({ children }: { children: ReactNode }) {
  return <p className="settings-note">{children}</p>;
}

const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** A date as a <time>, with the full time as its tooltip. */
export function When({ iso, withTime = false }: { iso: string; withTime?: boolean }) {
  const d = new Date(iso);
  return (
    <time dateTime={iso} title={absolute.format(d)}>
      {withTime ? absolute.format(d) : dateOnly.format(d)}
    </time>
  );
}

/** "home_valuation" → "Home valuation". */
export const humanize = (code: string) => {
  const s = code.replaceAll('_', ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
};

/**
 * A set of named choices as checkboxes (a key's scopes, a webhook's events), each with what it
 * means, and the set's error ("Choose at least one." when none is ticked).
 */
export function ChoiceList(props: {
  legend: string;
  idBase: string;
  choices: { value: string; what: string }[];
  chosen: string[];
  onChange: (chosen: string[]) => void;
  error: string | undefined;
}) {
  const { legend, idBase, choices, chosen, onChange } = props;
  const message = props.error ?? (chosen.length === 0 ? 'Choose at least one.' : undefined);
  const errorId = `${idBase}-err`;
  return (
    <>
      <fieldset className="settings-scopes" aria-describedby={message ? errorId : undefined}>
        <legend>{legend}</legend>
        {choices.map(({ value, what }) => (
          <label key={value} className="settings-inline">
            <input
              type="checkbox"
              checked={chosen.includes(value)}
              onChange={(e) =>
                onChange(e.target.checked ? [...chosen, value] : chosen.filter((x) => x !== value))
              }
            />
            <code>{value}</code> <span className="settings-hint">{what}</span>
          </label>
        ))}
      </fieldset>
      <FieldError id={errorId} message={message} />
    </>
  );
}
