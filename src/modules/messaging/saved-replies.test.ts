import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeLead } from '../../../test/factories.ts';
import {
  asSession,
  cookieOf,
  type Method,
  mailedToken,
  type SignedUp,
  signUp,
  useTestApp,
} from '../../../test/http.ts';
import { testConfig } from '../../config.ts';
import { withTenant } from '../../db/tenant.ts';
import { setBranding } from '../../pages/testing.ts';

const t = useTestApp({ withJobs: true, config: testConfig({ BASE_URL: 'http://localhost:3000' }) });

type Reply = { id: string; name: string; channel: 'email' | 'sms'; subject: string | null; body: string };
type OutboxItem = { to: string; from: string; subject: string; body: string };

const URL = '/api/v1/saved-replies';
let seq = 0;
const call = (p: { cookie: string }, method: Method, url: string, payload?: object) =>
  asSession(t.app, p.cookie)(method, url, payload);

function sql<T = Record<string, unknown>>(accountId: string, text: string, values: unknown[] = []) {
  return withTenant(t.db, accountId, async (_tx, client) => (await client.query<T>(text, values)).rows);
}

/** Invites a new person with a role and has them accept through the invitation email; signed in. */
async function invite(owner: SignedUp, role: 'admin' | 'member'): Promise<SignedUp & { name: string }> {
  const u = `${Date.now().toString(36)}${seq++}`;
  const email = `saved-${u}@example.test`;
  const invited = await call(owner, 'POST', '/api/v1/account/members', { email, role });
  expect(invited.statusCode, invited.body).toBe(201);
  const password = `invitee password ${u}`;
  const name = `Morgan ${u}`;
  const accept = await t.app.inject({
    method: 'POST',
    url: '/api/v1/invitations/accept',
    payload: { token: await mailedToken(t.app, email, /invited/), name, password },
  });
  expect(accept.statusCode, accept.body).toBe(200);
  return {
    cookie: cookieOf(accept)!,
    userId: accept.json().user.id,
    accountId: owner.accountId,
    email,
    password,
    name,
  };
}

async function create(p: SignedUp, reply: object): Promise<Reply> {
  const res = await call(p, 'POST', URL, reply);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const errorsOf = (res: { json: () => { errors: { path: string; message: string }[] } }) => res.json().errors;

async function outbox(): Promise<OutboxItem[]> {
  return (await t.app.inject({ method: 'GET', url: '/api/v1/dev/outbox' })).json().data;
}

async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const showing = {
  name: 'Showing follow-up',
  channel: 'email',
  subject: 'About {{lead.address}}',
  body: 'Hi {{lead.firstName}}, thanks for coming to the showing.\n\n{{agent.name}} · {{agent.email}}',
};

describe('saved replies API', () => {
  it('adds, lists by name, changes and deletes; any member may; names are distinct per channel', async () => {
    const owner = await signUp(t.app, 'saved');
    const empty = await call(owner, 'GET', URL);
    expect(empty.statusCode, empty.body).toBe(200);
    expect(empty.json().data).toEqual([]);
    expect(empty.json().variables).toContain('{{lead.firstName}}');

    const first = await create(owner, showing);
    expect(first).toMatchObject({ ...showing, subject: 'About {{lead.address}}' });
    // The same name is taken for the channel, whatever its case; free on the other channel.
    const taken = await call(owner, 'POST', URL, { ...showing, name: 'showing FOLLOW-UP' });
    expect(taken.statusCode).toBe(409);
    expect(taken.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(errorsOf(taken)).toEqual([
      { path: 'body.name', message: 'is already used by another saved reply of this channel' },
    ]);
    const text = await create(owner, {
      name: 'Showing follow-up',
      channel: 'sms',
      body: 'Hi {{lead.firstName}}!',
    });
    expect(text.subject).toBeNull();

    // A member (not an admin) writes the team's saved replies too.
    const member = await invite(owner, 'member');
    const another = await create(member, {
      name: 'After the call',
      channel: 'email',
      body: 'Good talking to you.',
    });
    expect(another.subject).toBeNull();
    const listed = (await call(member, 'GET', URL)).json().data as Reply[];
    expect(listed.map((r) => `${r.name} ${r.channel}`)).toEqual([
      'After the call email',
      'Showing follow-up email',
      'Showing follow-up sms',
    ]);

    const changed = await call(member, 'PATCH', `${URL}/${first.id}`, { body: 'Thanks {{lead.firstName}}!' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ id: first.id, name: showing.name, subject: showing.subject });
    expect(changed.json().body).toBe('Thanks {{lead.firstName}}!');
    const renamed = await call(owner, 'PATCH', `${URL}/${another.id}`, { name: 'Showing Follow-Up' });
    expect(renamed.statusCode).toBe(409);
    expect(errorsOf(renamed)[0]?.path).toBe('body.name');
    // Moving a reply to texts drops its subject; a subject given with sms is refused.
    const moved = await call(owner, 'PATCH', `${URL}/${another.id}`, { channel: 'sms' });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ channel: 'sms', subject: null });
    const withSubject = await call(owner, 'PATCH', `${URL}/${another.id}`, { subject: 'Hi' });
    expect(withSubject.statusCode).toBe(422);
    expect(errorsOf(withSubject)).toEqual([{ path: 'body.subject', message: 'a text has no subject' }]);
    expect((await call(owner, 'PATCH', `${URL}/${another.id}`, {})).statusCode).toBe(422);

    // Not among the automatic messages' templates, and not retired through their route.
    expect((await call(owner, 'GET', '/api/v1/templates')).json().data).toEqual([]);
    expect((await call(owner, 'DELETE', `/api/v1/templates/${first.id}`)).statusCode).toBe(404);

    expect((await call(member, 'DELETE', `${URL}/${first.id}`)).statusCode).toBe(204);
    expect((await call(owner, 'DELETE', `${URL}/${first.id}`)).statusCode).toBe(404);
    expect((await call(owner, 'PATCH', `${URL}/${first.id}`, { name: 'x' })).statusCode).toBe(404);
    expect((await call(owner, 'PATCH', `${URL}/not-a-uuid`, { name: 'x' })).statusCode).toBe(404);
    expect((await call(owner, 'DELETE', `${URL}/not-a-uuid`)).statusCode).toBe(404);
    // Its name is free again.
    await create(owner, showing);
  });

  it('refuses bad input by field: 422 problem+json', async () => {
    const owner = await signUp(t.app, 'saved-bad');
    const missing = await call(owner, 'POST', URL, { channel: 'fax', body: '' });
    expect(missing.statusCode).toBe(422);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(
      errorsOf(missing)
        .map((e: { path: string }) => e.path)
        .sort(),
    ).toEqual(['body.body', 'body.channel', 'body.name']);
    const long = await call(owner, 'POST', URL, { ...showing, name: 'x'.repeat(81) });
    expect(errorsOf(long).map((e: { path: string }) => e.path)).toEqual(['body.name']);
    const unknown = await call(owner, 'POST', URL, {
      ...showing,
      subject: 'Hi {{lead.nmae}}',
      body: 'Hello {{lead.firstName}} {{agent.nope}} {{ oops }}',
    });
    expect(unknown.statusCode).toBe(422);
    expect(errorsOf(unknown)).toEqual([
      { path: 'body.body', message: 'unknown variable {{agent.nope}}' },
      { path: 'body.body', message: 'unknown variable {{ oops }}' },
      { path: 'body.subject', message: 'unknown variable {{lead.nmae}}' },
    ]);
    const textWithSubject = await call(owner, 'POST', URL, {
      name: 'T',
      channel: 'sms',
      subject: 'S',
      body: 'B',
    });
    expect(errorsOf(textWithSubject)).toEqual([{ path: 'body.subject', message: 'a text has no subject' }]);
    const longText = await call(owner, 'POST', URL, { name: 'T', channel: 'sms', body: 'x'.repeat(1601) });
    expect(errorsOf(longText)).toEqual([{ path: 'body.body', message: 'a text is at most 1600 characters' }]);
    const reply = await create(owner, showing);
    const badPatch = await call(owner, 'PATCH', `${URL}/${reply.id}`, { body: '{{lead.nope}}', extra: 1 });
    expect(badPatch.statusCode).toBe(422);
    expect((await call(owner, 'GET', URL)).json().data).toEqual([
      expect.objectContaining({ body: showing.body }),
    ]);
  });

  it("answers 404 for another account's saved reply, and changes nothing of it", async () => {
    const a = await signUp(t.app, 'saved-a');
    const b = await signUp(t.app, 'saved-b');
    const reply = await create(a, showing);
    const lead = await makeLead(t.db, { accountId: b.accountId });
    for (const res of [
      await call(b, 'PATCH', `${URL}/${reply.id}`, { name: 'Mine now' }),
      await call(b, 'DELETE', `${URL}/${reply.id}`),
      await call(b, 'POST', `${URL}/${reply.id}/preview`, { leadId: lead.id }),
    ]) {
      expect(res.statusCode, res.body).toBe(404);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    expect((await call(b, 'GET', URL)).json().data).toEqual([]);
    expect((await call(a, 'GET', URL)).json().data).toEqual([
      expect.objectContaining({ id: reply.id, name: showing.name }),
    ]);
    // Nor can B send it to B's own lead: it is not a saved reply of B's account.
    const sent = await call(b, 'POST', `/api/v1/leads/${lead.id}/messages`, { savedReplyId: reply.id });
    expect(sent.statusCode).toBe(422);
    expect(errorsOf(sent)).toEqual([
      { path: 'body.savedReplyId', message: 'is not a saved reply of this account' },
    ]);
  });
});

describe('saved replies for a lead', () => {
  it("renders the lead's values with the sending member as the agent (preview, read-only)", async () => {
    const owner = await signUp(t.app, 'saved-render');
    const member = await invite(owner, 'member');
    const reply = await create(owner, showing);
    const lead = await makeLead(t.db, {
      accountId: owner.accountId,
      fullName: 'Ms. Pat Doe',
      email: 'pat.doe@example.com',
      addressLine: '12 Oak Street',
    });
    const preview = await call(member, 'POST', `${URL}/${reply.id}/preview`, { leadId: lead.id });
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.json()).toEqual({
      channel: 'email',
      subject: 'About 12 Oak Street',
      body: `Hi Pat, thanks for coming to the showing.\n\n${member.name} · ${member.email}`,
    });
    // The brand's name, when set, speaks for everyone (as in the autoresponder); the email stays the member's.
    await setBranding(t.db, owner.accountId, { display_name: 'Dana Ruiz' });
    const branded = await call(member, 'POST', `${URL}/${reply.id}/preview`, { leadId: lead.id });
    expect(branded.json().body).toBe(
      `Hi Pat, thanks for coming to the showing.\n\nDana Ruiz · ${member.email}`,
    );
    // Nothing was sent or recorded.
    expect(await sql(owner.accountId, 'SELECT id FROM messages WHERE lead_id = $1', [lead.id])).toEqual([]);

    const foreign = await makeLead(t.db, { accountId: (await signUp(t.app, 'saved-other')).accountId });
    const bad = await call(member, 'POST', `${URL}/${reply.id}/preview`, { leadId: foreign.id });
    expect(bad.statusCode).toBe(422);
    expect(errorsOf(bad)).toEqual([{ path: 'body.leadId', message: 'is not a lead of this account' }]);
    expect(errorsOf(await call(member, 'POST', `${URL}/${reply.id}/preview`, {}))[0]?.path).toBe(
      'body.leadId',
    );
    await t.db.query('UPDATE leads SET is_held = true WHERE id = $1', [lead.id]);
    expect((await call(member, 'POST', `${URL}/${reply.id}/preview`, { leadId: lead.id })).statusCode).toBe(
      409,
    );
  });

  it('sends an email saved reply by id: one manual message with the rendered text, linked to the reply', async () => {
    const owner = await signUp(t.app, 'saved-send');
    const reply = await create(owner, showing);
    const lead = await makeLead(t.db, {
      accountId: owner.accountId,
      fullName: 'Sam Lee',
      email: 'sam.saved@example.com',
      addressLine: '9 Elm Road',
    });
    const messagesUrl = `/api/v1/leads/${lead.id}/messages`;
    // A saved reply is sent as it is: a body or subject beside it, or another channel, is refused.
    const both = await call(owner, 'POST', messagesUrl, {
      savedReplyId: reply.id,
      body: 'typed',
      subject: 'x',
    });
    expect(both.statusCode).toBe(422);
    expect(errorsOf(both).map((e: { path: string }) => e.path)).toEqual(['body.subject', 'body.body']);
    const otherChannel = await call(owner, 'POST', messagesUrl, { savedReplyId: reply.id, channel: 'sms' });
    expect(errorsOf(otherChannel)).toEqual([
      { path: 'body.channel', message: 'the saved reply is an email' },
    ]);
    const neither = await call(owner, 'POST', messagesUrl, {});
    expect(errorsOf(neither).map((e: { path: string }) => e.path)).toEqual(['body.channel', 'body.body']);
    expect(await sql(owner.accountId, 'SELECT id FROM messages WHERE lead_id = $1', [lead.id])).toEqual([]);

    const sent = await call(owner, 'POST', messagesUrl, { savedReplyId: reply.id, channel: 'email' });
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json()).toMatchObject({ channel: 'email', status: 'queued' });
    const rows = await sql<{
      kind: string;
      subject: string;
      body: string;
      template_id: string;
      channel: string;
    }>(owner.accountId, 'SELECT kind, channel, subject, body, template_id FROM messages WHERE lead_id = $1', [
      lead.id,
    ]);
    const ownerName = (await call(owner, 'GET', '/api/v1/me')).json().user.name;
    const body = `Hi Sam, thanks for coming to the showing.\n\n${ownerName} · ${owner.email}`;
    expect(rows).toEqual([
      { kind: 'manual', channel: 'email', subject: 'About 9 Elm Road', body, template_id: reply.id },
    ]);
    const mail = await until('the email', async () =>
      (await outbox()).find((m) => m.to === 'sam.saved@example.com' && m.subject === 'About 9 Elm Road'),
    );
    expect(mail.body).toContain('Hi Sam, thanks for coming to the showing.');

    // Deleted, the reply is gone; the message keeps its text.
    expect((await call(owner, 'DELETE', `${URL}/${reply.id}`)).statusCode).toBe(204);
    const kept = await sql(owner.accountId, 'SELECT body, template_id FROM messages WHERE lead_id = $1', [
      lead.id,
    ]);
    expect(kept).toEqual([{ body, template_id: null }]);
    const gone = await call(owner, 'POST', messagesUrl, { savedReplyId: reply.id });
    expect(gone.statusCode).toBe(422);
    expect(errorsOf(gone)[0]?.path).toBe('body.savedReplyId');
  });

  it("sends a text saved reply from the account's number (the dev stand-in here), in the lead's quiet hours rule", async () => {
    const owner = await signUp(t.app, 'saved-sms');
    const reply = await create(owner, {
      name: 'On my way',
      channel: 'sms',
      body: 'Hi {{lead.firstName}}, {{agent.name}} here: on my way to {{lead.address}}.',
    });
    await setBranding(t.db, owner.accountId, { display_name: 'Dana Ruiz' });
    const lead = await makeLead(t.db, {
      accountId: owner.accountId,
      fullName: 'Kim Park',
      phoneE164: '+15125550191',
      addressLine: '4 Pine Lane',
    });
    const sent = await call(owner, 'POST', `/api/v1/leads/${lead.id}/messages`, { savedReplyId: reply.id });
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json()).toMatchObject({ channel: 'sms', status: 'queued' });
    const text = 'Hi Kim, Dana Ruiz here: on my way to 4 Pine Lane.';
    expect(
      await sql(
        owner.accountId,
        'SELECT kind, channel, subject, body, from_address, template_id FROM messages WHERE lead_id = $1',
        [lead.id],
      ),
    ).toEqual([
      {
        kind: 'manual',
        channel: 'sms',
        subject: null,
        body: text,
        from_address: '+15005550006',
        template_id: reply.id,
      },
    ]);
    if (sent.json().sendAfter === null) {
      const item = await until('the text', async () => (await outbox()).find((m) => m.to === '+15125550191'));
      expect(item.body).toBe(text);
    }
    const noPhone = await makeLead(t.db, { accountId: owner.accountId, phoneE164: null });
    const refused = await call(owner, 'POST', `/api/v1/leads/${noPhone.id}/messages`, {
      savedReplyId: reply.id,
    });
    expect(refused.statusCode).toBe(422);
    expect(errorsOf(refused)).toEqual([{ path: 'body.channel', message: 'the lead has no phone number' }]);
  });

  it("takes the templates' scopes with an API key, and speaks as the lead's agent (no person behind a key)", async () => {
    const owner = await signUp(t.app, 'saved-key');
    const reply = await create(owner, {
      name: 'Key',
      channel: 'email',
      body: 'Hi {{lead.firstName}}, {{agent.email}}',
    });
    const lead = await makeLead(t.db, {
      accountId: owner.accountId,
      fullName: 'Lou Key',
      email: 'lou@example.com',
    });
    const keyWith = async (scopes: string[]) => {
      const res = await call(owner, 'POST', '/api/v1/api-keys', { name: `k${seq++}`, scopes });
      expect(res.statusCode, res.body).toBe(201);
      const key = res.json().key as string;
      return (method: Method, url: string, payload?: object) =>
        t.app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${key}` },
          ...(payload ? { payload: payload as Record<string, unknown> } : {}),
        });
    };
    const leadsOnly = await keyWith(['leads:read', 'leads:write']);
    expect((await leadsOnly('GET', URL)).statusCode).toBe(403);
    expect((await leadsOnly('POST', URL, { ...showing, name: 'By key' })).statusCode).toBe(403);
    expect((await leadsOnly('POST', `${URL}/${reply.id}/preview`, { leadId: lead.id })).statusCode).toBe(403);
    expect(
      (await leadsOnly('POST', `/api/v1/leads/${lead.id}/messages`, { savedReplyId: reply.id })).statusCode,
    ).toBe(403);
    const reader = await keyWith(['pages:read']);
    expect((await reader('GET', URL)).json().data).toHaveLength(1);
    expect((await reader('POST', URL, { ...showing, name: 'By key' })).statusCode).toBe(403);
    const sender = await keyWith(['leads:read', 'leads:write', 'pages:read']);
    const preview = await sender('POST', `${URL}/${reply.id}/preview`, { leadId: lead.id });
    expect(preview.statusCode, preview.body).toBe(200);
    // The lead is unassigned: its agent is the account's owner.
    expect(preview.json().body).toBe(`Hi Lou, ${owner.email}`);
    const sent = await sender('POST', `/api/v1/leads/${lead.id}/messages`, { savedReplyId: reply.id });
    expect(sent.statusCode, sent.body).toBe(201);
    const writer = await keyWith(['pages:write']);
    const made = await writer('POST', URL, { ...showing, name: 'By key' });
    expect(made.statusCode, made.body).toBe(201);
    expect((await writer('DELETE', `${URL}/${made.json().id}`)).statusCode).toBe(204);
    expect((await writer('DELETE', `${URL}/${crypto.randomUUID()}`)).statusCode).toBe(404);
  });
});
