import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { del, get, patch, post, type Role } from '../api.ts';
import { useSession } from '../components/session.tsx';
import { useToast } from '../components/toast.tsx';
import {
  ConfirmButton,
  Field,
  LoadFailed,
  Loading,
  useFormErrors,
  useIsAdmin,
  When,
} from './settings-ui.tsx';

type Member = { userId: string; name: string; email: string; role: Role; joinedAt: string };
type Invitation = { id: string; email: string; role: Role; expiresAt: string; createdAt: string };
type Team = { data: Member[]; invitations: Invitation[] };

/** The lead screens read the same answer under this key (for assignees). */
const TEAM_KEY = ['account', 'members'] as const;

const ROLES: { role: Role; label: string; what: string }[] = [
  { role: 'owner', label: 'Owner', what: 'everything, billing included' },
  { role: 'admin', label: 'Admin', what: 'settings, pages, team and keys' },
  { role: 'member', label: 'Member', what: 'works the leads' },
  { role: 'affiliate', label: 'Affiliate', what: 'a partner who works leads like a member' },
];
const roleLabel = (r: Role) => ROLES.find((x) => x.role === r)?.label ?? r;

export function TeamSection() {
  const team = useQuery({ queryKey: TEAM_KEY, queryFn: () => get<Team>('/account/members') });
  const isAdmin = useIsAdmin();
  if (team.isPending) return <Loading rows={4} label="Loading the team…" />;
  if (team.isError) return <LoadFailed error={team.error} retry={() => team.refetch()} />;
  return (
    <div className="settings-stack">
      <Members members={team.data.data} />
      <Invitations invitations={team.data.invitations} />
      {isAdmin ? <InviteForm /> : null}
    </div>
  );
}

function useTeamChange<T>(fn: (v: T) => Promise<unknown>, done: string) {
  const queryClient = useQueryClient();
  const toast = useToast();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => toast.show(done),
    onError: toast.error,
    onSettled: () => queryClient.invalidateQueries({ queryKey: TEAM_KEY }),
  });
}

function Members({ members }: { members: Member[] }) {
  const { me, role: myRole } = useSession();
  const isAdmin = useIsAdmin();
  const headingId = useId();
  const changeRole = useTeamChange(
    ({ userId, role }: { userId: string; role: Role }) => patch(`/account/members/${userId}`, { role }),
    'Role changed',
  );
  const remove = useTeamChange(
    (userId: string) => del(`/account/members/${userId}`),
    'Removed from the team',
  );
  // Only an owner grants, changes or removes the owner role (the server says the same).
  const grantable = ROLES.filter((r) => myRole === 'owner' || r.role !== 'owner');

  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>Members ({members.length})</h3>
      <ul className="settings-list">
        {members.map((m) => {
          const isMe = m.userId === me.user.id;
          const canManage = isAdmin && !isMe && (myRole === 'owner' || m.role !== 'owner');
          const pending = changeRole.isPending && changeRole.variables.userId === m.userId;
          return (
            <li key={m.userId} className="settings-row">
              <div className="settings-row-main">
                <strong>
                  {m.name}
                  {isMe ? ' (you)' : ''}
                </strong>
                <span className="settings-hint settings-break">{m.email}</span>
                <span className="settings-hint">
                  Joined <When iso={m.joinedAt} />
                </span>
              </div>
              <div className="settings-row-actions">
                {canManage ? (
                  <>
                    <label className="sr-only" htmlFor={`role-${m.userId}`}>
                      Role of {m.name}
                    </label>
                    <select
                      id={`role-${m.userId}`}
                      className="settings-inline-select"
                      value={pending ? changeRole.variables.role : m.role}
                      disabled={pending}
                      onChange={(e) => changeRole.mutate({ userId: m.userId, role: e.target.value as Role })}
                    >
                      {grantable.map((r) => (
                        <option key={r.role} value={r.role}>
                          {r.label}
                        </option>
                      ))}
                    </select>
                    <ConfirmButton
                      label="Remove"
                      question={`Remove ${m.name} from the team?`}
                      confirmLabel="Yes, remove"
                      busyLabel="Removing…"
                      onConfirm={() => remove.mutateAsync(m.userId)}
                    />
                  </>
                ) : (
                  <span className="settings-badge">{roleLabel(m.role)}</span>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function Invitations({ invitations }: { invitations: Invitation[] }) {
  const isAdmin = useIsAdmin();
  const headingId = useId();
  const revoke = useTeamChange((id: string) => del(`/account/invitations/${id}`), 'Invitation revoked');
  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>Pending invitations</h3>
      {invitations.length === 0 ? (
        <p className="settings-hint">No one is waiting to join.</p>
      ) : (
        <ul className="settings-list">
          {invitations.map((i) => (
            <li key={i.id} className="settings-row">
              <div className="settings-row-main">
                <strong className="settings-break">{i.email}</strong>
                <span className="settings-hint">
                  {roleLabel(i.role)} · expires <When iso={i.expiresAt} />
                </span>
              </div>
              {isAdmin ? (
                <div className="settings-row-actions">
                  <ConfirmButton
                    label="Revoke"
                    question={`Revoke the invitation to ${i.email}?`}
                    confirmLabel="Yes, revoke"
                    busyLabel="Revoking…"
                    onConfirm={() => revoke.mutateAsync(i.id)}
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

function InviteForm() {
  const { role: myRole } = useSession();
  const toast = useToast();
  const queryClient = useQueryClient();
  const headingId = useId();
  const form = useFormErrors(['email', 'role']);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const invite = useMutation({
    mutationFn: () => post<{ invitation: Invitation }>('/account/members', { email: email.trim(), role }),
    onSuccess: ({ invitation }) => {
      setEmail('');
      toast.show(`Invitation emailed to ${invitation.email}`);
      return queryClient.invalidateQueries({ queryKey: TEAM_KEY });
    },
    onError: form.report,
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    if (email.trim()) invite.mutate();
  }
  return (
    <form onSubmit={submit} className="settings-card settings-form" aria-labelledby={headingId} noValidate>
      <h3 id={headingId}>Invite someone</h3>
      <div className="settings-grid">
        <Field form={form} name="email" label="Email">
          {(p) => (
            <input
              {...p}
              type="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              autoComplete="off"
              maxLength={254}
              required
            />
          )}
        </Field>
        <Field form={form} name="role" label="Role">
          {(p) => (
            <select {...p} value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.filter((r) => myRole === 'owner' || r.role !== 'owner').map((r) => (
                <option key={r.role} value={r.role}>
                  {r.label}: {r.what}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <div className="settings-actions">
        <button type="submit" className="primary" disabled={invite.isPending || !email.trim()}>
          {invite.isPending ? 'Inviting…' : 'Send invitation'}
        </button>
      </div>
    </form>
  );
}
