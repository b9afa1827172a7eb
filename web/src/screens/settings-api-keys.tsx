import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { del, get, post } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import {
  AdminOnly,
  ChoiceList,
  ConfirmButton,
  CopyField,
  Field,
  LoadFailed,
  Loading,
  useFormErrors,
  useIsAdmin,
  When,
} from './settings-ui.tsx';

type ApiKey = {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
};
type CreatedKey = { id: string; name: string; prefix: string; scopes: string[]; key: string };

const KEYS_KEY = ['api-keys'] as const;

/** The server's scopes (api-keys.schema.ts); the API does not list them, so they are named here. */
const SCOPES: { scope: string; what: string }[] = [
  { scope: 'leads:read', what: 'read and export leads' },
  { scope: 'leads:write', what: 'create, update and import leads' },
  { scope: 'pages:read', what: 'read pages, domains and templates' },
  { scope: 'pages:write', what: 'change pages, domains and templates' },
  { scope: 'contacts:read', what: 'read and export contacts and groups' },
  { scope: 'contacts:write', what: 'change and import contacts and groups' },
  { scope: 'webhooks:read', what: 'read webhooks and their deliveries' },
  { scope: 'webhooks:write', what: 'add, change and test webhooks' },
  { scope: 'account:read', what: 'read the account, usage, billing and its archive' },
];
const DEFAULT_SCOPES = ['leads:read', 'leads:write'];

/** Owners and admins only: a member is told so, and the keys are never asked for. */
export function ApiKeysSection() {
  const isAdmin = useIsAdmin();
  if (!isAdmin) return <AdminOnly>Only admins can manage API keys.</AdminOnly>;
  return <ApiKeys />;
}

function ApiKeys() {
  const keys = useQuery({ queryKey: KEYS_KEY, queryFn: () => get<{ data: ApiKey[] }>('/api-keys') });
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [back, setBack] = useState(false);
  return (
    <div className="settings-stack">
      {created ? (
        <NewKey
          created={created}
          onDone={() => {
            setCreated(null);
            setBack(true);
          }}
        />
      ) : (
        <CreateKeyForm onCreated={setCreated} focusName={back} />
      )}
      {keys.isPending ? (
        <Loading rows={3} label="Loading the API keys…" />
      ) : keys.isError ? (
        <LoadFailed error={keys.error} retry={() => keys.refetch()} />
      ) : (
        <KeyList keys={keys.data.data} />
      )}
    </div>
  );
}

/** `focusName`: back from the new key, focus returns to the form (the button that had it is gone). */
function CreateKeyForm({ onCreated, focusName }: { onCreated: (k: CreatedKey) => void; focusName: boolean }) {
  const queryClient = useQueryClient();
  const nameRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (focusName) nameRef.current?.focus();
  }, [focusName]);
  const headingId = useId();
  const form = useFormErrors(['name', 'scopes']);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(DEFAULT_SCOPES);
  const create = useMutation({
    mutationFn: () => post<CreatedKey>('/api-keys', { name: name.trim(), scopes }),
    onSuccess: (k) => {
      setName('');
      setScopes(DEFAULT_SCOPES);
      onCreated(k);
      return queryClient.invalidateQueries({ queryKey: KEYS_KEY });
    },
    onError: form.report,
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    if (name.trim() && scopes.length > 0) create.mutate();
  }
  return (
    <form onSubmit={submit} className="settings-card settings-form" aria-labelledby={headingId} noValidate>
      <h3 id={headingId}>Create a key</h3>
      <Field
        form={form}
        name="name"
        label="Name"
        hint="Where it is used, such as “Zapier” or “Website form”."
      >
        {(p) => (
          <input
            {...p}
            ref={nameRef}
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={80}
            required
          />
        )}
      </Field>
      <ChoiceList
        legend="What it may do"
        idBase={`${headingId}-scopes`}
        choices={SCOPES.map(({ scope, what }) => ({ value: scope, what }))}
        chosen={scopes}
        onChange={setScopes}
        error={form.message('scopes')}
      />
      <div className="settings-actions">
        <button
          type="submit"
          className="primary"
          disabled={create.isPending || !name.trim() || scopes.length === 0}
        >
          {create.isPending ? 'Creating…' : 'Create key'}
        </button>
      </div>
    </form>
  );
}

/** The new key, this once: copy it now. Focus moves here so it is not missed. */
function NewKey({ created, onDone }: { created: CreatedKey; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="settings-card settings-new-key" aria-labelledby={headingId}>
      <h3 id={headingId} ref={heading} tabIndex={-1}>
        Your new key “{created.name}”
      </h3>
      <p className="settings-warning">
        <strong>Copy it now: you won't see it again.</strong> Porchlight keeps only a fingerprint of it; if
        you lose it, revoke it and create another.
      </p>
      <CopyField
        label="API key"
        value={created.key}
        hint={
          <>
            Send it as <code>Authorization: Bearer …</code>. Scopes: {created.scopes.join(', ')}.
          </>
        }
      />
      <div className="settings-actions">
        <button type="button" className="primary" onClick={onDone}>
          I've copied it
        </button>
      </div>
    </section>
  );
}

function KeyList({ keys }: { keys: ApiKey[] }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const headingId = useId();
  const revoke = useMutation({
    mutationFn: (id: string) => del(`/api-keys/${id}`),
    onSuccess: () => toast.show('Key revoked: programs using it are refused from now on'),
    onError: toast.error,
    onSettled: () => queryClient.invalidateQueries({ queryKey: KEYS_KEY }),
  });
  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>Keys</h3>
      {keys.length === 0 ? (
        <p className="settings-hint">No keys yet.</p>
      ) : (
        <ul className="settings-list">
          {keys.map((k) => (
            <li key={k.id} className={`settings-row ${k.revokedAt ? 'settings-revoked' : ''}`}>
              <div className="settings-row-main">
                <strong className="settings-title">
                  {k.name} <code className="settings-hint">{k.prefix}…</code>
                </strong>
                <span className="settings-hint">{k.scopes.join(', ')}</span>
                <span className="settings-hint">
                  Created <When iso={k.createdAt} /> ·{' '}
                  {k.lastUsedAt ? (
                    <>
                      last used <When iso={k.lastUsedAt} withTime />
                    </>
                  ) : (
                    'never used'
                  )}
                </span>
              </div>
              <div className="settings-row-actions">
                {k.revokedAt ? (
                  <span className="settings-badge">
                    Revoked <When iso={k.revokedAt} />
                  </span>
                ) : (
                  <ConfirmButton
                    label="Revoke"
                    question={`Revoke “${k.name}”? Programs using it stop working.`}
                    confirmLabel="Yes, revoke"
                    busyLabel="Revoking…"
                    onConfirm={() => revoke.mutateAsync(k.id)}
                  />
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
