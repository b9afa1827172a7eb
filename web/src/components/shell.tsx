import { useQueryClient } from '@tanstack/react-query';
import { Navigate, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { post } from '../api.ts';
import { SessionProvider, useMe } from './session.tsx';
import { useToast } from './toast.tsx';

/** The signed-in frame: navigation and the account; signed out, the login screen. */
export function AppShell() {
  const me = useMe();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const toast = useToast();
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

  return (
    <SessionProvider value={{ me: me.data, accountId: active.account.id, role: active.role }}>
      <div className="shell">
        <nav className="sidebar" aria-label="Main">
          <div className="brand">Porchlight</div>
          <NavLink to="/leads" end>
            Inbox
          </NavLink>
          <NavLink to="/board">Board</NavLink>
          <div className="spacer" />
          <span className="muted" title={me.data.user.email}>
            {active.account.name}
          </span>
          <button type="button" onClick={logout}>
            Log out
          </button>
        </nav>
        <main>
          <Outlet />
        </main>
      </div>
    </SessionProvider>
  );
}
