import { describe, expect, it } from 'vitest';
import { asSession, type SignedUp, signUp, TEST_ORIGIN, useTestApp } from '../../../test/http.ts';
import { contactSearchPattern } from './contacts.service.ts';

const t = useTestApp();

const call = (p: SignedUp) => asSession(t.app, p.cookie);
const MISSING = '00000000-0000-4000-8000-000000000000';

describe('contacts', () => {
  it('creates a contact with email and phone normalised the way intake does, and shows it', async () => {
    const owner = await signUp(t.app, 'contacts');
    const res = await call(owner)('POST', '/api/v1/contacts', {
      fullName: '  Ann Lender ',
      email: ' Ann@Example.TEST ',
      phone: '(512) 555-0142',
      type: 'vendor',
      company: 'First Lending',
      notes: 'Pre-approvals',
    });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json();
    expect(created).toEqual({
      id: expect.any(String),
      fullName: 'Ann Lender',
      email: 'ann@example.test',
      phone: '+15125550142',
      type: 'vendor',
      company: 'First Lending',
      notes: 'Pre-approvals',
      groups: [],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const got = await call(owner)('GET', `/api/v1/contacts/${created.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(created);
    // A name alone is a contact too (a vendor known by name).
    expect((await call(owner)('POST', '/api/v1/contacts', { fullName: 'The Plumber' })).statusCode).toBe(201);
  });

  it('answers 422 naming the field for a bad email or phone, or when it has no name, email or phone', async () => {
    const owner = await signUp(t.app, 'contactsbad');
    const cases: [object, string][] = [
      [{ email: 'not an email' }, 'body.email'],
      [{ phone: 'call me' }, 'body.phone'],
      [{ phone: '123' }, 'body.phone'],
      [{}, 'body.fullName'],
      [{ fullName: '   ', email: '', phone: null, company: 'Acme' }, 'body.fullName'],
      [{ fullName: 'x', groupIds: [MISSING] }, 'body.groupIds.0'],
      [{ fullName: 'x', groupIds: ['nope'] }, 'body.groupIds.0'],
      [{ fullName: 'x', surprise: 1 }, 'body'],
    ];
    for (const [body, path] of cases) {
      const res = await call(owner)('POST', '/api/v1/contacts', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      const paths = res.json().errors.map((e: { path: string }) => e.path);
      expect(
        paths.some((p: string) => p === path || p.startsWith(path)),
        `${JSON.stringify(body)} ${paths}`,
      ).toBe(true);
    }
    expect((await call(owner)('GET', '/api/v1/contacts')).json().data).toEqual([]);
  });

  it('answers 409 CONTACT_EXISTS with the existing contact when the email or phone is taken', async () => {
    const owner = await signUp(t.app, 'contactsdup');
    const first = (
      await call(owner)('POST', '/api/v1/contacts', { email: 'pat@example.test', phone: '+15125550101' })
    ).json();
    const byEmail = await call(owner)('POST', '/api/v1/contacts', {
      fullName: 'Pat',
      email: 'PAT@example.test',
    });
    expect(byEmail.statusCode).toBe(409);
    expect(byEmail.json()).toMatchObject({
      code: 'CONTACT_EXISTS',
      errors: [{ path: 'body.email', message: `already belongs to contact ${first.id}` }],
    });
    expect(byEmail.headers.location).toBe(`/api/v1/contacts/${first.id}`);
    const byPhone = await call(owner)('POST', '/api/v1/contacts', { phone: '512-555-0101' });
    expect(byPhone.statusCode).toBe(409);
    expect(byPhone.json().errors[0].path).toBe('body.phone');

    // A patch onto another contact's address is refused the same way; its own address is fine.
    const other = (await call(owner)('POST', '/api/v1/contacts', { email: 'other@example.test' })).json();
    const clash = await call(owner)('PATCH', `/api/v1/contacts/${other.id}`, { email: 'pat@example.test' });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().code).toBe('CONTACT_EXISTS');
    const same = await call(owner)('PATCH', `/api/v1/contacts/${first.id}`, { email: 'Pat@Example.test' });
    expect(same.statusCode, same.body).toBe(200);

    // Another account may have the same person.
    const elsewhere = await signUp(t.app, 'contactsdup2');
    expect(
      (await call(elsewhere)('POST', '/api/v1/contacts', { email: 'pat@example.test' })).statusCode,
    ).toBe(201);
  });

  it('two creates of one address at once make one contact', async () => {
    const owner = await signUp(t.app, 'contactsrace');
    const answers = await Promise.all(
      [0, 1, 2].map(() => call(owner)('POST', '/api/v1/contacts', { email: 'race@example.test' })),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409, 409]);
    expect((await call(owner)('GET', '/api/v1/contacts?q=race')).json().data).toHaveLength(1);
  });

  it('patches fields, clears them with null, keeps a name, email or phone, and deletes', async () => {
    const owner = await signUp(t.app, 'contactspatch');
    const c = (
      await call(owner)('POST', '/api/v1/contacts', { fullName: 'Sam', email: 'sam@example.test' })
    ).json();
    const patched = await call(owner)('PATCH', `/api/v1/contacts/${c.id}`, {
      phone: '+1 512 555 0199',
      company: 'Sam Co',
      email: null,
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      fullName: 'Sam',
      email: null,
      phone: '+15125550199',
      company: 'Sam Co',
    });
    expect(Date.parse(patched.json().updatedAt)).toBeGreaterThanOrEqual(Date.parse(c.updatedAt));
    const empty = await call(owner)('PATCH', `/api/v1/contacts/${c.id}`, { fullName: null, phone: null });
    expect(empty.statusCode).toBe(422);
    expect(empty.json().errors[0].path).toBe('body.fullName');
    const badPhone = await call(owner)('PATCH', `/api/v1/contacts/${c.id}`, { phone: 'nope' });
    expect(badPhone.json().errors[0].path).toBe('body.phone');
    expect((await call(owner)('GET', `/api/v1/contacts/${c.id}`)).json().phone).toBe('+15125550199');

    expect((await call(owner)('DELETE', `/api/v1/contacts/${c.id}`)).statusCode).toBe(204);
    for (const [method, url] of [
      ['GET', `/api/v1/contacts/${c.id}`],
      ['PATCH', `/api/v1/contacts/${c.id}`],
      ['DELETE', `/api/v1/contacts/${c.id}`],
      ['GET', '/api/v1/contacts/not-a-uuid'],
      ['PATCH', '/api/v1/contacts/not-a-uuid'],
      ['DELETE', `/api/v1/contacts/${MISSING}`],
    ] as const) {
      const res = await call(owner)(method, url, method === 'PATCH' ? { company: 'x' } : undefined);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
  });

  it('lists newest first with search, type and group filters and cursor pages', async () => {
    const owner = await signUp(t.app, 'contactslist');
    const add = async (body: object) =>
      (await call(owner)('POST', '/api/v1/contacts', body)).json().id as string;
    const ann = await add({ fullName: 'Ann Able', email: 'ann@list.test', type: 'Vendor' });
    const bob = await add({ fullName: 'Bob Baker', phone: '(512) 555-0177', type: 'sphere' });
    const cy = await add({ fullName: 'Cy 100%_Sure', type: 'vendor' });
    const group = (await call(owner)('POST', '/api/v1/contact-groups', { name: 'Vendors' })).json();
    await call(owner)('PUT', `/api/v1/contact-groups/${group.id}/members/${ann}`);
    await call(owner)('PUT', `/api/v1/contact-groups/${group.id}/members/${cy}`);

    const ids = async (query: string) =>
      (await call(owner)('GET', `/api/v1/contacts${query}`)).json().data.map((c: { id: string }) => c.id);
    expect(await ids('')).toEqual([cy, bob, ann]);
    expect(await ids('?q=baker')).toEqual([bob]);
    expect(await ids('?q=ANN%40LIST')).toEqual([ann]);
    expect(await ids('?q=(512)%20555-01')).toEqual([bob]);
    expect(await ids('?q=100%25_')).toEqual([cy]);
    expect(await ids('?q=%25')).toEqual([cy]);
    expect(await ids('?type=vendor')).toEqual([cy, ann]);
    expect(await ids(`?groupId=${group.id}`)).toEqual([cy, ann]);
    expect(await ids(`?groupId=${group.id}&q=able`)).toEqual([ann]);
    expect(await ids(`?groupId=${MISSING}`)).toEqual([]);
    expect((await call(owner)('GET', '/api/v1/contacts?groupId=nope')).statusCode).toBe(422);

    const first = (await call(owner)('GET', '/api/v1/contacts?limit=2')).json();
    expect(first.data.map((c: { id: string }) => c.id)).toEqual([cy, bob]);
    const second = (await call(owner)('GET', `/api/v1/contacts?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second).toMatchObject({ data: [{ id: ann }], nextCursor: null });
    const bad = await call(owner)('GET', '/api/v1/contacts?cursor=garbage');
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors[0].path).toBe('querystring.cursor');
  });

  it('files contacts in groups: detail shows groups, counts, idempotent add, remove, bulk add, 404s', async () => {
    const owner = await signUp(t.app, 'groups');
    const group = await call(owner)('POST', '/api/v1/contact-groups', {
      name: 'Past clients',
      description: '2025',
    });
    expect(group.statusCode, group.body).toBe(201);
    const g = group.json();
    expect(g).toEqual({
      id: expect.any(String),
      name: 'Past clients',
      description: '2025',
      memberCount: 0,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const dup = await call(owner)('POST', '/api/v1/contact-groups', { name: 'Past clients' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ code: 'CONTACT_GROUP_EXISTS', errors: [{ path: 'body.name' }] });
    expect((await call(owner)('POST', '/api/v1/contact-groups', { name: '' })).statusCode).toBe(422);

    const c1 = (
      await call(owner)('POST', '/api/v1/contacts', { fullName: 'One', groupIds: [g.id, g.id] })
    ).json();
    expect(c1.groups).toEqual([{ id: g.id, name: 'Past clients' }]);
    const c2 = (await call(owner)('POST', '/api/v1/contacts', { fullName: 'Two' })).json();
    const c3 = (await call(owner)('POST', '/api/v1/contacts', { fullName: 'Three' })).json();

    const put = (contactId: string) =>
      call(owner)('PUT', `/api/v1/contact-groups/${g.id}/members/${contactId}`);
    expect((await put(c2.id)).statusCode).toBe(204);
    expect((await put(c2.id)).statusCode).toBe(204);
    expect((await call(owner)('GET', `/api/v1/contact-groups/${g.id}`)).json().memberCount).toBe(2);
    expect((await call(owner)('GET', `/api/v1/contacts/${c2.id}`)).json().groups).toEqual([
      { id: g.id, name: 'Past clients' },
    ]);

    const bulk = await call(owner)('POST', `/api/v1/contact-groups/${g.id}/members`, {
      contactIds: [c1.id, c3.id, c3.id],
    });
    expect(bulk.statusCode, bulk.body).toBe(200);
    expect(bulk.json()).toEqual({ added: 1, memberCount: 3 });
    const foreign = await call(owner)('POST', `/api/v1/contact-groups/${g.id}/members`, {
      contactIds: [c1.id, MISSING],
    });
    expect(foreign.statusCode).toBe(422);
    expect(foreign.json().errors).toEqual([{ path: 'body.contactIds.1', message: expect.any(String) }]);

    const del = call(owner)('DELETE', `/api/v1/contact-groups/${g.id}/members/${c2.id}`);
    expect((await del).statusCode).toBe(204);
    expect((await call(owner)('DELETE', `/api/v1/contact-groups/${g.id}/members/${c2.id}`)).statusCode).toBe(
      204,
    );
    expect((await call(owner)('GET', `/api/v1/contacts/${c2.id}`)).json().groups).toEqual([]);

    for (const url of [
      `/api/v1/contact-groups/${g.id}/members/${MISSING}`,
      `/api/v1/contact-groups/${g.id}/members/nope`,
      `/api/v1/contact-groups/${MISSING}/members/${c1.id}`,
      `/api/v1/contact-groups/nope/members/${c1.id}`,
    ]) {
      expect((await call(owner)('PUT', url)).statusCode, url).toBe(404);
      expect((await call(owner)('DELETE', url)).statusCode, url).toBe(404);
    }

    const list = (await call(owner)('GET', '/api/v1/contact-groups')).json();
    expect(list).toEqual({ data: [expect.objectContaining({ id: g.id, memberCount: 2 })], nextCursor: null });

    const renamed = await call(owner)('PATCH', `/api/v1/contact-groups/${g.id}`, {
      name: 'Clients',
      description: null,
    });
    expect(renamed.json()).toMatchObject({ name: 'Clients', description: null, memberCount: 2 });
    await call(owner)('POST', '/api/v1/contact-groups', { name: 'Sphere' });
    const clash = await call(owner)('PATCH', `/api/v1/contact-groups/${g.id}`, { name: 'Sphere' });
    expect(clash.statusCode).toBe(409);

    // Deleting a group keeps its contacts.
    expect((await call(owner)('DELETE', `/api/v1/contact-groups/${g.id}`)).statusCode).toBe(204);
    expect((await call(owner)('GET', `/api/v1/contact-groups/${g.id}`)).statusCode).toBe(404);
    expect((await call(owner)('GET', `/api/v1/contacts/${c1.id}`)).json().groups).toEqual([]);
    // Deleting a contact takes it out of its groups.
    const sphere = (await call(owner)('GET', '/api/v1/contact-groups')).json().data[0];
    await call(owner)('PUT', `/api/v1/contact-groups/${sphere.id}/members/${c3.id}`);
    await call(owner)('DELETE', `/api/v1/contacts/${c3.id}`);
    expect((await call(owner)('GET', `/api/v1/contact-groups/${sphere.id}`)).json().memberCount).toBe(0);
  });

  it('pages groups in name order', async () => {
    const owner = await signUp(t.app, 'groupspage');
    for (const name of ['b', 'a', 'c']) await call(owner)('POST', '/api/v1/contact-groups', { name });
    const first = (await call(owner)('GET', '/api/v1/contact-groups?limit=2')).json();
    expect(first.data.map((g: { name: string }) => g.name)).toEqual(['a', 'b']);
    const next = (
      await call(owner)('GET', `/api/v1/contact-groups?limit=2&cursor=${first.nextCursor}`)
    ).json();
    expect(next).toMatchObject({ data: [{ name: 'c' }], nextCursor: null });
    expect((await call(owner)('GET', '/api/v1/contact-groups?cursor=bad')).statusCode).toBe(422);
  });

  it('honours Idempotency-Key on creating POSTs', async () => {
    const owner = await signUp(t.app, 'contactsidem');
    const post = (url: string, key: string, payload: object) =>
      t.app.inject({
        method: 'POST',
        url,
        cookies: { porchlight_session: owner.cookie },
        headers: { origin: TEST_ORIGIN, 'idempotency-key': key },
        payload: payload as Record<string, unknown>,
      });
    const one = await post('/api/v1/contacts', 'c-1', { email: 'idem@example.test' });
    const again = await post('/api/v1/contacts', 'c-1', { email: 'idem@example.test' });
    expect(one.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(one.json().id);
    expect((await post('/api/v1/contacts', 'c-1', { email: 'other@example.test' })).statusCode).toBe(422);
    const g1 = await post('/api/v1/contact-groups', 'g-1', { name: 'Idem' });
    const g2 = await post('/api/v1/contact-groups', 'g-1', { name: 'Idem' });
    expect(g2.json().id).toBe(g1.json().id);
    expect((await call(owner)('GET', '/api/v1/contacts')).json().data).toHaveLength(1);
  });

  it('is for signed-in members and API keys with the contacts scopes', async () => {
    const owner = await signUp(t.app, 'contactsauth');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/contacts' })).statusCode).toBe(401);
    const keyed = async (scopes: string[]) =>
      (await call(owner)('POST', '/api/v1/api-keys', { name: scopes.join(' '), scopes })).json()
        .key as string;
    const readKey = await keyed(['contacts:read']);
    const writeKey = await keyed(['contacts:read', 'contacts:write']);
    const as = (key: string, method: 'GET' | 'POST', url: string, payload?: object) =>
      t.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${key}` },
        ...(payload ? { payload: payload as Record<string, unknown> } : {}),
      });
    expect((await as(readKey, 'GET', '/api/v1/contacts')).statusCode).toBe(200);
    expect((await as(writeKey, 'POST', '/api/v1/contacts', { fullName: 'By key' })).statusCode).toBe(201);
    expect((await as(writeKey, 'POST', '/api/v1/contact-groups', { name: 'By key' })).statusCode).toBe(201);
  });

  it('builds search patterns', () => {
    expect(contactSearchPattern('(512) 555-01')).toBe('51255501');
    expect(contactSearchPattern('+1 512')).toBe('+1512');
    expect(contactSearchPattern('50%_off\\')).toBe('50\\%\\_off\\\\');
    expect(contactSearchPattern(' ann ')).toBe('ann');
  });
});
