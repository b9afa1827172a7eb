import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Navigate, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { type Me, post, put } from '../api.ts';
import { PastDueBanner } from './past-due-banner.tsx';
import { SessionProvider, useMe } from './session.tsx';
import { useToast } from './toast.tsx';

/** The signed-in frame: navigation and the account; signed out, the login screen. */
export function AppShell() {
  const me = useMe();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [switching, setSwitching] = useState(false);
  if (me.isPending) return <p className="sr-only">Loading…</p>;
  if (!me.data) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname)}`} replace />;
  const active =
    me.data.memberships.find((m) => m.account.id === me.data!.activeAccountId) ?? me.data.memberships[0];
  if (!active) return <p>You are not a member of any account.</p>;

  async function logout() {
    try {
      await post('/auth/logout');
      queryClient.clear();
      navigate('/login');
    } catch (e) {
      toast.error(e);
    }
  }

  async function switchAccount(accountId: string) {
    setSwitching(true);
    try {
      await put('/session', { accountId });
      // Everything cached belongs to the other account: start again from who am I.
      queryClient.clear();
      navigate('/leads');
    } catch (e) {
      toast.error(e);
    } finally {
      setSwitching(false);
    }
  }

  return (
    <SessionProvider value={{ me: me.data, accountId: active.account.id, role: active.role }}>
      <div className="shell">
        <nav className="sidebar" aria-label="Main">
          <div className="brand">Porchlight</div>
          <NavLink to="/leads" end>
            Inbox
          </NavLink>
          <NavLink to="/board">Board</NavLink>
          <NavLink to="/pages">Pages</NavLink>
          <NavLink to="/contacts">Contacts</NavLink>
          <NavLink to="/usage">Usage</NavLink>
          <NavLink to="/settings">Settings</NavLink>
          <div className="spacer" />
          {me.data.memberships.length > 1 ? (
            <div>
              <label htmlFor="account-switcher">Account</label>
              <select
                id="account-switcher"
                value={active.account.id}
                disabled={switching}
                onChange={(e) => void switchAccount(e.target.value)}
              >
                {me.data.memberships.map(({ account }, _, all) => (
                  <option key={account.id} value={account.id}>
                    {/* Two accounts of one name are told apart by their pages' address. */}
                    {all.filter((m) => m.account.name === account.name).length > 1
                      ? `${account.name} (${account.slug})`
                      : account.name}
                  </option>
                ))}
              </select>
            </div>
          ) : (
            <span className="muted" title={me.data.user.email}>
              {active.account.name}
            </span>
          )}
          <button type="button" onClick={logout}>
            Log out
          </button>
        </nav>
        <main>
          <PastDueBanner />
          {me.data.user.emailVerifiedAt ? null : <VerifyBanner user={me.data.user} />}
          <Outlet />
        </main>
      </div>
    </SessionProvider>
  );
}

/** Until the address is confirmed: where the link went, and a way to have it sent again. */
function VerifyBanner({ user }: { user: Me['user'] }) {
  const toast = useToast();
  const [state, setState] = useState<'idle' | 'sending' | 'sent'>('idle');
  async function resend() {
    setState('sending');
    try {
      await post('/auth/verify-email/resend');
      setState('sent');
    } catch (e) {
      setState('idle');
      toast.error(e);
    }
  }
  return (
    <div className="verify-banner">
      <p>
        Check your inbox to verify your email address, <strong>{user.email}</strong>: open the link we sent
        you.
      </p>
      {state === 'sent' ? (
        <p role="status">Sent again: the newest link works for 24 hours.</p>
      ) : (
        <button type="button" onClick={resend} disabled={state === 'sending'}>
          {state === 'sending' ? 'Sending…' : 'Send the link again'}
        </button>
      )}
    </div>
  );
}
