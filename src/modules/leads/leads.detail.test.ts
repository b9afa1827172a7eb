import { describe, expect, it } from 'vitest';
import { makeLead, makeUser } from '../../../test/factories.ts';
import { asSession, type SignedUp, signUp, useTestApp } from '../../../test/http.ts';

const t = useTestApp();

const call = (p: SignedUp) => asSession(t.app, p.cookie);

async function detail(p: SignedUp, id: string) {
  const res = await call(p)('GET', `/api/v1/leads/${id}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function patch(p: SignedUp, id: string, body: object, status = 200) {
  const res = await call(p)('PATCH', `/api/v1/leads/${id}`, body);
  expect(res.statusCode, res.body).toBe(status);
  return res.json();
}

const hold = (id: string) =>
  t.db.query('UPDATE leads SET is_held = true, held_reason = $2 WHERE id = $1', [id, 'plan_limit']);

describe('GET /api/v1/leads/:id', () => {
  it('shows the lead with its events (newest first) and consent records', async () => {
    const owner = await signUp(t.app, 'detail');
    const lead = await makeLead(t.db, { accountId: owner.accountId, fullName: 'Dee Tail' });
    await t.db.query(
      `INSERT INTO lead_consents (account_id, id, lead_id, given, consent_text, text_hash, text_version, page_url, ip, user_agent)
       VALUES ($1, gen_random_uuid(), $2, true, 'You may call me', 'abc123', 'v1', 'https://x.test/p', '203.0.113.9', 'UA')`,
      [owner.accountId, lead.id],
    );
    await call(owner)('POST', `/api/v1/leads/${lead.id}/notes`, { body: 'Called, left a voicemail' });
    const body = await detail(owner, lead.id);
    expect(body).toMatchObject({ id: lead.id, fullName: 'Dee Tail', masked: false });
    expect(body.events.map((e: { kind: string }) => e.kind)).toEqual(['note', 'created']);
    expect(body.events[0]).toMatchObject({
      payload: { body: 'Called, left a voicemail' },
      actorUserId: owner.userId,
    });
    expect(body.events[1]).toMatchObject({ payload: { source: 'api' }, actorUserId: null });
    expect(body.consents).toEqual([
      {
        id: expect.any(String),
        given: true,
        consentText: 'You may call me',
        textHash: 'abc123',
        textVersion: 'v1',
        pageUrl: 'https://x.test/p',
        ip: '203.0.113.9',
        userAgent: 'UA',
        createdAt: expect.any(String),
      },
    ]);
  });

  it('answers 404 for an unknown or malformed id', async () => {
    const owner = await signUp(t.app, 'missing');
    for (const id of ['00000000-0000-4000-8000-000000000000', 'nope', '1']) {
      for (const [method, url, body] of [
        ['GET', `/api/v1/leads/${id}`, undefined],
        ['PATCH', `/api/v1/leads/${id}`, { status: 'won' }],
        ['POST', `/api/v1/leads/${id}/notes`, { body: 'x' }],
      ] as const) {
        const res = await call(owner)(method, url, body);
        expect(res.statusCode, `${method} ${url}`).toBe(404);
        expect(res.json().code).toBe('LEAD_NOT_FOUND');
      }
    }
  });
});

describe('held leads', () => {
  it('mask contact details in the list, the detail and PATCH answers, and refuse edits to them', async () => {
    const owner = await signUp(t.app, 'masked');
    const lead = await makeLead(t.db, {
      accountId: owner.accountId,
      fullName: 'jane Doe',
      email: 'jane.doe@example.com',
      phoneE164: '+15125550123',
      addressLine: '1 Secret Lane',
      city: 'Austin',
      message: 'Call me at home',
    });
    await t.db.query(
      `INSERT INTO lead_consents (account_id, id, lead_id, given, consent_text, text_hash, ip)
       VALUES ($1, gen_random_uuid(), $2, true, 'ok', 'h', '203.0.113.9')`,
      [owner.accountId, lead.id],
    );
    await t.db.query(
      `INSERT INTO lead_events (account_id, id, lead_id, kind, payload)
       VALUES ($1, gen_random_uuid(), $2, 'resubmitted', '{"submission": {"email": "jane.doe@example.com"}}')`,
      [owner.accountId, lead.id],
    );
    await hold(lead.id);
    const masked = {
      fullName: 'J…',
      email: 'j•••@•••.com',
      phone: '+1•••••••23',
      addressLine: null,
      message: null,
      city: 'Austin',
      isHeld: true,
      heldReason: 'plan_limit',
      masked: true,
    };
    const listed = (await call(owner)('GET', '/api/v1/leads')).json().data[0];
    expect(listed).toMatchObject(masked);
    const shown = await detail(owner, lead.id);
    expect(shown).toMatchObject(masked);
    expect(shown.consents).toEqual([]);
    expect(JSON.stringify(shown)).not.toContain('jane.doe');
    expect(JSON.stringify(shown)).not.toContain('203.0.113.9');

    for (const body of [
      { fullName: 'Jane Doe' },
      { email: 'x@example.com' },
      { phone: null },
      { message: 'x' },
    ]) {
      expect((await patch(owner, lead.id, body, 409)).code).toBe('LEAD_HELD');
    }
    // Status and assignment may change; the answer stays masked.
    const changed = await patch(owner, lead.id, { status: 'contacted', city: 'Round Rock' });
    expect(changed).toMatchObject({ ...masked, city: 'Round Rock', status: 'contacted' });
  });
});

describe('PATCH /api/v1/leads/:id', () => {
  it('moves through the lifecycle, stamping each stage once, with status_changed events', async () => {
    const owner = await signUp(t.app, 'life');
    const lead = await makeLead(t.db, { accountId: owner.accountId });
    expect(lead.firstResponseAt).toBeNull();
    const contacted = await patch(owner, lead.id, { status: 'contacted' });
    expect(contacted.contactedAt).not.toBeNull();
    expect(contacted.firstResponseAt).toBe(contacted.contactedAt);
    const qualified = await patch(owner, lead.id, { status: 'qualified' });
    await patch(owner, lead.id, { status: 'contacted' });
    const again = await patch(owner, lead.id, { status: 'quoted' });
    expect(again.contactedAt).toBe(contacted.contactedAt); // kept from the first time
    expect(again.qualifiedAt).toBe(qualified.qualifiedAt);
    expect(again.firstResponseAt).toBe(contacted.firstResponseAt);
    expect(again.quotedAt).not.toBeNull();

    const noReason = await patch(owner, lead.id, { status: 'lost' }, 422);
    expect(noReason.errors.map((e: { path: string }) => e.path)).toContain('body.lostReason');
    const lost = await patch(owner, lead.id, { status: 'lost', lostReason: 'Went with another agent' });
    expect(lost).toMatchObject({ status: 'lost', lostReason: 'Went with another agent' });
    expect(lost.lostAt).not.toBeNull();
    expect(lost.closedAt).toBe(lost.lostAt);
    expect((await patch(owner, lead.id, { lostReason: 'Price' })).lostReason).toBe('Price');

    const reopened = await patch(owner, lead.id, { status: 'booked' });
    expect(reopened).toMatchObject({
      status: 'booked',
      lostReason: null,
      closedAt: null,
      lostAt: lost.lostAt,
    });
    expect((await patch(owner, lead.id, { lostReason: 'x' }, 422)).errors[0].path).toBe('body.lostReason');
    const won = await patch(owner, lead.id, { status: 'won' });
    expect(won.wonAt).not.toBeNull();
    expect(won.closedAt).toBe(won.wonAt);
    expect(won.bookedAt).toBe(reopened.bookedAt);

    const events = (await detail(owner, lead.id)).events.filter(
      (e: { kind: string }) => e.kind === 'status_changed',
    );
    expect(events.map((e: { payload: unknown }) => e.payload).reverse()).toEqual([
      { from: 'new', to: 'contacted' },
      { from: 'contacted', to: 'qualified' },
      { from: 'qualified', to: 'contacted' },
      { from: 'contacted', to: 'quoted' },
      { from: 'quoted', to: 'lost', lostReason: 'Went with another agent' },
      { from: 'lost', to: 'booked' },
      { from: 'booked', to: 'won' },
    ]);
    expect(events.every((e: { actorUserId: string }) => e.actorUserId === owner.userId)).toBe(true);
  });

  it('recovers a spam lead by moving it to another status', async () => {
    const owner = await signUp(t.app, 'spam');
    const lead = await makeLead(t.db, { accountId: owner.accountId });
    const spam = await patch(owner, lead.id, { status: 'spam' });
    expect(spam).toMatchObject({ status: 'spam', spamReason: 'manual', firstResponseAt: null });
    expect((await call(owner)('GET', '/api/v1/leads')).json().data).toEqual([]);
    const back = await patch(owner, lead.id, { status: 'new' });
    expect(back).toMatchObject({ status: 'new', spamReason: null, firstResponseAt: null });
    expect((await call(owner)('GET', '/api/v1/leads')).json().data.map((l: { id: string }) => l.id)).toEqual([
      lead.id,
    ]);
  });

  it('assigns members only, and records assignments and field edits by name', async () => {
    const owner = await signUp(t.app, 'assign');
    const member = await makeUser(t.db, { accountId: owner.accountId });
    const outsider = await signUp(t.app, 'outsider');
    const lead = await makeLead(t.db, { accountId: owner.accountId, email: 'old@example.com' });
    const bad = await patch(owner, lead.id, { assignedUserId: outsider.userId }, 422);
    expect(bad.errors.map((e: { path: string }) => e.path)).toEqual(['body.assignedUserId']);
    expect((await patch(owner, lead.id, { assignedUserId: member.id })).assignedUserId).toBe(member.id);
    const edited = await patch(owner, lead.id, {
      fullName: '  New Name ',
      email: 'NEW@Example.com',
      phone: '(512) 555-0199',
      city: 'Austin',
      state: null,
      assignedUserId: member.id, // unchanged: no event
    });
    expect(edited).toMatchObject({
      fullName: 'New Name',
      email: 'new@example.com',
      phone: '+15125550199',
      city: 'Austin',
      assignedUserId: member.id,
    });
    // Repeating the same values changes nothing and writes nothing.
    const before = await detail(owner, lead.id);
    await patch(owner, lead.id, { fullName: 'New Name', city: 'Austin' });
    expect((await detail(owner, lead.id)).events).toEqual(before.events);
    expect((await patch(owner, lead.id, { assignedUserId: null })).assignedUserId).toBeNull();

    const events = (await detail(owner, lead.id)).events;
    expect(events.map((e: { kind: string; payload: unknown }) => [e.kind, e.payload]).reverse()).toEqual([
      ['created', { source: 'api' }],
      ['assigned', { from: null, to: member.id }],
      ['updated', { fields: ['fullName', 'city', 'email', 'phone'] }],
      ['assigned', { from: member.id, to: null }],
    ]);
    expect(JSON.stringify(events)).not.toContain('New Name');
  });

  it('refuses bad values with 422 naming the field', async () => {
    const owner = await signUp(t.app, 'badpatch');
    const lead = await makeLead(t.db, { accountId: owner.accountId, phoneE164: null });
    for (const [body, path] of [
      [{ status: 'open' }, 'body.status'],
      [{ email: 'not-an-email' }, 'body.email'],
      [{ phone: '12' }, 'body.phone'],
      [{ email: null }, 'body.email'], // a lead keeps an email or a phone
      [{ assignedUserId: 'someone' }, 'body.assignedUserId'],
      [{ isHeld: false }, 'body'],
      [{ fullName: 'x'.repeat(201) }, 'body.fullName'],
    ] as const) {
      const res = await patch(owner, lead.id, body, 422);
      expect(
        res.errors.map((e: { path: string }) => e.path),
        JSON.stringify(body),
      ).toContain(path);
    }
  });
});

describe('POST /api/v1/leads/:id/notes', () => {
  it('adds a trimmed note as an event and refuses an empty or long one', async () => {
    const owner = await signUp(t.app, 'notes');
    const lead = await makeLead(t.db, { accountId: owner.accountId });
    const res = await call(owner)('POST', `/api/v1/leads/${lead.id}/notes`, {
      body: '  Met at the open house  ',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({
      id: expect.any(String),
      kind: 'note',
      payload: { body: 'Met at the open house' },
      actorUserId: owner.userId,
      createdAt: expect.any(String),
    });
    for (const body of [{ body: '   ' }, { body: 'x'.repeat(10_001) }, {}, { body: 'x', extra: 1 }]) {
      expect((await call(owner)('POST', `/api/v1/leads/${lead.id}/notes`, body)).statusCode).toBe(422);
    }
    expect((await detail(owner, lead.id)).events).toHaveLength(2);
  });
});
