import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { del, get, post } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import {
  ConfirmButton,
  CopyField,
  Field,
  LoadFailed,
  Loading,
  useFormErrors,
  useIsAdmin,
  When,
} from './settings-ui.tsx';

type Provider = 'twilio' | 'vapi';
type PhoneNumber = {
  id: string;
  e164: string;
  provider: Provider;
  providerId: string | null;
  purpose: string | null;
  createdAt: string;
};
type PhoneNumbers = { data: PhoneNumber[]; webhooks: { sms: string; voice: string; status: string } };

const NUMBERS_KEY = ['phone-numbers'] as const;
const PROVIDERS: { value: Provider; label: string }[] = [
  { value: 'twilio', label: 'Twilio' },
  { value: 'vapi', label: 'Vapi (voice assistant)' },
];

export function PhoneNumbersSection() {
  const numbers = useQuery({ queryKey: NUMBERS_KEY, queryFn: () => get<PhoneNumbers>('/phone-numbers') });
  const isAdmin = useIsAdmin();
  if (numbers.isPending) return <Loading rows={4} label="Loading the phone numbers…" />;
  if (numbers.isError) return <LoadFailed error={numbers.error} retry={() => numbers.refetch()} />;
  return (
    <div className="settings-stack">
      <NumberList numbers={numbers.data.data} />
      {isAdmin ? <ConnectForm /> : null}
      <Webhooks webhooks={numbers.data.webhooks} />
    </div>
  );
}

function NumberList({ numbers }: { numbers: PhoneNumber[] }) {
  const isAdmin = useIsAdmin();
  const queryClient = useQueryClient();
  const toast = useToast();
  const headingId = useId();
  const remove = useMutation({
    mutationFn: (id: string) => del(`/phone-numbers/${id}`),
    onSuccess: () => toast.show('Number disconnected'),
    onError: toast.error,
    onSettled: () => queryClient.invalidateQueries({ queryKey: NUMBERS_KEY }),
  });
  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>Connected numbers</h3>
      {numbers.length === 0 ? (
        <p className="settings-hint">
          No numbers yet. Connect one to get texts and calls from leads, and to text them from your own
          number.
        </p>
      ) : (
        <ul className="settings-list">
          {numbers.map((n) => (
            <li key={n.id} className="settings-row">
              <div className="settings-row-main">
                <strong className="settings-title">
                  {n.e164}
                  {n.purpose ? <span className="settings-badge">{n.purpose}</span> : null}
                </strong>
                <span className="settings-hint">
                  {PROVIDERS.find((p) => p.value === n.provider)?.label ?? n.provider}
                  {n.providerId ? ` · ${n.providerId}` : ''} · connected <When iso={n.createdAt} />
                </span>
              </div>
              {isAdmin ? (
                <div className="settings-row-actions">
                  <ConfirmButton
                    label="Disconnect"
                    question={`Disconnect ${n.e164}? Its calls and texts stop reaching Porchlight.`}
                    confirmLabel="Yes, disconnect"
                    busyLabel="Disconnecting…"
                    onConfirm={() => remove.mutateAsync(n.id)}
                  />
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ConnectForm() {
  const queryClient = useQueryClient();
  const toast = useToast();
  const headingId = useId();
  const purposesId = useId();
  const form = useFormErrors(['e164', 'provider', 'providerId', 'purpose']);
  const [e164, setE164] = useState('');
  const [provider, setProvider] = useState<Provider>('twilio');
  const [providerId, setProviderId] = useState('');
  const [purpose, setPurpose] = useState('');
  const connect = useMutation({
    mutationFn: () =>
      post<PhoneNumber>('/phone-numbers', {
        e164: e164.trim(),
        provider,
        providerId: providerId.trim() || null,
        purpose: purpose.trim() || null,
      }),
    onSuccess: (n) => {
      setE164('');
      setProviderId('');
      setPurpose('');
      toast.show(`${n.e164} connected`);
      return queryClient.invalidateQueries({ queryKey: NUMBERS_KEY });
    },
    onError: form.report,
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    if (e164.trim()) connect.mutate();
  }
  return (
    <form onSubmit={submit} className="settings-card settings-form" aria-labelledby={headingId} noValidate>
      <h3 id={headingId}>Connect a number</h3>
      <p className="settings-hint">Buy the number with the provider first; then connect it here.</p>
      <div className="settings-grid">
        <Field form={form} name="e164" label="Number" hint="In international form, such as +15125550100.">
          {(p) => (
            <input
              {...p}
              type="tel"
              inputMode="tel"
              value={e164}
              onChange={(e) => setE164(e.target.value)}
              maxLength={32}
              required
              autoComplete="off"
            />
          )}
        </Field>
        <Field form={form} name="provider" label="Provider">
          {(p) => (
            <select {...p} value={provider} onChange={(e) => setProvider(e.target.value as Provider)}>
              {PROVIDERS.map((x) => (
                <option key={x.value} value={x.value}>
                  {x.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          form={form}
          name="purpose"
          label="Purpose"
          hint="Optional. Texts go from the “main” Twilio number (else the oldest)."
        >
          {(p) => (
            <>
              <input
                {...p}
                value={purpose}
                onChange={(e) => setPurpose(e.target.value)}
                maxLength={40}
                list={purposesId}
                autoComplete="off"
              />
              <datalist id={purposesId}>
                <option value="main" />
                <option value="tracking" />
              </datalist>
            </>
          )}
        </Field>
        <Field form={form} name="providerId" label="Provider's id" hint="Optional. Twilio's starts with PN.">
          {(p) => (
            <input
              {...p}
              value={providerId}
              onChange={(e) => setProviderId(e.target.value)}
              maxLength={64}
              autoComplete="off"
              spellCheck={false}
            />
          )}
        </Field>
      </div>
      <div className="settings-actions">
        <button type="submit" className="primary" disabled={connect.isPending || !e164.trim()}>
          {connect.isPending ? 'Connecting…' : 'Connect number'}
        </button>
      </div>
    </form>
  );
}

function Webhooks({ webhooks }: { webhooks: PhoneNumbers['webhooks'] }) {
  const headingId = useId();
  return (
    <section className="settings-card" aria-labelledby={headingId}>
      <h3 id={headingId}>Where the provider sends calls and texts</h3>
      <p className="settings-hint">
        In Twilio, open the number's configuration and paste these addresses (HTTP POST).
      </p>
      <CopyField label="A message comes in" value={webhooks.sms} />
      <CopyField label="A call comes in" value={webhooks.voice} />
      <CopyField label="Status callback URL" value={webhooks.status} />
    </section>
  );
}
