import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useDeferredValue, useId, useState } from 'react';
import { Link } from 'react-router';
import { del, get, post, put } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import { ConfirmButton, Field, LoadFailed, Loading, useFormErrors } from './settings-ui.tsx';
import './settings.css';
import './contacts.css';

type Contact = {
  id: string;
  fullName: string | null;
  email: string | null;
  phone: string | null;
  type: string | null;
  company: string | null;
  notes: string | null;
  createdAt: string;
};
type ContactDetail = Contact & { groups: { id: string; name: string }[] };
type Group = { id: string; name: string; description: string | null; memberCount: number };

const GROUPS_KEY = ['contact-groups'] as const;
const CONTACTS_KEY = 'contacts';

/**
 * Contacts: people who are not leads (sphere of influence, past clients, vendors, report
 * recipients), filed in groups. Search, filter by group, add, file and remove.
 */
export function Contacts() {
  const [q, setQ] = useState('');
  const query = useDeferredValue(q.trim());
  const [groupId, setGroupId] = useState('');
  const [adding, setAdding] = useState(false);
  const groups = useQuery({
    queryKey: GROUPS_KEY,
    queryFn: () => get<{ data: Group[] }>('/contact-groups?limit=200'),
  });
  const params = new URLSearchParams({ limit: '100' });
  if (query) params.set('q', query);
  if (groupId) params.set('groupId', groupId);
  const contacts = useQuery({
    queryKey: [CONTACTS_KEY, query, groupId],
    queryFn: () => get<{ data: Contact[]; nextCursor: string | null }>(`/contacts?${params}`),
    placeholderData: keepPreviousData,
  });
  const groupList = groups.data?.data ?? [];
  return (
    <div className="contacts">
      <div className="contacts-head">
        <h1>Contacts</h1>
        {adding ? null : (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            New contact
          </button>
        )}
      </div>
      <p className="muted contacts-intro">
        People who are not leads — your sphere, past clients, vendors, report recipients. Import a list under{' '}
        <Link to="/settings?section=data">Settings → Import and export</Link>.
      </p>
      {adding ? <NewContact groups={groupList} onClose={() => setAdding(false)} /> : null}
      <div className="contacts-filters">
        <label className="contacts-search">
          <span className="sr-only">Search contacts</span>
          <input
            type="search"
            placeholder="Search name, email or phone"
            value={q}
            onChange={(e) => setQ(e.target.value)}
          />
        </label>
        <label>
          <span className="sr-only">Group</span>
          <select value={groupId} onChange={(e) => setGroupId(e.target.value)}>
            <option value="">Everyone</option>
            {groupList.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name} ({g.memberCount})
              </option>
            ))}
          </select>
        </label>
      </div>
      {contacts.isPending ? (
        <Loading rows={4} label="Loading contacts" />
      ) : contacts.isError ? (
        <LoadFailed error={contacts.error} retry={() => void contacts.refetch()} />
      ) : contacts.data.data.length === 0 ? (
        <p className="settings-note">
          {query || groupId
            ? 'No contacts match.'
            : 'No contacts yet: add one, or import your sphere from a CSV.'}
        </p>
      ) : (
        <ul className="settings-list">
          {contacts.data.data.map((c) => (
            <ContactRow key={c.id} contact={c} groups={groupList} />
          ))}
        </ul>
      )}
      <Groups groups={groupList} loading={groups.isPending} />
    </div>
  );
}

function NewContact({ groups, onClose }: { groups: Group[]; onClose: () => void }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const headingId = useId();
  const form = useFormErrors(['fullName', 'email', 'phone', 'type', 'company']);
  const [fields, setFields] = useState({ fullName: '', email: '', phone: '', type: '', company: '' });
  const [groupIds, setGroupIds] = useState<string[]>([]);
  const create = useMutation({
    mutationFn: () =>
      post<ContactDetail>('/contacts', {
        ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v.trim())),
        ...(groupIds.length ? { groupIds } : {}),
      }),
    onSuccess: () => {
      toast.show('Contact added');
      onClose();
      return Promise.all([
        queryClient.invalidateQueries({ queryKey: [CONTACTS_KEY] }),
        queryClient.invalidateQueries({ queryKey: GROUPS_KEY }),
      ]);
    },
    onError: form.report,
  });
  const set = (name: keyof typeof fields) => (e: { target: { value: string } }) =>
    setFields((f) => ({ ...f, [name]: e.target.value }));
  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    create.mutate();
  }
  const labels: [keyof typeof fields, string, string?][] = [
    ['fullName', 'Name'],
    ['email', 'Email', 'email'],
    ['phone', 'Phone', 'tel'],
    ['company', 'Company'],
    ['type', 'Kind', undefined],
  ];
  return (
    <form onSubmit={submit} className="settings-card settings-form" aria-labelledby={headingId} noValidate>
      <h2 id={headingId}>New contact</h2>
      <div className="settings-grid">
        {labels.map(([name, label, type]) => (
          <Field
            key={name}
            form={form}
            name={name}
            label={label}
            hint={name === 'type' ? 'Such as sphere, past client, vendor.' : undefined}
          >
            {(p) => <input {...p} type={type ?? 'text'} value={fields[name]} onChange={set(name)} />}
          </Field>
        ))}
      </div>
      {groups.length ? (
        <fieldset className="settings-scopes">
          <legend>Groups</legend>
          {groups.map((g) => (
            <label key={g.id} className="settings-inline">
              <input
                type="checkbox"
                checked={groupIds.includes(g.id)}
                onChange={(e) =>
                  setGroupIds((ids) => (e.target.checked ? [...ids, g.id] : ids.filter((i) => i !== g.id)))
                }
              />
              {g.name}
            </label>
          ))}
        </fieldset>
      ) : null}
      <div className="settings-actions">
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? 'Adding…' : 'Add contact'}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function ContactRow({ contact, groups }: { contact: Contact; groups: Group[] }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const detailId = useId();
  const detail = useQuery({
    queryKey: [CONTACTS_KEY, 'detail', contact.id],
    queryFn: () => get<ContactDetail>(`/contacts/${contact.id}`),
    enabled: open,
  });
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: [CONTACTS_KEY] }),
      queryClient.invalidateQueries({ queryKey: GROUPS_KEY }),
    ]);
  const file = useMutation({
    mutationFn: ({ groupId, on }: { groupId: string; on: boolean }) =>
      on
        ? put(`/contact-groups/${groupId}/members/${contact.id}`, {})
        : del(`/contact-groups/${groupId}/members/${contact.id}`),
    onError: toast.error,
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: () => del(`/contacts/${contact.id}`),
    onSuccess: () => toast.show('Contact deleted'),
    onError: toast.error,
    onSettled: refresh,
  });
  const name = contact.fullName ?? contact.email ?? contact.phone ?? 'Unnamed';
  const member = new Set(detail.data?.groups.map((g) => g.id) ?? []);
  return (
    <li className="settings-row">
      <div className="settings-row-main">
        <strong className="settings-title">
          {name}
          {contact.type ? <span className="settings-badge">{contact.type}</span> : null}
        </strong>
        <span className="settings-hint contacts-reach">
          {contact.email ? <a href={`mailto:${contact.email}`}>{contact.email}</a> : null}
          {contact.phone ? <a href={`tel:${contact.phone}`}>{contact.phone}</a> : null}
          {contact.company ? <span>{contact.company}</span> : null}
        </span>
      </div>
      <div className="settings-row-actions">
        <button
          type="button"
          onClick={() => setOpen((o) => !o)}
          aria-expanded={open}
          aria-controls={detailId}
        >
          Groups
        </button>
        <ConfirmButton
          label="Delete"
          question={`Delete ${name}?`}
          confirmLabel="Yes, delete"
          busyLabel="Deleting…"
          onConfirm={() => remove.mutateAsync()}
        />
      </div>
      <div id={detailId} className="settings-row-detail" hidden={!open}>
        {open && detail.isPending ? <Loading rows={1} label="Loading groups" /> : null}
        {open && detail.data ? (
          groups.length === 0 ? (
            <p className="settings-hint">No groups yet: make one below.</p>
          ) : (
            <fieldset className="settings-scopes">
              <legend className="sr-only">Groups of {name}</legend>
              {groups.map((g) => (
                <label key={g.id} className="settings-inline">
                  <input
                    type="checkbox"
                    checked={member.has(g.id)}
                    disabled={file.isPending}
                    onChange={(e) => file.mutate({ groupId: g.id, on: e.target.checked })}
                  />
                  {g.name}
                </label>
              ))}
            </fieldset>
          )
        ) : null}
      </div>
    </li>
  );
}

function Groups({ groups, loading }: { groups: Group[]; loading: boolean }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const headingId = useId();
  const form = useFormErrors(['name']);
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: () => post<Group>('/contact-groups', { name: name.trim() }),
    onSuccess: () => {
      setName('');
      toast.show('Group made');
      return queryClient.invalidateQueries({ queryKey: GROUPS_KEY });
    },
    onError: form.report,
  });
  const remove = useMutation({
    mutationFn: (id: string) => del(`/contact-groups/${id}`),
    onSuccess: () => toast.show('Group deleted; its people stay'),
    onError: toast.error,
    onSettled: () => queryClient.invalidateQueries({ queryKey: GROUPS_KEY }),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    if (name.trim()) create.mutate();
  }
  return (
    <section className="contacts-groups" aria-labelledby={headingId}>
      <h2 id={headingId}>Groups</h2>
      {loading ? null : groups.length ? (
        <ul className="settings-list">
          {groups.map((g) => (
            <li key={g.id} className="settings-row">
              <div className="settings-row-main">
                <strong className="settings-title">{g.name}</strong>
                <span className="settings-hint">
                  {g.memberCount} {g.memberCount === 1 ? 'person' : 'people'}
                </span>
              </div>
              <div className="settings-row-actions">
                <ConfirmButton
                  label="Delete"
                  question={`Delete the group ${g.name}? Its people stay.`}
                  confirmLabel="Yes, delete"
                  busyLabel="Deleting…"
                  onConfirm={() => remove.mutateAsync(g.id)}
                />
              </div>
            </li>
          ))}
        </ul>
      ) : (
        <p className="settings-hint">Groups file people for mailings and reports, such as “Past clients”.</p>
      )}
      <form onSubmit={submit} className="settings-form contacts-group-form" noValidate>
        <Field form={form} name="name" label="New group">
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} maxLength={100} />}
        </Field>
        <div className="settings-actions">
          <button type="submit" disabled={!name.trim() || create.isPending}>
            {create.isPending ? 'Making…' : 'Make group'}
          </button>
        </div>
      </form>
    </section>
  );
}
