import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { isUuid, withTenant } from '../../db/tenant.ts';
import { AppError, invalid, notFound } from '../../platform/errors.ts';
import {
  type ContactGroupWithCount,
  countMembers,
  deleteGroup,
  deleteMember,
  existingIds,
  findGroups,
  getContact,
  getGroup,
  insertGroup,
  insertMembers,
  updateGroup,
} from './contacts.repo.ts';
import type { CreateContactGroupBody, PatchContactGroupBody } from './contacts.schema.ts';
import { CONTACT_NOT_FOUND } from './contacts.service.ts';

export type { ContactGroupWithCount };

const GROUP_NOT_FOUND = () => notFound('CONTACT_GROUP_NOT_FOUND', 'No such contact group');
const NAME_TAKEN = () =>
  new AppError('conflict', 'CONTACT_GROUP_EXISTS', 'A group with this name already exists', [
    { path: 'body.name', message: 'is already the name of a group' },
  ]);

/** Runs `fn`, turning the name's unique violation into 409 CONTACT_GROUP_EXISTS naming `body.name`. */
async function naming<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isUniqueViolation(error, 'contact_groups_name_key')) throw NAME_TAKEN();
    throw error;
  }
}

export function createContactGroup(
  db: Database,
  accountId: string,
  input: CreateContactGroupBody,
): Promise<ContactGroupWithCount> {
  return naming(() =>
    withTenant(db, accountId, async (tx) => {
      const group = await insertGroup(tx, {
        accountId,
        id: crypto.randomUUID(),
        name: input.name,
        description: input.description ?? null,
      });
      return { ...group, memberCount: 0 };
    }),
  );
}

export async function getContactGroup(
  db: Database,
  accountId: string,
  id: string,
): Promise<ContactGroupWithCount> {
  if (!isUuid(id)) throw GROUP_NOT_FOUND();
  const group = await withTenant(db, accountId, (tx) => getGroup(tx, accountId, id));
  if (!group) throw GROUP_NOT_FOUND();
  return group;
}

/** Renames or redescribes a group; another group's name is a 409. */
export async function patchContactGroup(
  db: Database,
  accountId: string,
  id: string,
  patch: PatchContactGroupBody,
): Promise<ContactGroupWithCount> {
  if (!isUuid(id)) throw GROUP_NOT_FOUND();
  return naming(() =>
    withTenant(db, accountId, async (tx) => {
      const set: { name?: string; description?: string | null } = {};
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.description !== undefined) set.description = patch.description;
      if (Object.keys(set).length > 0 && !(await updateGroup(tx, accountId, id, set)))
        throw GROUP_NOT_FOUND();
      const group = await getGroup(tx, accountId, id);
      if (!group) throw GROUP_NOT_FOUND();
      return group;
    }),
  );
}

/** Deletes a group; its contacts stay (only their membership goes). */
export async function removeContactGroup(db: Database, accountId: string, id: string): Promise<void> {
  if (!isUuid(id)) throw GROUP_NOT_FOUND();
  const deleted = await withTenant(db, accountId, (tx) => deleteGroup(tx, accountId, id));
  if (!deleted) throw GROUP_NOT_FOUND();
}

export type GroupPage = { groups: ContactGroupWithCount[]; nextCursor: string | null };

function encodeGroupCursor(after: { name: string; id: string }): string {
  return Buffer.from(JSON.stringify([after.name, after.id])).toString('base64url');
}

function decodeGroupCursor(raw: string): { name: string; id: string } {
  const bad = () =>
    invalid('CONTACT_GROUP_CURSOR_INVALID', [
      { path: 'querystring.cursor', message: 'is not a valid cursor' },
    ]);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(value) || value.length !== 2) throw bad();
  const [name, id] = value as unknown[];
  if (typeof name !== 'string' || name.length > 100 || !isUuid(id)) throw bad();
  return { name, id: id.toLowerCase() };
}

/** A page of the account's groups in name order, each with its member count. */
export async function listContactGroups(
  db: Database,
  accountId: string,
  options: { limit: number; cursor?: string | undefined },
): Promise<GroupPage> {
  const after = options.cursor ? decodeGroupCursor(options.cursor) : undefined;
  const rows = await withTenant(db, accountId, (tx) => findGroups(tx, accountId, options.limit, after));
  const more = rows.length > options.limit;
  const page = more ? rows.slice(0, options.limit) : rows;
  const last = page[page.length - 1];
  return { groups: page, nextCursor: more && last ? encodeGroupCursor(last) : null };
}

/**
 * Adds one contact to a group; adding a member again changes nothing. A group or contact that
 * is not the account's (another tenant's, unknown, not a uuid) is 404.
 */
export async function addContactToGroup(
  db: Database,
  accountId: string,
  groupId: string,
  contactId: string,
): Promise<void> {
  if (!isUuid(groupId)) throw GROUP_NOT_FOUND();
  if (!isUuid(contactId)) throw CONTACT_NOT_FOUND();
  await withTenant(db, accountId, async (tx) => {
    if (!(await getGroup(tx, accountId, groupId))) throw GROUP_NOT_FOUND();
    if (!(await getContact(tx, accountId, contactId))) throw CONTACT_NOT_FOUND();
    await insertMembers(tx, accountId, groupId, [contactId]);
  });
}

/**
 * Adds several contacts at once, all or none: any id that is not one of the account's contacts
 * is a 422 naming `body.contactIds.<i>` (the group itself, in the path, is a 404).
 */
export async function addContactsToGroup(
  db: Database,
  accountId: string,
  groupId: string,
  contactIds: string[],
): Promise<{ added: number; memberCount: number }> {
  if (!isUuid(groupId)) throw GROUP_NOT_FOUND();
  return withTenant(db, accountId, async (tx) => {
    if (!(await getGroup(tx, accountId, groupId))) throw GROUP_NOT_FOUND();
    const unique = [...new Set(contactIds.map((id) => id.toLowerCase()))];
    const known = await existingIds(tx, accountId, 'contacts', unique);
    const errors = contactIds.flatMap((id, i) =>
      known.has(id.toLowerCase())
        ? []
        : [{ path: `body.contactIds.${i}`, message: 'is not a contact of this account' }],
    );
    if (errors.length > 0) throw invalid('CONTACT_GROUP_MEMBERS_INVALID', errors);
    const added = await insertMembers(tx, accountId, groupId, unique);
    return { added, memberCount: await countMembers(tx, accountId, groupId) };
  });
}

/** Takes a contact out of a group (no change when it was not in it); 404 for a foreign group or contact. */
export async function removeContactFromGroup(
  db: Database,
  accountId: string,
  groupId: string,
  contactId: string,
): Promise<void> {
  if (!isUuid(groupId)) throw GROUP_NOT_FOUND();
  if (!isUuid(contactId)) throw CONTACT_NOT_FOUND();
  await withTenant(db, accountId, async (tx) => {
    if (!(await getGroup(tx, accountId, groupId))) throw GROUP_NOT_FOUND();
    if (!(await getContact(tx, accountId, contactId))) throw CONTACT_NOT_FOUND();
    await deleteMember(tx, accountId, groupId, contactId);
  });
}
