import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError, post } from '../api.ts';

/** A labelled input with its error under it (announced with the field). */
export function Field(props: {
  name: string;
  label: string;
  type?: string;
  autoComplete?: string;
  error: ApiError | null;
  hint?: string;
}) {
  const message = props.error?.fieldError(props.name);
  const id = `f-${props.name}`;
  return (
    <div>
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        autoComplete={props.autoComplete}
        required
        aria-invalid={message ? true : undefined}
        aria-describedby={message ? `${id}-error` : undefined}
      />
      {props.hint && !message ? <div className="muted">{props.hint}</div> : null}
      {message ? (
        <div className="field-error" id={`${id}-error`}>
          {message}
        </div>
      ) : null}
    </div>
  );
}

/** Submits a form's fields as JSON; an ApiError is kept for the fields to show. */
function useSubmit(path: string, after: () => void) {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  async function onSubmit(event: FormEvent<HTMLFormElement>, shape?: (f: Record<string, string>) => object) {
    event.preventDefault();
    const fields = Object.fromEntries(new FormData(event.currentTarget)) as Record<string, string>;
    setBusy(true);
    setError(null);
    try {
      await post(path, shape ? shape(fields) : fields);
      after();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'The server could not be reached'));
    } finally {
      setBusy(false);
    }
  }
  return { error, busy, onSubmit };
}

/** The error a form shows above its button: the problem's detail when no field took it. */
function FormError({ error }: { error: ApiError | null }) {
  if (!error || error.errors.length > 0) return null;
  return (
    <p className="form-error" role="alert">
      {error.message}
    </p>
  );
}

function useSignedIn() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  return async () => {
    // Forget the signed-out answer, so the shell waits for the new one instead of bouncing to login.
    queryClient.removeQueries({ queryKey: ['me'] });
    const next = params.get('next');
    navigate(next?.startsWith('/') && !next.startsWith('//') ? next : '/leads', { replace: true });
  };
}

export function Login() {
  const signedIn = useSignedIn();
  const { error, busy, onSubmit } = useSubmit('/auth/login', signedIn);
  return (
    <div className="auth">
      <div className="card">
        <h1>Log in to Porchlight</h1>
        <form onSubmit={(e) => onSubmit(e)} noValidate>
          <Field name="email" label="Email" type="email" autoComplete="username" error={error} />
          <Field
            name="password"
            label="Password"
            type="password"
            autoComplete="current-password"
            error={error}
          />
          <FormError error={error} />
          <button className="primary" type="submit" disabled={busy}>
            {busy ? 'Logging in…' : 'Log in'}
          </button>
        </form>
        <p className="muted">
          <Link to="/forgot-password">Forgot your password?</Link>
        </p>
        <p className="muted">
          New here? <Link to="/signup">Create an account</Link>
        </p>
      </div>
    </div>
  );
}

/** A slug from a business name: lower case, dashes, 3–40 characters. */
const slugOf = (name: string) =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);

export function Signup() {
  const signedIn = useSignedIn();
  const [slug, setSlug] = useState('');
  const { error, busy, onSubmit } = useSubmit('/auth/signup', signedIn);
  return (
    <div className="auth">
      <div className="card">
        <h1>Start with Porchlight</h1>
        <form
          onSubmit={(e) =>
            onSubmit(e, (f) => ({ ...f, accountSlug: f.accountSlug || slugOf(f.accountName ?? '') }))
          }
          noValidate
        >
          <Field name="name" label="Your name" autoComplete="name" error={error} />
          <Field name="email" label="Work email" type="email" autoComplete="email" error={error} />
          <Field name="password" label="Password" type="password" autoComplete="new-password" error={error} />
          <div>
            <label htmlFor="f-accountName">Business name</label>
            <input
              id="f-accountName"
              name="accountName"
              required
              autoComplete="organization"
              onChange={(e) => setSlug(slugOf(e.target.value))}
            />
            {error?.fieldError('accountName') ? (
              <div className="field-error">{error.fieldError('accountName')}</div>
            ) : null}
          </div>
          <div>
            <label htmlFor="f-accountSlug">Your pages' address</label>
            <input
              id="f-accountSlug"
              name="accountSlug"
              value={slug}
              onChange={(e) => setSlug(e.target.value)}
            />
            <div className={error?.fieldError('accountSlug') ? 'field-error' : 'muted'}>
              {error?.fieldError('accountSlug') ?? `Your pages will live at /p/${slug || 'your-name'}`}
            </div>
          </div>
          <FormError error={error} />
          <button className="primary" type="submit" disabled={busy}>
            {busy ? 'Creating your account…' : 'Create account'}
          </button>
        </form>
        <p className="muted">
          Already have an account? <Link to="/login">Log in</Link>
        </p>
      </div>
    </div>
  );
}
