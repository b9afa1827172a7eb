import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { isUuid, withTenant } from '../../db/tenant.ts';
import { normalizeEmail, normalizePhone } from '../../platform/contact.ts';
import { decodeTimeCursor, encodeTimeCursor } from '../../platform/cursor.ts';
import { AppError, type FieldError, invalid, notFound } from '../../platform/errors.ts';
import {
  type Contact,
  deleteContact,
  existingIds,
  findContacts,
  findContactWith,
  findGroupsOfContact,
  getAccountCountry,
  getContact,
  insertContact,
  insertMemberships,
  lockContactKeys,
  type NewContact,
  updateContact,
} from './contacts.repo.ts';
import type { ContactListQuery, CreateContactBody, PatchContactBody } from './contacts.schema.ts';

export type { Contact };
export type ContactDetail = { contact: Contact; groups: { id: string; name: string }[] };

export const CONTACT_NOT_FOUND = () => notFound('CONTACT_NOT_FOUND', 'No such contact');

const PHONE_LIKE = /^\+?[\d\s().-]+$/;

/**
 * The ILIKE pattern's middle for a search text: LIKE's wildcards escaped, and a text that
 * looks like a phone number stripped of its formatting ("(512) 555-01" finds +1512555…), as
 * phones are stored in E.164.
 */
export function contactSearchPattern(q: string): string {
  let text = q.trim();
  if (PHONE_LIKE.test(text)) {
    const digits = text.replace(/[^\d+]/g, '');
    if (digits.replace(/\+/g, '').length >= 2) text = digits;
  }
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The columns a create or patch writes: email lower-cased and checked, phone read in the
 * account's country into E.164 (as intake does). Undefined fields are left out (a patch keeps
 * them); null clears. Errors name `body.<field>`.
 */
function contactColumns(input: PatchContactBody, country: string, errors: FieldError[]): Partial<NewContact> {
  const set: Partial<NewContact> = {};
  if (input.fullName !== undefined) set.fullName = input.fullName;
  if (input.type !== undefined) set.type = input.type;
  if (input.company !== undefined) set.company = input.company;
  if (input.notes !== undefined) set.notes = input.notes;
  if (input.email !== undefined) {
    if (input.email === null) set.email = null;
    else {
      const email = normalizeEmail(input.email);
      if (email) set.email = email;
      else errors.push({ path: 'body.email', message: 'is not an email address' });
    }
  }
  if (input.phone !== undefined) {
    if (input.phone === null) set.phoneE164 = null;
    else {
      const phone = normalizePhone(input.phone, country);
      if (phone) set.phoneE164 = phone;
      else errors.push({ path: 'body.phone', message: 'is not a valid phone number' });
    }
  }
  return set;
}

const NEEDS_ONE = { path: 'body.fullName', message: 'give a name, an email address or a phone number' };

function exists(found: { id: string; field: 'email' | 'phone' }): AppError {
  const what = found.field === 'email' ? 'email address' : 'phone number';
  return new AppError(
    'conflict',
    'CONTACT_EXISTS',
    `Contact ${found.id} already has this ${what}`,
    [{ path: `body.${found.field}`, message: `already belongs to contact ${found.id}` }],
    { location: `/api/v1/contacts/${found.id}` },
  );
}

/**
 * Creates a contact, filed in `groupIds` (each must be one of the account's groups: 422 naming
 * `body.groupIds.<i>`). An email or phone that already belongs to one of the account's contacts
 * is a 409 CONTACT_EXISTS naming the field and the existing contact (also in `Location`): a
 * contact is a person, and two records of one person would split their history.
 */
export async function createContact(
  db: Database,
  accountId: string,
  input: CreateContactBody,
): Promise<ContactDetail> {
  return withTenant(db, accountId, async (tx) => {
    const errors: FieldError[] = [];
    const set = contactColumns(input, await getAccountCountry(tx, accountId), errors);
    if (!set.fullName && !set.email && !set.phoneE164 && errors.length === 0) errors.push(NEEDS_ONE);
    const groupIds = [...new Set(input.groupIds ?? [])];
    const known = await existingIds(tx, accountId, 'groups', groupIds);
    (input.groupIds ?? []).forEach((id, i) => {
      if (!known.has(id))
        errors.push({ path: `body.groupIds.${i}`, message: 'is not a group of this account' });
    });
    if (errors.length > 0) throw invalid('CONTACT_INVALID', errors);
    await lockContactKeys(tx, accountId, set);
    const found = await findContactWith(tx, accountId, set);
    if (found) throw exists(found);
    const contact = await insertContact(tx, { ...set, accountId, id: crypto.randomUUID() });
    await insertMemberships(tx, accountId, contact.id, groupIds);
    return { contact, groups: await findGroupsOfContact(tx, accountId, contact.id) };
  });
}

/** A contact with its groups; any id that is not one of the account's contacts is 404. */
export async function getContactDetail(db: Database, accountId: string, id: string): Promise<ContactDetail> {
  if (!isUuid(id)) throw CONTACT_NOT_FOUND();
  return withTenant(
    db,
    accountId,
    async (tx) => {
      const contact = await getContact(tx, accountId, id);
      if (!contact) throw CONTACT_NOT_FOUND();
      return { contact, groups: await findGroupsOfContact(tx, accountId, id) };
    },
    { snapshot: true },
  );
}

/**
 * Changes the given fields (null clears one). The contact must keep a name, an email or a
 * phone (422), and a new email or phone must not be another contact's (409 CONTACT_EXISTS).
 */
export async function patchContact(
  db: Database,
  accountId: string,
  id: string,
  patch: PatchContactBody,
): Promise<ContactDetail> {
  if (!isUuid(id)) throw CONTACT_NOT_FOUND();
  return withTenant(db, accountId, async (tx) => {
    const current = await getContact(tx, accountId, id, true);
    if (!current) throw CONTACT_NOT_FOUND();
    const errors: FieldError[] = [];
    const set = contactColumns(patch, await getAccountCountry(tx, accountId), errors);
    const after = { ...current, ...set };
    if (!after.fullName && !after.email && !after.phoneE164 && errors.length === 0) errors.push(NEEDS_ONE);
    if (errors.length > 0) throw invalid('CONTACT_INVALID', errors);
    const claims = {
      email: set.email && set.email !== current.email ? set.email : null,
      phoneE164: set.phoneE164 && set.phoneE164 !== current.phoneE164 ? set.phoneE164 : null,
    };
    await lockContactKeys(tx, accountId, claims);
    const found = await findContactWith(tx, accountId, claims, id);
    if (found) throw exists(found);
    const contact = Object.keys(set).length > 0 ? await updateContact(tx, accountId, id, set) : current;
    return { contact, groups: await findGroupsOfContact(tx, accountId, id) };
  });
}

/** Deletes a contact (its group memberships go with it); 404 when the account has no such contact. */
export async function removeContact(db: Database, accountId: string, id: string): Promise<void> {
  if (!isUuid(id)) throw CONTACT_NOT_FOUND();
  const deleted = await withTenant(db, accountId, (tx) => deleteContact(tx, accountId, id));
  if (!deleted) throw CONTACT_NOT_FOUND();
}

export type ContactPage = { contacts: Contact[]; nextCursor: string | null };

/**
 * A page of the account's contacts, newest first, narrowed by search text, group and type.
 * The cursor is the last row's (created_at, id): rows added meanwhile do not shift pages.
 */
export async function listContacts(
  db: Database,
  accountId: string,
  query: ContactListQuery,
): Promise<ContactPage> {
  const cursor = query.cursor ? decodeTimeCursor(query.cursor, 'CONTACT_CURSOR_INVALID') : undefined;
  const filters = {
    pattern: query.q === undefined ? undefined : contactSearchPattern(query.q),
    groupId: query.groupId,
    type: query.type,
  };
  return withTenant(db, accountId, async (tx) => {
    const rows = await findContacts(tx, accountId, filters, query.limit, cursor);
    const more = rows.length > query.limit;
    const page = more ? rows.slice(0, query.limit) : rows;
    const last = page[page.length - 1];
    return {
      contacts: page.map(({ cursorAt: _c, ...contact }) => contact),
      nextCursor: more && last ? encodeTimeCursor({ at: last.cursorAt, id: last.id }) : null,
    };
  });
}
