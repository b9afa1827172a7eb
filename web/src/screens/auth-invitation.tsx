import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { type Account, ApiError, type Me, post, put } from '../api.ts';
import { useMe } from '../components/session.tsx';
import { useToast } from '../components/toast.tsx';
import { Field } from './auth.tsx';
import { AuthCard, fieldsOf, missing, Problem, useAction, useHashToken } from './auth-recovery.tsx';

/**
 * Accepting a team invitation (the emailed `/app/accept-invitation#token=…`).
 *
 * POST /api/v1/invitations/accept takes `{ token, name?, password? }`. When the invited address
 * has no user yet, name and password are required (422 INVITATION_DETAILS otherwise) and the new
 * user is signed in at once (`signedIn: true`). When it already has one, the token alone adds the
 * membership, but nobody is signed in (the server cannot tell it is them): a browser signed in as
 * that user switches to the account; anyone else logs in as usual.
 *
 * The API cannot say beforehand which case a token is, so a signed-in user is offered "accept",
 * and anyone else the new-login form with "accept with my existing login" beside it.
 */

type Accepted = { user: Me['user']; account: Account; signedIn: boolean };

const needsDetails = (e: unknown) => e instanceof ApiError && e.code === 'INVITATION_DETAILS';

const badLink = (
  <>
    Ask whoever invited you to send a new invitation, or <Link to="/login">log in</Link>.
  </>
);

export function AcceptInvitation() {
  const token = useHashToken();
  // Keyed by the token: a second link opened in the same tab starts afresh.
  return <AcceptWithToken key={token ?? ''} token={token} />;
}

function AcceptWithToken({ token }: { token: string | null }) {
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [joined, setJoined] = useState<Accepted | null>(null);
  // A signed-in user whose invitation turns out to be for an address without a login.
  const [forNewLogin, setForNewLogin] = useState(false);

  if (!token) {
    return (
      <AuthCard title="This link is incomplete">
        <p className="form-error" role="alert">
          The address is missing its token. Open the link from the invitation email again, or copy all of it.
        </p>
      </AuthCard>
    );
  }
  if (me.isPending) return <p className="sr-only">Loading…</p>;

  async function accepted(reply: Accepted) {
    const sameUser = me.data?.user.id === reply.user.id;
    if (!reply.signedIn && !sameUser) {
      setJoined(reply);
      return;
    }
    // Signed in already as the invitee: make the new account the active one.
    if (!reply.signedIn) await put('/session', { accountId: reply.account.id });
    // Someone else may have been signed in here: nothing cached for them may show.
    queryClient.clear();
    toast.show(`Welcome to ${reply.account.name}`);
    navigate('/leads', { replace: true });
  }

  if (joined) {
    return (
      <AuthCard key="joined" title={`You've joined ${joined.account.name}`}>
        <p>
          <strong>{joined.user.email}</strong> already has a Porchlight login. Log in with it to see{' '}
          {joined.account.name}.
        </p>
        <p>
          <Link className="button primary" to="/login?next=/leads">
            Log in
          </Link>
        </p>
      </AuthCard>
    );
  }
  if (me.data && !forNewLogin) {
    return (
      <AcceptAsSignedIn
        email={me.data.user.email}
        token={token}
        onAccepted={accepted}
        onNeedsLogin={() => setForNewLogin(true)}
      />
    );
  }
  return <AcceptWithNewLogin key="new" token={token} onAccepted={accepted} notice={forNewLogin} />;
}

function AcceptAsSignedIn(props: {
  email: string;
  token: string;
  onAccepted: (reply: Accepted) => Promise<void>;
  onNeedsLogin: () => void;
}) {
  const { error, busy, run } = useAction();
  function accept() {
    void run(async () => {
      try {
        await props.onAccepted(await post<Accepted>('/invitations/accept', { token: props.token }));
      } catch (e) {
        if (!needsDetails(e)) throw e;
        props.onNeedsLogin();
      }
    });
  }
  return (
    <AuthCard key="signed-in" title="Join the team">
      <p>You've been invited to a team on Porchlight. You're signed in as {props.email}.</p>
      <Problem error={error} onBadLink={badLink} />
      <button className="primary" type="button" onClick={accept} disabled={busy} style={{ width: '100%' }}>
        {busy ? 'Joining…' : 'Accept the invitation'}
      </button>
    </AuthCard>
  );
}

function AcceptWithNewLogin(props: {
  token: string;
  onAccepted: (reply: Accepted) => Promise<void>;
  /** Shown when a signed-in user's invitation turned out to be for an address without a login. */
  notice: boolean;
}) {
  const form = useAction();
  const existing = useAction();
  const [noLoginYet, setNoLoginYet] = useState(false);
  const busy = form.busy || existing.busy;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const fields = fieldsOf(event);
    const empty = missing(fields, { name: 'Enter your name.', password: 'Choose a password.' });
    if (empty) return form.setError(empty);
    const { name, password } = fields;
    setNoLoginYet(false);
    void form.run(async () => {
      await props.onAccepted(
        await post<Accepted>('/invitations/accept', { token: props.token, name, password }),
      );
    });
  }

  function acceptWithExisting() {
    setNoLoginYet(false);
    void existing.run(async () => {
      try {
        await props.onAccepted(await post<Accepted>('/invitations/accept', { token: props.token }));
      } catch (e) {
        if (!needsDetails(e)) throw e;
        setNoLoginYet(true);
      }
    });
  }

  return (
    <AuthCard title="Join your team on Porchlight">
      <p className="muted">
        {props.notice
          ? 'This invitation is for an address that has no Porchlight login yet. Choose a name and a password to create it.'
          : "You've been invited to a team. Choose your name and a password to create your login."}
      </p>
      <form onSubmit={onSubmit} noValidate>
        <Field name="name" label="Your name" autoComplete="name" error={form.error} />
        <Field
          name="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          hint="At least 8 characters."
          error={form.error}
        />
        <Problem error={form.error} fields={['name', 'password']} onBadLink={badLink} />
        <button className="primary" type="submit" disabled={busy}>
          {form.busy ? 'Joining…' : 'Create login and join'}
        </button>
      </form>
      <hr style={{ border: 0, borderTop: '1px solid var(--border)', margin: '1.25rem 0 0.75rem' }} />
      <p className="muted">Already use Porchlight with the address this invitation was sent to?</p>
      {noLoginYet ? (
        <p className="form-error" role="alert">
          No Porchlight login uses that address yet: choose your name and a password above.
        </p>
      ) : null}
      <Problem error={existing.error} onBadLink={badLink} />
      <button type="button" onClick={acceptWithExisting} disabled={busy} style={{ width: '100%' }}>
        {existing.busy ? 'Joining…' : 'Accept with my existing login'}
      </button>
    </AuthCard>
  );
}
