import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { ApiError, post } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import { Field } from './auth.tsx';

/**
 * The screens an emailed link or a lost password leads to, outside the signed-in shell:
 * forgot password, reset password, verify email. The links carry their token in the URL
 * fragment (`#token=…`), which never reaches a server log or a Referer header.
 */

/** The token in the address's fragment (`/app/reset-password#token=…`), or null. */
export function useHashToken(): string | null {
  const { hash } = useLocation();
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token?.trim() || null;
}

/**
 * The auth screens' centred card. On arrival it moves focus to its first field, or to its
 * heading when it has none, so a screen reader starts there; give each step its own `key`
 * so moving to the next step focuses again.
 */
export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  const card = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const root = card.current;
    const first = root?.querySelector<HTMLElement>('input:not([type="hidden"]), select, textarea');
    (first ?? root?.querySelector<HTMLElement>('h1'))?.focus();
  }, []);
  return (
    <main className="auth">
      <div className="card" ref={card}>
        <h1 tabIndex={-1}>{title}</h1>
        {children}
      </div>
    </main>
  );
}

/** Runs one request at a time, keeping its ApiError (or "unreachable") for the form to show. */
export function useAction() {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'The server could not be reached'));
    } finally {
      setBusy(false);
    }
  }
  return { error, busy, run, setError };
}

/** The fields left empty, as an ApiError the form shows like the server's (checked before posting). */
export function missing(fields: Record<string, string>, messages: Record<string, string>): ApiError | null {
  const errors = Object.entries(messages)
    .filter(([name]) => (fields[name] ?? '').trim() === '')
    .map(([path, message]) => ({ path, message }));
  return errors.length > 0 ? new ApiError(0, 'Some fields are empty', undefined, errors) : null;
}

/** A form's fields as strings. */
export const fieldsOf = (event: FormEvent<HTMLFormElement>) =>
  Object.fromEntries(new FormData(event.currentTarget)) as Record<string, string>;

/**
 * The problem a form shows above its button: a bad link (the token's error, with a way on in
 * `onBadLink`), or the problem's detail when none of the form's `fields` took the error.
 */
export function Problem(props: { error: ApiError | null; fields?: string[]; onBadLink?: ReactNode }) {
  const { error } = props;
  if (!error) return null;
  const tokenError = error.fieldError('token');
  if (tokenError) {
    return (
      <div className="form-error" role="alert">
        <p style={{ margin: 0 }}>This link {tokenError}.</p>
        {props.onBadLink ? <p style={{ margin: '0.5rem 0 0' }}>{props.onBadLink}</p> : null}
      </div>
    );
  }
  if ((props.fields ?? []).some((f) => error.fieldError(f))) return null;
  return (
    <p className="form-error" role="alert">
      {error.message}
    </p>
  );
}

/** A link that arrived without its token (cut short by a mail program, or typed by hand). */
function IncompleteLink({ children }: { children: ReactNode }) {
  return (
    <AuthCard title="This link is incomplete">
      <p className="form-error" role="alert">
        The address is missing its token. Open the link from the email again, or copy all of it.
      </p>
      <p className="muted">{children}</p>
    </AuthCard>
  );
}

export function ForgotPassword() {
  const [sentTo, setSentTo] = useState<string | null>(null);
  const { error, busy, run, setError } = useAction();

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const fields = fieldsOf(event);
    const empty = missing(fields, { email: 'Enter the email address you log in with.' });
    if (empty) return setError(empty);
    const email = (fields.email ?? '').trim();
    // The server answers 202 whether or not the address has an account (no enumeration).
    void run(async () => {
      await post('/auth/password-reset', { email });
      setSentTo(email);
    });
  }

  if (sentTo !== null) {
    return (
      <AuthCard key="sent" title="Check your email">
        <p role="status">
          If an account uses that address, we've sent a link to set a new password. It works for one hour.
        </p>
        <p className="muted">
          You entered <strong>{sentTo}</strong>. Nothing after a few minutes? Check your spam folder, or{' '}
          <button type="button" onClick={() => setSentTo(null)}>
            try another address
          </button>
        </p>
        <p className="muted">
          <Link to="/login">Back to log in</Link>
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard key="ask" title="Reset your password">
      <p className="muted">
        Enter the email you log in with and we'll send you a link to set a new password.
      </p>
      <form onSubmit={onSubmit} noValidate>
        <Field name="email" label="Email" type="email" autoComplete="username" error={error} />
        <Problem error={error} fields={['email']} />
        <button className="primary" type="submit" disabled={busy}>
          {busy ? 'Sending…' : 'Send the link'}
        </button>
      </form>
      <p className="muted">
        Remembered it? <Link to="/login">Log in</Link>
      </p>
    </AuthCard>
  );
}

export function ResetPassword() {
  const token = useHashToken();
  // Keyed by the token: a second link opened in the same tab starts afresh.
  return <ResetWithToken key={token ?? ''} token={token} />;
}

function ResetWithToken({ token }: { token: string | null }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const toast = useToast();
  const { error, busy, run, setError } = useAction();
  const askAgain = <Link to="/forgot-password">Ask for a new link</Link>;

  if (!token) return <IncompleteLink>{askAgain}</IncompleteLink>;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const fields = fieldsOf(event);
    const empty = missing(fields, { password: 'Enter a new password.' });
    if (empty) return setError(empty);
    const { password } = fields;
    void run(async () => {
      await post('/auth/password-reset/confirm', { token, password });
      // Every session of the user has ended: forget whoever this browser was signed in as.
      queryClient.clear();
      toast.show('Your password is changed. Log in with it.');
      navigate('/login', { replace: true });
    });
  }

  return (
    <AuthCard title="Choose a new password">
      <form onSubmit={onSubmit} noValidate>
        <Field
          name="password"
          label="New password"
          type="password"
          autoComplete="new-password"
          hint="At least 8 characters. Every device signed in to your account will be signed out."
          error={error}
        />
        <Problem error={error} fields={['password']} onBadLink={askAgain} />
        <button className="primary" type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Set the new password'}
        </button>
      </form>
      <p className="muted">
        <Link to="/login">Back to log in</Link>
      </p>
    </AuthCard>
  );
}

export function VerifyEmail() {
  const token = useHashToken();
  // Keyed by the token: a second link opened in the same tab starts afresh.
  return <VerifyWithToken key={token ?? ''} token={token} />;
}

function VerifyWithToken({ token }: { token: string | null }) {
  const queryClient = useQueryClient();
  const [outcome, setOutcome] = useState<'pending' | 'done' | ApiError>('pending');
  // The token is single use: post it once, even when React runs the effect twice (StrictMode).
  const started = useRef(false);

  useEffect(() => {
    if (!token || started.current) return;
    started.current = true;
    post('/auth/verify-email', { token }).then(
      () => {
        setOutcome('done');
        // The shell's "verify your email" banner goes away.
        void queryClient.invalidateQueries({ queryKey: ['me'] });
      },
      (e: unknown) =>
        setOutcome(e instanceof ApiError ? e : new ApiError(0, 'The server could not be reached')),
    );
  }, [token, queryClient]);

  if (!token) return <IncompleteLink>{<Link to="/leads">Go to Porchlight</Link>}</IncompleteLink>;
  if (outcome === 'pending') {
    return (
      <AuthCard key="pending" title="Confirming your email…">
        <p className="muted" aria-busy="true">
          One moment.
        </p>
      </AuthCard>
    );
  }
  if (outcome === 'done') {
    return (
      <AuthCard key="done" title="Your email is confirmed">
        <p>Thanks: we'll send your lead alerts and account notices to this address.</p>
        <p>
          <Link className="button primary" to="/leads">
            Go to your inbox
          </Link>
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard key="failed" title="We couldn't confirm your email">
      <Problem error={outcome} />
      <p className="muted">
        If you already confirmed it, there is nothing more to do. <Link to="/leads">Go to Porchlight</Link>
      </p>
    </AuthCard>
  );
}
