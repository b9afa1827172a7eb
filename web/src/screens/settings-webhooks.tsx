import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { del, get, patch, post } from '../api.ts';
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

type Webhook = {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  status: 'active' | 'disabled';
  disabledReason: string | null;
  failingSince: string | null;
  lastSuccessAt: string | null;
  createdAt: string;
};
type WithSecret = Webhook & { secret: string };
type Attempt = {
  attempt: number;
  statusCode: number | null;
  durationMs: number | null;
  error: string | null;
};
type Delivery = {
  id: string;
  messageId: string;
  event: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  attemptLog?: Attempt[];
};

const HOOKS_KEY = ['webhooks'] as const;

/** The events an endpoint may ask for (webhooks.schema.ts), with what each means. */
const EVENTS: { event: string; what: string }[] = [
  { event: 'lead.created', what: 'a new lead arrives' },
  { event: 'lead.updated', what: 'a lead changes (or a repeat inquiry merges into it)' },
  { event: 'lead.status_changed', what: 'a lead moves to another status' },
  { event: 'lead.note_added', what: 'someone adds a note' },
  { event: 'message.received', what: 'a lead texts back' },
  { event: 'call.missed', what: 'a call goes unanswered' },
];

const DISABLED_WHY: Record<string, string> = {
  gone: 'the receiver answered 410 Gone',
  failing: 'deliveries failed for five days',
  manual: 'turned off here',
};

/** Owners and admins only: a member is told so, and the endpoints are never asked for. */
export function WebhooksSection() {
  const isAdmin = useIsAdmin();
  if (!isAdmin) return <AdminOnly>Only admins can manage webhooks.</AdminOnly>;
  return <Webhooks />;
}

function Webhooks() {
  const hooks = useQuery({ queryKey: HOOKS_KEY, queryFn: () => get<{ data: Webhook[] }>('/webhooks') });
  const [secret, setSecret] = useState<{ title: string; secret: string } | null>(null);
  return (
    <div className="settings-stack">
      {secret ? (
        <NewSecret {...secret} onDone={() => setSecret(null)} />
      ) : (
        <CreateWebhookForm onCreated={(w) => setSecret({ title: w.url, secret: w.secret })} />
      )}
      {hooks.isPending ? (
        <Loading rows={2} label="Loading the webhooks…" />
      ) : hooks.isError ? (
        <LoadFailed error={hooks.error} retry={() => hooks.refetch()} />
      ) : (
        <WebhookList hooks={hooks.data.data} onSecret={(title, s) => setSecret({ title, secret: s })} />
      )}
    </div>
  );
}

function CreateWebhookForm({ onCreated }: { onCreated: (w: WithSecret) => void }) {
  const queryClient = useQueryClient();
  const headingId = useId();
  const form = useFormErrors(['url', 'events', 'description']);
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<string[]>(['lead.created']);
  const create = useMutation({
    mutationFn: () =>
      post<WithSecret>('/webhooks', {
        url: url.trim(),
        events,
        ...(description.trim() ? { description: description.trim() } : {}),
      }),
    onSuccess: (w) => {
      setUrl('');
      setDescription('');
      setEvents(['lead.created']);
      onCreated(w);
      return queryClient.invalidateQueries({ queryKey: HOOKS_KEY });
    },
    onError: form.report,
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    if (url.trim() && events.length > 0) create.mutate();
  }
  return (
    <form onSubmit={submit} className="settings-card settings-form" aria-labelledby={headingId} noValidate>
      <h3 id={headingId}>Add an endpoint</h3>
      <Field
        form={form}
        name="url"
        label="URL"
        hint="Where Porchlight posts each event, such as https://hooks.zapier.com/… (https)."
      >
        {(p) => (
          <input
            {...p}
            type="url"
            inputMode="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://"
            required
          />
        )}
      </Field>
      <Field form={form} name="description" label="Description (optional)">
        {(p) => (
          <input
            {...p}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            maxLength={200}
          />
        )}
      </Field>
      <ChoiceList
        legend="Send it when"
        idBase={`${headingId}-events`}
        choices={EVENTS.map(({ event, what }) => ({ value: event, what }))}
        chosen={events}
        onChange={setEvents}
        error={form.message('events')}
      />
      <div className="settings-actions">
        <button
          type="submit"
          className="primary"
          disabled={create.isPending || !url.trim() || !events.length}
        >
          {create.isPending ? 'Adding…' : 'Add endpoint'}
        </button>
      </div>
    </form>
  );
}

/** A signing secret, this once: copy it now. Focus moves here so it is not missed. */
function NewSecret({ title, secret, onDone }: { title: string; secret: string; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="settings-card settings-new-key" aria-labelledby={headingId}>
      <h3 id={headingId} ref={heading} tabIndex={-1}>
        Signing secret for {title}
      </h3>
      <p className="settings-warning">
        <strong>Copy it now: you won't see it again.</strong> Check each delivery's{' '}
        <code>webhook-signature</code> with it (any Standard Webhooks library does).
      </p>
      <CopyField label="Signing secret" value={secret} />
      <div className="settings-actions">
        <button type="button" className="primary" onClick={onDone}>
          I've copied it
        </button>
      </div>
    </section>
  );
}

function WebhookList({
  hooks,
  onSecret,
}: {
  hooks: Webhook[];
  onSecret: (title: string, s: string) => void;
}) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>Endpoints</h3>
      {hooks.length === 0 ? (
        <p className="settings-hint">
          No endpoints yet. Add one to send new leads to your CRM, a spreadsheet or Zapier the moment they
          arrive.
        </p>
      ) : (
        <ul className="settings-list">
          {hooks.map((w) => (
            <WebhookRow key={w.id} hook={w} onSecret={onSecret} />
          ))}
        </ul>
      )}
    </section>
  );
}

function WebhookRow({ hook, onSecret }: { hook: Webhook; onSecret: (title: string, s: string) => void }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const deliveriesId = useId();
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: HOOKS_KEY }),
      queryClient.invalidateQueries({ queryKey: ['webhook-deliveries', hook.id] }),
    ]);
  const test = useMutation({
    mutationFn: () => post(`/webhooks/${hook.id}/test`),
    onSuccess: () => {
      toast.show('Test event queued: see Deliveries');
      setOpen(true);
    },
    onError: toast.error,
    onSettled: refresh,
  });
  const toggle = useMutation({
    mutationFn: () =>
      patch(`/webhooks/${hook.id}`, { status: hook.status === 'active' ? 'disabled' : 'active' }),
    onSuccess: () => toast.show(hook.status === 'active' ? 'Endpoint turned off' : 'Endpoint turned on'),
    onError: toast.error,
    onSettled: refresh,
  });
  const rotate = useMutation({
    mutationFn: () => post<{ secret: string }>(`/webhooks/${hook.id}/rotate-secret`),
    onSuccess: (r) => onSecret(hook.url, r.secret),
    onError: toast.error,
  });
  const remove = useMutation({
    mutationFn: () => del(`/webhooks/${hook.id}`),
    onSuccess: () => toast.show('Endpoint deleted'),
    onError: toast.error,
    onSettled: refresh,
  });
  return (
    <li className={`settings-row ${hook.status === 'disabled' ? 'settings-revoked' : ''}`}>
      <div className="settings-row-main">
        <strong className="settings-title settings-break">{hook.url}</strong>
        {hook.description ? <span className="settings-hint">{hook.description}</span> : null}
        <span className="settings-hint">{hook.events.join(', ')}</span>
        <span className="settings-hint">
          {hook.status === 'disabled' ? (
            <>Off: {DISABLED_WHY[hook.disabledReason ?? 'manual'] ?? hook.disabledReason}</>
          ) : hook.failingSince ? (
            <>
              Failing since <When iso={hook.failingSince} withTime />
            </>
          ) : hook.lastSuccessAt ? (
            <>
              Last delivered <When iso={hook.lastSuccessAt} withTime />
            </>
          ) : (
            'Nothing delivered yet'
          )}
        </span>
      </div>
      <div className="settings-row-actions">
        <button
          type="button"
          onClick={() => setOpen((o) => !o)}
          aria-expanded={open}
          aria-controls={deliveriesId}
        >
          Deliveries
        </button>
        <button
          type="button"
          onClick={() => test.mutate()}
          disabled={test.isPending || hook.status !== 'active'}
        >
          {test.isPending ? 'Sending…' : 'Send test'}
        </button>
        <button type="button" onClick={() => toggle.mutate()} disabled={toggle.isPending}>
          {hook.status === 'active' ? 'Turn off' : 'Turn on'}
        </button>
        <ConfirmButton
          label="New secret"
          question="Make a new signing secret? The old one keeps signing too for 24 hours."
          confirmLabel="Yes, make one"
          busyLabel="Making…"
          onConfirm={() => rotate.mutateAsync()}
        />
        <ConfirmButton
          label="Delete"
          question={`Delete the endpoint ${hook.url}? Its delivery history goes too.`}
          confirmLabel="Yes, delete"
          busyLabel="Deleting…"
          onConfirm={() => remove.mutateAsync()}
        />
      </div>
      <div id={deliveriesId} className="settings-row-detail" hidden={!open}>
        {open ? <Deliveries hookId={hook.id} /> : null}
      </div>
    </li>
  );
}

const STATUS_LABEL: Record<Delivery['status'], string> = {
  pending: 'Retrying',
  succeeded: 'Delivered',
  failed: 'Failed',
};

function Deliveries({ hookId }: { hookId: string }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const deliveries = useQuery({
    queryKey: ['webhook-deliveries', hookId],
    queryFn: () => get<{ data: Delivery[] }>(`/webhooks/${hookId}/deliveries?limit=20`),
    refetchInterval: 5000,
  });
  const retry = useMutation({
    mutationFn: (id: string) => post(`/webhooks/${hookId}/deliveries/${id}/retry`),
    onSuccess: () => toast.show('Sending it again now'),
    onError: toast.error,
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['webhook-deliveries', hookId] }),
  });
  if (deliveries.isPending) return <Loading rows={2} label="Loading the deliveries…" />;
  if (deliveries.isError) return <LoadFailed error={deliveries.error} retry={() => deliveries.refetch()} />;
  const rows = deliveries.data.data;
  if (rows.length === 0) return <p className="settings-hint">No deliveries yet: send a test.</p>;
  return (
    <table className="settings-table">
      <caption className="sr-only">Latest deliveries</caption>
      <thead>
        <tr>
          <th scope="col">Event</th>
          <th scope="col">Result</th>
          <th scope="col">Tries</th>
          <th scope="col">When</th>
          <th scope="col">
            <span className="sr-only">Action</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((d) => (
          <tr key={d.id}>
            <td>
              <code>{d.event}</code>
            </td>
            <td>
              {STATUS_LABEL[d.status]}
              {d.lastStatusCode ? ` (${d.lastStatusCode})` : d.lastError ? ` (${d.lastError})` : ''}
            </td>
            <td>{d.attempts}</td>
            <td>
              <When iso={d.createdAt} withTime />
            </td>
            <td>
              {d.status === 'succeeded' ? null : (
                <button type="button" onClick={() => retry.mutate(d.id)} disabled={retry.isPending}>
                  Retry now
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
