/**
 * The signed-in person's own alerts in this account: which new leads they are emailed about
 * (GET/PUT /api/v1/account/notifications; any member, for themselves), a pointer to the
 * account's text alerts, and this device's inbox chime (the inbox's own switch, same key).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { Link } from 'react-router';
import { get, put } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import { FieldError, LoadFailed, Loading, useFormErrors } from './settings-ui.tsx';

type NewLeadAlerts = 'all' | 'assigned' | 'none';
/** GET /api/v1/account/notifications. */
type Notifications = { newLeadAlerts: NewLeadAlerts; email: string };

const NOTIFICATIONS_KEY = ['account', 'notifications'] as const;
/** The inbox's chime switch (Inbox.tsx): 'on' or 'off', per browser. */
const CHIME_KEY = 'porchlight.chime';

const CHOICES: { value: NewLeadAlerts; label: string; hint: string }[] = [
  {
    value: 'all',
    label: 'Every new lead nobody has taken yet, and the ones assigned to me',
    hint: 'For whoever answers new inquiries first.',
  },
  {
    value: 'assigned',
    label: 'Only leads assigned to me',
    hint: 'Leads nobody is assigned to won’t email you.',
  },
  {
    value: 'none',
    label: 'No new-lead emails',
    hint: 'You’ll see new leads in the inbox instead.',
  },
];

export function NotificationsSection() {
  const current = useQuery({
    queryKey: NOTIFICATIONS_KEY,
    queryFn: () => get<Notifications>('/account/notifications'),
  });
  return (
    <div className="settings-stack">
      {current.isPending ? (
        <Loading rows={4} label="Loading your alerts…" />
      ) : current.isError ? (
        <LoadFailed error={current.error} retry={() => current.refetch()} />
      ) : (
        <EmailAlertsForm saved={current.data} />
      )}
      <p className="settings-hint">
        Texts and calls for new leads go to the account’s phone: see{' '}
        <Link to="/settings?section=phone">Your phone and alerts</Link>.
      </p>
      <ChimeSwitch />
    </div>
  );
}

function EmailAlertsForm({ saved }: { saved: Notifications }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const uid = useId();
  const form = useFormErrors(['newLeadAlerts']);
  const [choice, setChoice] = useState<NewLeadAlerts>(saved.newLeadAlerts);
  const save = useMutation({
    mutationFn: (body: { newLeadAlerts: NewLeadAlerts }) =>
      put<Notifications>('/account/notifications', body),
    onSuccess: (next) => {
      queryClient.setQueryData(NOTIFICATIONS_KEY, next);
      toast.show('Email alerts saved');
    },
    onError: form.report,
  });
  const error = form.message('newLeadAlerts');

  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    save.mutate({ newLeadAlerts: choice });
  }

  return (
    <form onSubmit={submit} className="settings-form" noValidate>
      <fieldset
        className="settings-scopes"
        aria-describedby={[`${uid}-to`, error ? `${uid}-err` : ''].filter(Boolean).join(' ')}
      >
        <legend>Email me about</legend>
        <p id={`${uid}-to`} className="settings-hint">
          Alerts go to <strong>{saved.email}</strong>, the address you sign in with. This choice is yours
          alone: everyone on the team picks their own.
        </p>
        {CHOICES.map((c) => (
          <div key={c.value} className="settings-check">
            <input
              type="radio"
              id={`${uid}-${c.value}`}
              name={`${uid}-newLeadAlerts`}
              value={c.value}
              checked={choice === c.value}
              onChange={() => setChoice(c.value)}
              aria-describedby={`${uid}-${c.value}-hint`}
            />
            <div>
              <label htmlFor={`${uid}-${c.value}`}>{c.label}</label>
              <p id={`${uid}-${c.value}-hint`} className="settings-hint">
                {c.hint}
              </p>
            </div>
          </div>
        ))}
      </fieldset>
      <FieldError id={`${uid}-err`} message={error} />
      <div className="settings-actions">
        <button type="submit" className="primary" disabled={save.isPending || choice === saved.newLeadAlerts}>
          {save.isPending ? 'Saving…' : 'Save email alerts'}
        </button>
      </div>
    </form>
  );
}

/** The inbox's chime, switched here too: kept in this browser only, so it takes effect at once. */
function ChimeSwitch() {
  const id = useId();
  const [on, setOn] = useState(() => localStorage.getItem(CHIME_KEY) === 'on');
  return (
    <div className="settings-check">
      <input
        type="checkbox"
        id={id}
        checked={on}
        onChange={(e) => {
          setOn(e.target.checked);
          localStorage.setItem(CHIME_KEY, e.target.checked ? 'on' : 'off');
        }}
        aria-describedby={`${id}-hint`}
      />
      <div>
        <label htmlFor={id}>Chime in the inbox when a new lead arrives</label>
        <p id={`${id}-hint`} className="settings-hint">
          On this browser only, while the inbox is open. The same switch as “Chime for new leads” in the
          inbox.
        </p>
      </div>
    </div>
  );
}
