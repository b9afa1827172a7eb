import crypto from 'node:crypto';
import { strFromU8, unzipSync } from 'fflate';
import { expect } from 'vitest';
import { as, type Case, type Ctx, expectNotFound } from './kit.ts';

/**
 * Sweep cases for contacts and contact groups, and the account archive: B's session on A's
 * contacts, groups and memberships answers 404 and leaves them as they were; B's lists and
 * archive hold only B's own.
 */

type Seeded = {
  contactId: string;
  groupId: string;
  groupName: string;
  email: string;
  /** A's view of the contact, the group and its members, as seeded. */
  before: string[];
  view: () => Promise<string[]>;
};

/** A contact of A's in a group of A's, and A's view of both (to compare after). */
async function aSeeds(ctx: Ctx): Promise<Seeded> {
  const asA = as(ctx.a, ctx.app);
  const tag = crypto.randomBytes(4).toString('hex');
  const group = await asA('POST', '/api/v1/contact-groups', { name: `A group ${tag}` });
  expect(group.statusCode, group.body).toBe(201);
  const email = `a-contact-${tag}@example.test`;
  const contact = await asA('POST', '/api/v1/contacts', {
    fullName: `A contact ${tag}`,
    email,
    groupIds: [group.json().id],
  });
  expect(contact.statusCode, contact.body).toBe(201);
  const contactId = contact.json().id as string;
  const groupId = group.json().id as string;
  const view = async () => [
    (await asA('GET', `/api/v1/contacts/${contactId}`)).body,
    (await asA('GET', `/api/v1/contact-groups/${groupId}`)).body,
    (await asA('GET', `/api/v1/contacts?groupId=${groupId}`)).body,
  ];
  return { contactId, groupId, groupName: group.json().name, email, before: await view(), view };
}

async function unchanged(s: Seeded) {
  expect(await s.view()).toEqual(s.before);
}

/** A group and a contact of B's own. */
async function bOwns(ctx: Ctx): Promise<{ groupId: string; contactId: string }> {
  const asB = as(ctx.b, ctx.app);
  const tag = crypto.randomBytes(4).toString('hex');
  const groupId = (await asB('POST', '/api/v1/contact-groups', { name: `B group ${tag}` })).json().id;
  const contactId = (await asB('POST', '/api/v1/contacts', { fullName: `B contact ${tag}` })).json().id;
  return { groupId, contactId };
}

export const contactsCases: Record<string, Case> = {
  'GET /api/v1/contacts': async (ctx) => {
    const s = await aSeeds(ctx);
    for (const query of ['', `?q=${encodeURIComponent(s.email)}`, `?groupId=${s.groupId}`]) {
      const res = await as(ctx.b, ctx.app)('GET', `/api/v1/contacts${query}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.body).not.toContain(s.contactId);
      expect(res.body).not.toContain(s.email);
    }
    expect((await as(ctx.b, ctx.app)('GET', `/api/v1/contacts?groupId=${s.groupId}`)).json().data).toEqual(
      [],
    );
  },
  // B's contact with A's address is B's own (no 409 across tenants); A's group is not B's to file it in.
  'POST /api/v1/contacts': async (ctx) => {
    const s = await aSeeds(ctx);
    const intoA = await as(ctx.b, ctx.app)('POST', '/api/v1/contacts', {
      fullName: 'x',
      groupIds: [s.groupId],
    });
    expect(intoA.statusCode).toBe(422);
    expect(intoA.json().errors[0].path).toBe('body.groupIds.0');
    const same = await as(ctx.b, ctx.app)('POST', '/api/v1/contacts', { email: s.email });
    expect(same.statusCode, same.body).toBe(201);
    expect(same.json().id).not.toBe(s.contactId);
    await unchanged(s);
  },
  'GET /api/v1/contacts/:id': async (ctx) => {
    const s = await aSeeds(ctx);
    expectNotFound(await as(ctx.b, ctx.app)('GET', `/api/v1/contacts/${s.contactId}`));
  },
  'PATCH /api/v1/contacts/:id': async (ctx) => {
    const s = await aSeeds(ctx);
    expectNotFound(
      await as(ctx.b, ctx.app)('PATCH', `/api/v1/contacts/${s.contactId}`, { fullName: 'Renamed by B' }),
    );
    await unchanged(s);
  },
  'DELETE /api/v1/contacts/:id': async (ctx) => {
    const s = await aSeeds(ctx);
    expectNotFound(await as(ctx.b, ctx.app)('DELETE', `/api/v1/contacts/${s.contactId}`));
    await unchanged(s);
  },
  'GET /api/v1/contact-groups': async (ctx) => {
    const s = await aSeeds(ctx);
    const res = await as(ctx.b, ctx.app)('GET', '/api/v1/contact-groups');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(s.groupId);
  },
  // B may use the name A uses: group names are unique per account.
  'POST /api/v1/contact-groups': async (ctx) => {
    const s = await aSeeds(ctx);
    const res = await as(ctx.b, ctx.app)('POST', '/api/v1/contact-groups', { name: s.groupName });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ name: s.groupName, memberCount: 0 });
    await unchanged(s);
  },
  'GET /api/v1/contact-groups/:id': async (ctx) => {
    const s = await aSeeds(ctx);
    expectNotFound(await as(ctx.b, ctx.app)('GET', `/api/v1/contact-groups/${s.groupId}`));
  },
  'PATCH /api/v1/contact-groups/:id': async (ctx) => {
    const s = await aSeeds(ctx);
    expectNotFound(
      await as(ctx.b, ctx.app)('PATCH', `/api/v1/contact-groups/${s.groupId}`, { name: 'By B' }),
    );
    await unchanged(s);
  },
  'DELETE /api/v1/contact-groups/:id': async (ctx) => {
    const s = await aSeeds(ctx);
    expectNotFound(await as(ctx.b, ctx.app)('DELETE', `/api/v1/contact-groups/${s.groupId}`));
    await unchanged(s);
  },
  // A's group: 404. B's group with A's contact: 422 naming it, nothing added.
  'POST /api/v1/contact-groups/:id/members': async (ctx) => {
    const s = await aSeeds(ctx);
    const b = await bOwns(ctx);
    expectNotFound(
      await as(ctx.b, ctx.app)('POST', `/api/v1/contact-groups/${s.groupId}/members`, {
        contactIds: [b.contactId],
      }),
    );
    const res = await as(ctx.b, ctx.app)('POST', `/api/v1/contact-groups/${b.groupId}/members`, {
      contactIds: [b.contactId, s.contactId],
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([{ path: 'body.contactIds.1', message: expect.any(String) }]);
    expect((await as(ctx.b, ctx.app)('GET', `/api/v1/contact-groups/${b.groupId}`)).json().memberCount).toBe(
      0,
    );
    await unchanged(s);
  },
  // Any pairing with one of A's ids is 404: A's group with A's or B's contact, B's group with A's contact.
  'PUT /api/v1/contact-groups/:id/members/:contactId': async (ctx) => {
    const s = await aSeeds(ctx);
    const b = await bOwns(ctx);
    for (const [group, contact] of [
      [s.groupId, s.contactId],
      [s.groupId, b.contactId],
      [b.groupId, s.contactId],
    ]) {
      expectNotFound(await as(ctx.b, ctx.app)('PUT', `/api/v1/contact-groups/${group}/members/${contact}`));
    }
    expect((await as(ctx.b, ctx.app)('GET', `/api/v1/contact-groups/${b.groupId}`)).json().memberCount).toBe(
      0,
    );
    await unchanged(s);
  },
  'DELETE /api/v1/contact-groups/:id/members/:contactId': async (ctx) => {
    const s = await aSeeds(ctx);
    const b = await bOwns(ctx);
    for (const [group, contact] of [
      [s.groupId, s.contactId],
      [b.groupId, s.contactId],
    ]) {
      expectNotFound(
        await as(ctx.b, ctx.app)('DELETE', `/api/v1/contact-groups/${group}/members/${contact}`),
      );
    }
    await unchanged(s);
  },
};

/** B's archive is B's: none of A's ids or addresses in any file. */
export const accountExportCases: Record<string, Case> = {
  'GET /api/v1/account/export': async (ctx) => {
    const s = await aSeeds(ctx);
    const res = await as(ctx.b, ctx.app)('GET', '/api/v1/account/export');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    const files = unzipSync(new Uint8Array(res.rawPayload));
    const manifest = JSON.parse(strFromU8(files['manifest.json']!));
    expect(manifest.accountId).toBe(ctx.b.accountId);
    for (const [name, bytes] of Object.entries(files)) {
      const text = strFromU8(bytes);
      for (const foreign of [ctx.a.accountId, ctx.a.userId, ctx.a.email, s.contactId, s.groupId, s.email]) {
        expect(text, `${name} holds A's ${foreign}`).not.toContain(foreign);
      }
    }
  },
};
