import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  asSession,
  cookieOf,
  type Method,
  mailedToken,
  type SignedUp,
  signUp,
  useTestApp,
} from '../../../test/http.ts';
import { withTenant } from '../../db/tenant.ts';
import { devEmailProvider } from '../outbox/outbox.service.ts';
import { sendInvitationEmail } from './invitations.service.ts';

const t = useTestApp({ withJobs: true });

let seq = 0;
const unique = () => `${Date.now().toString(36)}${seq++}`;

type Person = SignedUp;
const signup = () => signUp(t.app, 'team');
const call = (p: { cookie: string }, method: Method, url: string, payload?: object) =>
  asSession(t.app, p.cookie)(method, url, payload);

/** The invitation link's token, from the email the invitee received. */
const tokenOf = (res: LightMyRequestResponse) => mailedToken(t.app, res.json().invitation.email, /invited/);

/** Invites a new person with a role and has them accept; returns them signed in. */
async function addMember(owner: Person, role: 'admin' | 'member' | 'affiliate' | 'owner'): Promise<Person> {
  const u = unique();
  const email = `invitee-${u}@example.test`;
  const invite = await call(owner, 'POST', '/api/v1/account/members', { email, role });
  expect(invite.statusCode, invite.body).toBe(201);
  const password = `invitee password ${u}`;
  const accept = await t.app.inject({
    method: 'POST',
    url: '/api/v1/invitations/accept',
    payload: { token: await tokenOf(invite), name: `Invitee ${u}`, password },
  });
  expect(accept.statusCode, accept.body).toBe(200);
  return {
    cookie: cookieOf(accept)!,
    userId: accept.json().user.id,
    accountId: owner.accountId,
    email,
    password,
  };
}

describe('invitations', () => {
  it('invites by email, lists the pending invitation, and a new user accepts once and is signed in', async () => {
    const owner = await signup();
    const invite = await call(owner, 'POST', '/api/v1/account/members', {
      email: 'New.Person@Example.test',
      role: 'member',
    });
    expect(invite.statusCode).toBe(201);
    expect(invite.json().invitation).toMatchObject({ email: 'new.person@example.test', role: 'member' });
    const team = (await call(owner, 'GET', '/api/v1/account/members')).json();
    expect(team.invitations.map((i: { email: string }) => i.email)).toContain('new.person@example.test');

    const token = await tokenOf(invite);
    const missing = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      payload: { token },
    });
    expect(missing.statusCode).toBe(422);
    expect(
      missing
        .json()
        .errors.map((e: { path: string }) => e.path)
        .sort(),
    ).toEqual(['name', 'password']);
    const accept = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      payload: { token, name: 'New Person', password: 'a long fresh password 42' },
    });
    expect(accept.statusCode, accept.body).toBe(200);
    expect(accept.json()).toMatchObject({ signedIn: true, account: { id: owner.accountId } });
    const me = await call({ cookie: cookieOf(accept)! }, 'GET', '/api/v1/me');
    expect(me.json().memberships).toEqual([expect.objectContaining({ role: 'member' })]);
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      payload: { token, name: 'New Person', password: 'a long fresh password 42' },
    });
    expect(again.statusCode).toBe(404);
  });

  it('adds an existing user without signing them in; refuses bad, expired and revoked tokens', async () => {
    const owner = await signup();
    const other = await signup();
    const invite = await call(owner, 'POST', '/api/v1/account/members', {
      email: other.email,
      role: 'admin',
    });
    const accept = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      payload: { token: await tokenOf(invite) },
    });
    expect(accept.statusCode).toBe(200);
    expect(accept.json().signedIn).toBe(false);
    expect(cookieOf(accept)).toBeUndefined();
    const roles = (await call(other, 'GET', '/api/v1/me'))
      .json()
      .memberships.map((m: { role: string }) => m.role);
    expect(roles.sort()).toEqual(['admin', 'owner']);

    for (const token of ['nonsense-token-value', `${owner.accountId}.not-the-secret`]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/invitations/accept',
        payload: { token },
      });
      expect(res.statusCode).toBe(404);
    }
    const expiring = await call(owner, 'POST', '/api/v1/account/members', {
      email: `late-${unique()}@example.test`,
    });
    const lateToken = await tokenOf(expiring); // mailed first, then it runs out
    await withTenant(t.db, owner.accountId, (_tx, c) =>
      c.query(`UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = $1`, [
        expiring.json().invitation.id,
      ]),
    );
    const late = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      payload: { token: lateToken, name: 'Late', password: 'a long fresh password 42' },
    });
    expect(late.statusCode).toBe(404);
    const revoked = await call(owner, 'POST', '/api/v1/account/members', {
      email: `gone-${unique()}@example.test`,
    });
    const revokedToken = await tokenOf(revoked);
    expect(
      (await call(owner, 'DELETE', `/api/v1/account/invitations/${revoked.json().invitation.id}`)).statusCode,
    ).toBe(204);
    const tooLate = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      payload: { token: revokedToken, name: 'Gone', password: 'a long fresh password 42' },
    });
    expect(tooLate.statusCode).toBe(404);
  });

  it('lets only admins invite, and only owners invite an owner', async () => {
    const owner = await signup();
    const member = await addMember(owner, 'member');
    const admin = await addMember(owner, 'admin');
    const byMember = await call(member, 'POST', '/api/v1/account/members', {
      email: `x-${unique()}@example.test`,
    });
    expect(byMember.statusCode).toBe(403);
    const ownerByAdmin = await call(admin, 'POST', '/api/v1/account/members', {
      email: `y-${unique()}@example.test`,
      role: 'owner',
    });
    expect(ownerByAdmin.statusCode).toBe(403);
    expect(ownerByAdmin.json().code).toBe('OWNER_ONLY');
    const ownerByOwner = await call(owner, 'POST', '/api/v1/account/members', {
      email: `z-${unique()}@example.test`,
      role: 'owner',
    });
    expect(ownerByOwner.statusCode).toBe(201);
  });
});

describe('roles', () => {
  it('changes roles under the matrix, ends the member’s sessions, and keeps the last owner', async () => {
    const owner = await signup();
    const member = await addMember(owner, 'member');
    const admin = await addMember(owner, 'admin');
    const promote = await call(owner, 'PATCH', `/api/v1/account/members/${member.userId}`, { role: 'admin' });
    expect(promote.statusCode, promote.body).toBe(200);
    expect(promote.json().role).toBe('admin');
    expect((await call(member, 'GET', '/api/v1/me')).statusCode).toBe(401); // privilege change: sign in again
    const onOwner = await call(admin, 'PATCH', `/api/v1/account/members/${owner.userId}`, { role: 'member' });
    expect(onOwner.statusCode).toBe(403);
    const demoteSelf = await call(owner, 'PATCH', `/api/v1/account/members/${owner.userId}`, {
      role: 'admin',
    });
    expect(demoteSelf.statusCode).toBe(409);
    expect(demoteSelf.json().code).toBe('LAST_OWNER');
    const leave = await call(owner, 'DELETE', `/api/v1/account/members/${owner.userId}`);
    expect(leave.statusCode).toBe(409);
  });

  it('removes a member (their session ends), lets a member leave, and hides other accounts’ people', async () => {
    const owner = await signup();
    const member = await addMember(owner, 'member');
    const leaver = await addMember(owner, 'member');
    const byMember = await call(member, 'DELETE', `/api/v1/account/members/${leaver.userId}`);
    expect(byMember.statusCode).toBe(403);
    expect((await call(owner, 'DELETE', `/api/v1/account/members/${member.userId}`)).statusCode).toBe(204);
    expect((await call(member, 'GET', '/api/v1/me')).statusCode).toBe(401);
    expect((await call(leaver, 'DELETE', `/api/v1/account/members/${leaver.userId}`)).statusCode).toBe(204);
    const team = (await call(owner, 'GET', '/api/v1/account/members')).json();
    expect(team.data.map((m: { userId: string }) => m.userId)).toEqual([owner.userId]);
    const stranger = await signup();
    for (const id of [stranger.userId, 'not-a-uuid']) {
      expect(
        (await call(owner, 'PATCH', `/api/v1/account/members/${id}`, { role: 'admin' })).statusCode,
      ).toBe(404);
      expect((await call(owner, 'DELETE', `/api/v1/account/members/${id}`)).statusCode).toBe(404);
    }
  });
});

describe('the invitation email job', () => {
  it('sends once and keeps its link valid when the same job runs again (a retry)', async () => {
    const owner = await signup();
    const email = `retry-${unique()}@example.test`;
    const invite = await call(owner, 'POST', '/api/v1/account/members', { email });
    const first = await tokenOf(invite);
    const deps = {
      email: devEmailProvider(t.db),
      baseUrl: 'http://localhost:3000',
      emailFrom: 'test@example.test',
      pepper: 'another-pepper',
    };
    const input = { accountId: owner.accountId, invitationId: invite.json().invitation.id, jobId: 'job-1' };
    await sendInvitationEmail(t.db, deps, input);
    await sendInvitationEmail(t.db, deps, input);
    const outbox = (await t.app.inject({ method: 'GET', url: '/api/v1/dev/outbox' })).json().data;
    const mails = outbox.filter((m: { to: string }) => m.to === email);
    expect(mails).toHaveLength(2); // the queued job's email, and one for job-1 (not two)
    const latest = mails[0].body.match(/#token=([A-Za-z0-9_.-]+)/)[1];
    expect(latest).not.toBe(first); // a new job retires the old link
    const old = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      payload: { token: first, name: 'Retry', password: 'a long fresh password 42' },
    });
    expect(old.statusCode).toBe(404);
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      payload: { token: latest, name: 'Retry', password: 'a long fresh password 42' },
    });
    expect(ok.statusCode).toBe(200);
  });
});
