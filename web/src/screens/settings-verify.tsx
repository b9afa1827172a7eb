import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { ApiError, type FieldError as ApiFieldError, post } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import { PROFILE_KEY, type Profile } from './settings-account.tsx';
import { Field, FormProblem, useFormErrors, useIsAdmin, When } from './settings-ui.tsx';

type CodeSent = { sentTo: string; expiresAt: string };

/** A 429: the problem's detail and the server's Retry-After, in seconds. */
class RetryLater extends ApiError {
  readonly seconds: number;
  constructor(detail: string, seconds: number) {
    super(429, detail);
    this.seconds = seconds;
  }
}

/**
 * POST /api/v1/account/phone/verification. Not through api.ts's helper: a 429 carries its
 * wait in the Retry-After header, which the helper does not pass on.
 */
async function requestCode(): Promise<CodeSent> {
  const res = await fetch('/api/v1/account/phone/verification', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: '{}',
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.ok) return json as CodeSent;
  const detail = String(json.detail ?? json.title ?? `The server answered ${res.status}`);
  if (res.status === 429) {
    const wait = Number(res.headers.get('retry-after'));
    throw new RetryLater(detail, Number.isFinite(wait) && wait > 0 ? wait : 60);
  }
  const errors = Array.isArray(json.errors) ? (json.errors as ApiFieldError[]) : [];
  throw new ApiError(res.status, detail, typeof json.code === 'string' ? json.code : undefined, errors);
}

/** Seconds left until `until` (a timestamp), ticking each second while any are left. */
function useCountdown(until: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  return until === null ? 0 : Math.max(0, Math.ceil((until - now) / 1000));
}

/** 42 → "42 seconds", 3600 → "60 minutes". */
const waitText = (s: number) =>
  s < 60 ? `${s} second${s === 1 ? '' : 's'}` : `${Math.ceil(s / 60)} minute${s < 120 ? '' : 's'}`;

/** Whether the saved phone proved it gets texts; send a code to it and type it back. */
export function PhoneVerification({ profile, pendingChange }: { profile: Profile; pendingChange: boolean }) {
  const isAdmin = useIsAdmin();
  const toast = useToast();
  const queryClient = useQueryClient();
  const headingId = useId();
  const form = useFormErrors(['code']);
  const [sent, setSent] = useState<CodeSent | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const [code, setCode] = useState('');
  const wait = useCountdown(retryAt);

  const send = useMutation({
    mutationFn: requestCode,
    onMutate: () => setProblem(null),
    onSuccess: (answer) => {
      setSent(answer);
      setCode('');
      form.clear();
      setRetryAt(Date.now() + 60_000); // one code a minute
      toast.show(`Code texted to ${answer.sentTo}`);
    },
    onError: (e) => {
      if (e instanceof RetryLater) {
        setRetryAt(Date.now() + e.seconds * 1000);
        setProblem(e.message);
      } else if (e instanceof ApiError && e.fieldError('phone'))
        setProblem(`Phone: ${e.fieldError('phone')}`);
      else toast.error(e);
    },
  });
  const verify = useMutation({
    mutationFn: (typed: string) => post<Profile>('/account/phone/verify', { code: typed }),
    onSuccess: (saved) => {
      queryClient.setQueryData(PROFILE_KEY, saved);
      setSent(null);
      setCode('');
      toast.show('Phone verified');
    },
    onError: form.report,
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    if (code.length === 6) verify.mutate(code);
  }

  const status = !profile.phone ? (
    <span className="settings-badge">No phone yet</span>
  ) : profile.phoneVerified ? (
    <span className="settings-badge ok">Verified</span>
  ) : (
    <span className="settings-badge warn">Not verified</span>
  );

  return (
    <section className="settings-card" aria-labelledby={headingId}>
      <div className="settings-card-head">
        <h3 id={headingId}>Phone verification</h3>
        {status}
      </div>
      {!profile.phone ? (
        <p className="settings-hint">Add your phone above and save it; then verify it here.</p>
      ) : profile.phoneVerified ? (
        <p className="settings-hint">
          {profile.phone} gets texts: alerts and callbacks go to it.
          {pendingChange ? ' Saving a new number means verifying that one.' : ''}
        </p>
      ) : (
        <p className="settings-hint">
          Porchlight only texts or rings {profile.phone} once it is verified: we text it a 6-digit code, and
          you type it back here.
        </p>
      )}
      {pendingChange && profile.phone && !profile.phoneVerified ? (
        <p className="settings-note">You changed the number above: save it first, then verify it.</p>
      ) : null}

      {isAdmin && profile.phone && !profile.phoneVerified ? (
        <>
          <div className="settings-actions">
            <button
              type="button"
              onClick={() => send.mutate()}
              disabled={send.isPending || wait > 0 || pendingChange}
            >
              {send.isPending ? 'Sending…' : sent ? 'Send a new code' : 'Send code'}
            </button>
            <span className="settings-hint" aria-live="polite">
              {wait > 0 ? `You can ask for another code in ${waitText(wait)}.` : ''}
            </span>
          </div>
          <FormProblem message={problem} />
          <form onSubmit={submit} className="settings-form settings-code" noValidate>
            <Field
              form={form}
              name="code"
              label="The 6-digit code"
              hint={
                sent ? (
                  <>
                    Texted to {sent.sentTo}; it works until <When iso={sent.expiresAt} withTime />.
                  </>
                ) : (
                  'Ask for a code first: it works for 10 minutes and 5 tries.'
                )
              }
            >
              {(p) => (
                <input
                  {...p}
                  value={code}
                  onChange={(e) => setCode(e.target.value.replace(/\D/g, '').slice(0, 6))}
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  pattern="[0-9]{6}"
                  maxLength={6}
                  className="settings-code-input"
                />
              )}
            </Field>
            <div className="settings-actions">
              <button type="submit" className="primary" disabled={verify.isPending || code.length !== 6}>
                {verify.isPending ? 'Checking…' : 'Verify'}
              </button>
            </div>
          </form>
        </>
      ) : null}
    </section>
  );
}
