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
import { setNotificationPreferences } from './notifications.service.ts';

const t = useTestApp({ withJobs: true });

const URL = '/api/v1/account/notifications';
let seq = 0;
const call = (p: { cookie: string }, method: Method, url = URL, payload?: object) =>
  asSession(t.app, p.cookie)(method, url, payload);

/** Invites a new person with a role and has them accept through the invitation email; signed in. */
async function invite(owner: SignedUp, role: 'admin' | 'member' | 'owner'): Promise<SignedUp> {
  const u = `${Date.now().toString(36)}${seq++}`;
  const email = `notify-${u}@example.test`;
  const invited = await call(owner, 'POST', '/api/v1/account/members', { email, role });
  expect(invited.statusCode, invited.body).toBe(201);
  const password = `invitee password ${u}`;
  const accept = await t.app.inject({
    method: 'POST',
    url: '/api/v1/invitations/accept',
    payload: { token: await mailedToken(t.app, email, /invited/), name: `Invitee ${u}`, password },
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

const alertsOf = async (p: SignedUp) => {
  const res = await call(p, 'GET');
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { newLeadAlerts: string; email: string };
};

describe('notification preferences', () => {
  it('start at every unassigned lead for owners and at their own leads for everyone else', async () => {
    const owner = await signUp(t.app, 'notify');
    expect(await alertsOf(owner)).toEqual({ newLeadAlerts: 'all', email: owner.email });
    const member = await invite(owner, 'member');
    expect(await alertsOf(member)).toEqual({ newLeadAlerts: 'assigned', email: member.email });
    expect((await alertsOf(await invite(owner, 'admin'))).newLeadAlerts).toBe('assigned');
    expect((await alertsOf(await invite(owner, 'owner'))).newLeadAlerts).toBe('all');
  });

  it('follow the owner role when it is granted or taken away, and stay as chosen otherwise', async () => {
    const owner = await signUp(t.app, 'notify');
    const member = await invite(owner, 'member');
    // A role change ends the member's sessions: their row is read and set in the database here.
    const stored = async () =>
      (
        await withTenant(t.db, owner.accountId, (_tx, c) =>
          c.query<{ new_lead_alerts: string }>(
            'SELECT new_lead_alerts FROM memberships WHERE account_id = $1 AND user_id = $2',
            [owner.accountId, member.userId],
          ),
        )
      ).rows[0]?.new_lead_alerts;
    const setRole = async (role: string) => {
      const res = await call(owner, 'PATCH', `/api/v1/account/members/${member.userId}`, { role });
      expect(res.statusCode, res.body).toBe(200);
    };
    await setRole('owner');
    expect(await stored()).toBe('all');
    await setRole('admin');
    expect(await stored()).toBe('assigned');
    await setNotificationPreferences(t.db, owner.accountId, member.userId, { newLeadAlerts: 'none' });
    // Between roles other than owner, the member's own choice stays.
    await setRole('member');
    expect(await stored()).toBe('none');
    expect((await alertsOf(owner)).newLeadAlerts).toBe('all');
  });

  it("changes the caller's own choice only, and reads it back", async () => {
    const owner = await signUp(t.app, 'notify');
    const member = await invite(owner, 'member');
    for (const choice of ['none', 'all', 'assigned', 'all'] as const) {
      const put = await call(member, 'PUT', URL, { newLeadAlerts: choice });
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json()).toEqual({ newLeadAlerts: choice, email: member.email });
      expect(await alertsOf(member)).toEqual({ newLeadAlerts: choice, email: member.email });
    }
    expect(await alertsOf(owner)).toEqual({ newLeadAlerts: 'all', email: owner.email });
    expect((await call(owner, 'PUT', URL, { newLeadAlerts: 'none' })).json().newLeadAlerts).toBe('none');
    expect((await alertsOf(member)).newLeadAlerts).toBe('all');
  });

  it('answers 422 naming newLeadAlerts for a bad choice, a missing one or an extra field', async () => {
    const owner = await signUp(t.app, 'notify');
    for (const body of [{ newLeadAlerts: 'sometimes' }, {}, { newLeadAlerts: null }]) {
      const res = await call(owner, 'PUT', URL, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain('body.newLeadAlerts');
    }
    const extra = await call(owner, 'PUT', URL, { newLeadAlerts: 'none', email: 'elsewhere@example.test' });
    expect(extra.statusCode).toBe(422);
    expect((await alertsOf(owner)).newLeadAlerts).toBe('all');
  });

  it('belongs to a person: no session is 401, an API key (which acts for the account) is 403', async () => {
    const owner = await signUp(t.app, 'notify');
    expect((await t.app.inject({ method: 'GET', url: URL })).statusCode).toBe(401);
    const key = (await call(owner, 'POST', '/api/v1/api-keys', { name: 'notify key' })).json().key as string;
    for (const method of ['GET', 'PUT'] as const) {
      const res = await t.app.inject({
        method,
        url: URL,
        headers: { authorization: `Bearer ${key}` },
        ...(method === 'PUT' ? { payload: { newLeadAlerts: 'none' } } : {}),
      });
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().code).toBe('SESSION_REQUIRED');
    }
    expect((await alertsOf(owner)).newLeadAlerts).toBe('all');
  });
});
