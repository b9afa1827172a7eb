import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { ApiError, del, get, post } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import {
  ConfirmButton,
  Field,
  FormProblem,
  humanize,
  LoadFailed,
  Loading,
  useFormErrors,
  useIsAdmin,
  When,
} from './settings-ui.tsx';

type DnsRecord = { type: 'CNAME' | 'TXT' | 'HTTP'; name: string; value: string; purpose: string };
type Domain = {
  id: string;
  hostname: string;
  verificationStatus: 'pending' | 'active' | 'failed';
  isPrimary: boolean;
  verification: { cnameTarget: string; records: DnsRecord[]; sslStatus: string | null; errors: string[] };
  lastError: string | null;
  createdAt: string;
  verifiedAt: string | null;
};

const DOMAINS_KEY = ['domains'] as const;
const STATUS: Record<Domain['verificationStatus'], { label: string; tone: string }> = {
  pending: { label: 'Waiting for DNS', tone: 'warn' },
  active: { label: 'Active', tone: 'ok' },
  failed: { label: 'Failed', tone: 'bad' },
};

export function DomainsSection() {
  const domains = useQuery({ queryKey: DOMAINS_KEY, queryFn: () => get<{ data: Domain[] }>('/domains') });
  const isAdmin = useIsAdmin();
  const headingId = useId();
  return (
    <div className="settings-stack">
      {isAdmin ? <AddDomainForm /> : null}
      <section aria-labelledby={headingId}>
        <h3 id={headingId}>Your domains</h3>
        {domains.isPending ? (
          <Loading rows={2} label="Loading the domains…" />
        ) : domains.isError ? (
          <LoadFailed error={domains.error} retry={() => domains.refetch()} />
        ) : domains.data.data.length === 0 ? (
          <p className="settings-hint">
            None yet: your pages are served on your Porchlight address. Add a hostname you own to use it
            instead.
          </p>
        ) : (
          <ul className="settings-list">
            {domains.data.data.map((d) => (
              <DomainRow key={d.id} domain={d} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function AddDomainForm() {
  const queryClient = useQueryClient();
  const toast = useToast();
  const headingId = useId();
  const form = useFormErrors(['hostname']);
  const [hostname, setHostname] = useState('');
  // A plan without custom domains answers 403: its detail says what to do, shown with the form.
  const [problem, setProblem] = useState<string | null>(null);
  const add = useMutation({
    mutationFn: () => post<Domain>('/domains', { hostname: hostname.trim() }),
    onMutate: () => setProblem(null),
    onSuccess: (d) => {
      setHostname('');
      toast.show(`${d.hostname} added: now publish its DNS records`);
      return queryClient.invalidateQueries({ queryKey: DOMAINS_KEY });
    },
    onError: (e) => {
      if (e instanceof ApiError && (e.status === 403 || (e.status === 409 && !e.fieldError('hostname')))) {
        form.clear();
        setProblem(e.message);
      } else form.report(e);
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    if (hostname.trim()) add.mutate();
  }
  return (
    <form onSubmit={submit} className="settings-card settings-form" aria-labelledby={headingId} noValidate>
      <h3 id={headingId}>Add a domain</h3>
      <Field
        form={form}
        name="hostname"
        label="Hostname"
        hint="A subdomain you control, such as homes.example.com."
      >
        {(p) => (
          <input
            {...p}
            value={hostname}
            onChange={(e) => setHostname(e.target.value)}
            placeholder="homes.example.com"
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            maxLength={300}
            required
          />
        )}
      </Field>
      <FormProblem message={problem} />
      <div className="settings-actions">
        <button type="submit" className="primary" disabled={add.isPending || !hostname.trim()}>
          {add.isPending ? 'Adding…' : 'Add domain'}
        </button>
      </div>
    </form>
  );
}

function DomainRow({ domain: d }: { domain: Domain }) {
  const isAdmin = useIsAdmin();
  const queryClient = useQueryClient();
  const toast = useToast();
  const refresh = () => queryClient.invalidateQueries({ queryKey: DOMAINS_KEY });
  const verify = useMutation({
    mutationFn: () => post<Domain>(`/domains/${d.id}/verify`),
    onSuccess: (after) =>
      toast.show(
        after.verificationStatus === 'active'
          ? `${after.hostname} is active`
          : `Not yet: ${after.lastError ?? 'the DNS records are not visible yet'}`,
        after.verificationStatus === 'active' ? 'info' : 'error',
      ),
    onError: toast.error,
    onSettled: refresh,
  });
  const primary = useMutation({
    mutationFn: () => post<Domain>(`/domains/${d.id}/primary`),
    onSuccess: () => toast.show(`${d.hostname} is now your primary domain`),
    onError: toast.error,
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: () => del(`/domains/${d.id}`),
    onSuccess: () => toast.show(`${d.hostname} removed`),
    onError: toast.error,
    onSettled: refresh,
  });
  const status = STATUS[d.verificationStatus];
  const problems = [d.lastError, ...d.verification.errors].filter((x, i, all): x is string =>
    Boolean(x && all.indexOf(x) === i),
  );

  return (
    <li className="settings-row settings-domain">
      <div className="settings-row-main">
        <strong className="settings-title">
          {d.hostname} <span className={`settings-badge ${status.tone}`}>{status.label}</span>
          {d.isPrimary ? <span className="settings-badge">Primary</span> : null}
        </strong>
        <span className="settings-hint">
          Added <When iso={d.createdAt} />
          {d.verifiedAt ? (
            <>
              {' '}
              · verified <When iso={d.verifiedAt} />
            </>
          ) : null}
          {d.verification.sslStatus ? ` · certificate: ${humanize(d.verification.sslStatus)}` : ''}
        </span>
        {problems.length > 0 && d.verificationStatus !== 'active' ? (
          <ul className="settings-domain-errors">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        ) : null}
        {d.verificationStatus === 'active' ? (
          d.verification.records.length > 0 ? (
            <details className="settings-records">
              <summary>DNS records</summary>
              <DnsRecords records={d.verification.records} hostname={d.hostname} />
            </details>
          ) : null
        ) : (
          <DnsRecords records={d.verification.records} hostname={d.hostname} />
        )}
      </div>
      {isAdmin ? (
        <div className="settings-row-actions">
          <button type="button" onClick={() => verify.mutate()} disabled={verify.isPending}>
            {verify.isPending ? 'Checking…' : 'Check now'}
          </button>
          {d.isPrimary ? null : (
            <button type="button" onClick={() => primary.mutate()} disabled={primary.isPending}>
              {primary.isPending ? 'Saving…' : 'Make primary'}
            </button>
          )}
          <ConfirmButton
            label="Remove"
            question={`Remove ${d.hostname}? Pages stop answering on it.`}
            confirmLabel="Yes, remove"
            busyLabel="Removing…"
            onConfirm={() => remove.mutateAsync()}
          />
        </div>
      ) : null}
    </li>
  );
}

/** The records to publish at the DNS host, one block each (long names wrap; a click selects a value). */
function DnsRecords({ records, hostname }: { records: DnsRecord[]; hostname: string }) {
  if (records.length === 0) return null;
  return (
    <div className="settings-records-list">
      <p className="settings-hint">Publish these records at your DNS host for {hostname}:</p>
      <ul>
        {records.map((r) => (
          <li key={`${r.type}:${r.name}:${r.value}`}>
            <p>
              <strong>{r.type}</strong> <span className="settings-hint">for {r.purpose}</span>
            </p>
            <dl>
              <dt>Name</dt>
              <dd>
                <code>{r.name}</code>
              </dd>
              <dt>Value</dt>
              <dd>
                <code>{r.value}</code>
              </dd>
            </dl>
          </li>
        ))}
      </ul>
    </div>
  );
}
