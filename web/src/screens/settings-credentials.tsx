import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { del, get, post, put } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import {
  AdminOnly,
  ConfirmButton,
  Field,
  LoadFailed,
  Loading,
  useFormErrors,
  useIsAdmin,
  When,
} from './settings-ui.tsx';

/** What GET /api/v1/credentials shows of a provider's saved keys: never a secret. */
type Summary = {
  provider: string;
  keyNames: string[];
  last4: string | null;
  verifiedAt: string | null;
  updatedAt: string;
};

const CREDENTIALS_KEY = ['credentials'] as const;

/** Providers whose keys the server can check with the provider itself (the verify route). */
const CHECKABLE = new Set(['openai', 'brevo', 'sendgrid', 'twilio']);

type KeyField = { name: string; label: string; optional?: boolean };

/** The providers an account may bring keys for, with the keys each takes (the server checks them). */
const PROVIDERS: { provider: string; label: string; use: string; keys: KeyField[] }[] = [
  {
    provider: 'openai',
    label: 'OpenAI',
    use: 'Lead summaries and scores on your own OpenAI account (paid plans).',
    keys: [
      { name: 'api_key', label: 'API key' },
      { name: 'organization', label: 'Organization ID', optional: true },
    ],
  },
  {
    provider: 'twilio',
    label: 'Twilio',
    use: 'Texts and calls from your own Twilio account.',
    keys: [
      { name: 'account_sid', label: 'Account SID' },
      { name: 'auth_token', label: 'Auth token' },
    ],
  },
  {
    provider: 'brevo',
    label: 'Brevo',
    use: 'Email sent from your own Brevo account.',
    keys: [{ name: 'api_key', label: 'API key' }],
  },
  {
    provider: 'sendgrid',
    label: 'SendGrid',
    use: 'Email sent from your own SendGrid account.',
    keys: [{ name: 'api_key', label: 'API key' }],
  },
  {
    provider: 'vapi',
    label: 'Vapi',
    use: 'AI voice calls.',
    keys: [{ name: 'api_key', label: 'API key' }],
  },
  {
    provider: 'cloudflare',
    label: 'Cloudflare',
    use: 'Custom domains on your own Cloudflare zone.',
    keys: [
      { name: 'api_token', label: 'API token' },
      { name: 'account_id', label: 'Account ID', optional: true },
      { name: 'zone_id', label: 'Zone ID', optional: true },
    ],
  },
  {
    provider: 'google_ads',
    label: 'Google Ads',
    use: 'Lead forms and conversions from Google Ads.',
    keys: [
      { name: 'developer_token', label: 'Developer token' },
      { name: 'client_id', label: 'OAuth client ID' },
      { name: 'client_secret', label: 'OAuth client secret' },
      { name: 'refresh_token', label: 'Refresh token' },
      { name: 'login_customer_id', label: 'Manager account ID', optional: true },
    ],
  },
  {
    provider: 'batchdata',
    label: 'BatchData',
    use: 'Property and owner details for investor leads.',
    keys: [{ name: 'api_key', label: 'API key' }],
  },
];

/**
 * Settings › Provider keys (admins): the account's own keys for outside services. A key is
 * typed once, sealed by the server and never shown again: only its name and last four.
 */
export function CredentialsSection() {
  const isAdmin = useIsAdmin();
  if (!isAdmin) return <AdminOnly>Only admins can see and change the account's provider keys.</AdminOnly>;
  return <Credentials />;
}

function Credentials() {
  const saved = useQuery({
    queryKey: CREDENTIALS_KEY,
    queryFn: () => get<{ data: Summary[] }>('/credentials'),
  });
  if (saved.isPending) return <Loading rows={4} label="Loading the provider keys…" />;
  if (saved.isError) return <LoadFailed error={saved.error} retry={() => saved.refetch()} />;
  return (
    <div className="settings-stack">
      <p className="settings-hint">
        Keys are encrypted before they are stored and are never shown again, here or through the API: to
        change one, type it anew.
      </p>
      <ul className="settings-list settings-card">
        {PROVIDERS.map((p) => (
          <ProviderRow
            key={p.provider}
            def={p}
            summary={saved.data.data.find((s) => s.provider === p.provider)}
          />
        ))}
      </ul>
    </div>
  );
}

function ProviderRow({ def, summary }: { def: (typeof PROVIDERS)[number]; summary: Summary | undefined }) {
  const [editing, setEditing] = useState(false);
  const queryClient = useQueryClient();
  const toast = useToast();
  const check = useMutation({
    mutationFn: () => post<Summary>(`/credentials/${def.provider}/verify`),
    onSuccess: () => {
      toast.show(`${def.label} accepted the keys`);
      return queryClient.invalidateQueries({ queryKey: CREDENTIALS_KEY });
    },
    onError: (e) => {
      toast.error(e);
      return queryClient.invalidateQueries({ queryKey: CREDENTIALS_KEY });
    },
  });
  const remove = useMutation({
    mutationFn: () => del(`/credentials/${def.provider}`),
    onSuccess: () => {
      toast.show(`${def.label} keys deleted`);
      return queryClient.invalidateQueries({ queryKey: CREDENTIALS_KEY });
    },
    onError: (e) => toast.error(e),
  });
  return (
    <li className="settings-row">
      <div className="settings-row-main">
        <strong>{def.label}</strong>
        <span className="settings-hint">{def.use}</span>
        <span className="settings-hint">
          {summary ? (
            <>
              Saved{summary.last4 ? ` (ends in ${summary.last4})` : ''}, changed{' '}
              <When iso={summary.updatedAt} />
              {summary.verifiedAt ? (
                <>
                  ; checked with {def.label} <When iso={summary.verifiedAt} />
                </>
              ) : null}
            </>
          ) : (
            'Not set'
          )}
        </span>
      </div>
      {editing ? null : (
        <div className="settings-row-actions">
          <button type="button" onClick={() => setEditing(true)}>
            {summary ? 'Replace keys' : 'Add keys'}
            <span className="sr-only"> for {def.label}</span>
          </button>
          {summary && CHECKABLE.has(def.provider) ? (
            <button type="button" onClick={() => check.mutate()} disabled={check.isPending}>
              {check.isPending ? 'Checking…' : `Check with ${def.label}`}
            </button>
          ) : null}
          {summary ? (
            <ConfirmButton
              label={`Delete ${def.label} keys`}
              question={`Delete the ${def.label} keys? Porchlight stops using them at once.`}
              confirmLabel="Delete"
              busyLabel="Deleting…"
              onConfirm={() => remove.mutateAsync()}
            />
          ) : null}
        </div>
      )}
      {editing ? <KeysForm def={def} onDone={() => setEditing(false)} /> : null}
    </li>
  );
}

function KeysForm({ def, onDone }: { def: (typeof PROVIDERS)[number]; onDone: () => void }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const form = useFormErrors(def.keys.map((k) => `keys.${k.name}`));
  const queryClient = useQueryClient();
  const toast = useToast();
  const save = useMutation({
    mutationFn: () =>
      put<Summary>(`/credentials/${def.provider}`, {
        keys: Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim() !== '')),
      }),
    onSuccess: () => {
      toast.show(`${def.label} keys saved`);
      onDone();
      return queryClient.invalidateQueries({ queryKey: CREDENTIALS_KEY });
    },
    onError: form.report,
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    save.mutate();
  }
  return (
    <form className="settings-form settings-credentials-form" onSubmit={submit} noValidate>
      {def.keys.map((k) => (
        <Field
          key={k.name}
          form={form}
          name={`keys.${k.name}`}
          label={`${def.label} ${k.label}${k.optional ? ' (optional)' : ''}`}
        >
          {(input) => (
            <input
              {...input}
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={values[k.name] ?? ''}
              onChange={(e) => setValues((v) => ({ ...v, [k.name]: e.target.value }))}
            />
          )}
        </Field>
      ))}
      <div className="settings-actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : `Save ${def.label} keys`}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
