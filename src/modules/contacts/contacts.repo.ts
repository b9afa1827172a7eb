import { and, asc, count, desc, eq, getTableColumns, inArray, type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { accounts, contactGroupMembers, contactGroups, contacts } from '../../db/schema/index.ts';
import type { TimeCursor } from '../../platform/cursor.ts';

export type Contact = typeof contacts.$inferSelect;
export type NewContact = typeof contacts.$inferInsert;
export type ContactGroup = typeof contactGroups.$inferSelect;
export type ContactGroupWithCount = ContactGroup & { memberCount: number };

export type ContactFilters = {
  /** The ILIKE pattern's middle, already escaped (see contactSearchPattern). */
  pattern?: string | undefined;
  groupId?: string | undefined;
  type?: string | undefined;
};

/** The account's country: phones are read in it. */
export async function getAccountCountry(tx: Tx, accountId: string): Promise<string> {
  const [row] = await tx
    .select({ country: accounts.country })
    .from(accounts)
    .where(eq(accounts.id, accountId))
    .limit(1);
  return row?.country ?? 'US';
}

/**
 * Serializes writes that claim an email or phone in the account (transaction-scoped advisory
 * locks, in a fixed order, as intake does): two creates of one address cannot both pass the
 * duplicate check.
 */
export async function lockContactKeys(
  tx: Tx,
  accountId: string,
  keys: { email?: string | null | undefined; phoneE164?: string | null | undefined },
): Promise<void> {
  const wanted = [
    keys.email ? `contact:e:${keys.email.toLowerCase()}` : null,
    keys.phoneE164 ? `contact:p:${keys.phoneE164}` : null,
  ].filter((k): k is string => k !== null);
  // One fixed order (the keys sorted) in every transaction: two writers cannot deadlock.
  for (const key of wanted.sort()) {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${accountId}:${key}`}, 0))`);
  }
}

/**
 * Another contact of the account with this email (by email_key: citext's = is not leakproof,
 * so under forced RLS only the text key can use the index) or this phone, if any.
 */
export async function findContactWith(
  tx: Tx,
  accountId: string,
  keys: { email?: string | null | undefined; phoneE164?: string | null | undefined },
  exceptId?: string,
): Promise<{ id: string; field: 'email' | 'phone' } | undefined> {
  const except = exceptId ? sql` AND id <> ${exceptId}::uuid` : sql``;
  if (keys.email) {
    const rows = await tx
      .select({ id: contacts.id })
      .from(contacts)
      .where(
        sql`${contacts.accountId} = ${accountId} AND ${contacts.emailKey} = ${keys.email.toLowerCase()}${except}`,
      )
      .limit(1);
    if (rows[0]) return { id: rows[0].id, field: 'email' };
  }
  if (keys.phoneE164) {
    const rows = await tx
      .select({ id: contacts.id })
      .from(contacts)
      .where(sql`${contacts.accountId} = ${accountId} AND ${contacts.phoneE164} = ${keys.phoneE164}${except}`)
      .limit(1);
    if (rows[0]) return { id: rows[0].id, field: 'phone' };
  }
  return undefined;
}

export async function insertContact(tx: Tx, row: NewContact): Promise<Contact> {
  const [created] = await tx.insert(contacts).values(row).returning();
  return created!;
}

export async function getContact(tx: Tx, accountId: string, id: string, forUpdate = false) {
  const query = tx
    .select()
    .from(contacts)
    .where(and(eq(contacts.accountId, accountId), eq(contacts.id, id)))
    .limit(1);
  const [row] = forUpdate ? await query.for('update') : await query;
  return row;
}

export async function updateContact(
  tx: Tx,
  accountId: string,
  id: string,
  set: Partial<NewContact>,
): Promise<Contact> {
  const [row] = await tx
    .update(contacts)
    .set({ ...set, updatedAt: sql`now()` })
    .where(and(eq(contacts.accountId, accountId), eq(contacts.id, id)))
    .returning();
  return row!;
}

export async function deleteContact(tx: Tx, accountId: string, id: string): Promise<boolean> {
  const rows = await tx
    .delete(contacts)
    .where(and(eq(contacts.accountId, accountId), eq(contacts.id, id)))
    .returning({ id: contacts.id });
  return rows.length > 0;
}

/** The cursor position of a row: created_at with its microseconds, in UTC (see platform/cursor.ts). */
const cursorAt = sql<string>`to_char(${contacts.createdAt} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * One page of the account's contacts, newest first (the order of contacts_account_created_idx),
 * after `cursor`, one row more than `limit` so the caller knows whether there is a next page.
 */
export function findContacts(
  tx: Tx,
  accountId: string,
  f: ContactFilters,
  limit: number,
  cursor?: TimeCursor,
) {
  const where: SQL[] = [eq(contacts.accountId, accountId)];
  if (f.pattern !== undefined) {
    where.push(
      sql`(coalesce(${contacts.fullName}, '') || ' ' || coalesce(${contacts.email}::text, '') || ' ' || coalesce(${contacts.phoneE164}, '')) ILIKE '%' || ${f.pattern} || '%'`,
    );
  }
  if (f.type !== undefined) where.push(sql`lower(${contacts.type}) = lower(${f.type})`);
  if (f.groupId !== undefined) {
    where.push(
      sql`EXISTS (SELECT 1 FROM ${contactGroupMembers} m WHERE m.account_id = ${accountId}
        AND m.group_id = ${f.groupId}::uuid AND m.contact_id = ${contacts.id})`,
    );
  }
  if (cursor) {
    where.push(
      sql`(${contacts.createdAt}, ${contacts.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`,
    );
  }
  return tx
    .select({ ...getTableColumns(contacts), cursorAt })
    .from(contacts)
    .where(and(...where))
    .orderBy(desc(contacts.createdAt), desc(contacts.id))
    .limit(limit + 1);
}

/** The groups a contact is in, by name. */
export function findGroupsOfContact(tx: Tx, accountId: string, contactId: string) {
  return tx
    .select({ id: contactGroups.id, name: contactGroups.name })
    .from(contactGroupMembers)
    .innerJoin(
      contactGroups,
      and(
        eq(contactGroups.accountId, contactGroupMembers.accountId),
        eq(contactGroups.id, contactGroupMembers.groupId),
      ),
    )
    .where(and(eq(contactGroupMembers.accountId, accountId), eq(contactGroupMembers.contactId, contactId)))
    .orderBy(asc(contactGroups.name), asc(contactGroups.id));
}

/** Which of `ids` are the account's groups (or contacts, with `table`). */
export async function existingIds(
  tx: Tx,
  accountId: string,
  table: 'groups' | 'contacts',
  ids: string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const t = table === 'groups' ? contactGroups : contacts;
  const rows = await tx
    .select({ id: t.id })
    .from(t)
    .where(and(eq(t.accountId, accountId), inArray(t.id, ids)));
  return new Set(rows.map((r) => r.id));
}

/** Adds contacts to a group; members already in it stay as they were. Returns how many were added. */
export async function insertMembers(
  tx: Tx,
  accountId: string,
  groupId: string,
  contactIds: string[],
): Promise<number> {
  if (contactIds.length === 0) return 0;
  const rows = await tx
    .insert(contactGroupMembers)
    .values(contactIds.map((contactId) => ({ accountId, groupId, contactId })))
    .onConflictDoNothing()
    .returning({ contactId: contactGroupMembers.contactId });
  return rows.length;
}

/** Adds one contact to several groups (creating a contact with `groupIds`). */
export async function insertMemberships(
  tx: Tx,
  accountId: string,
  contactId: string,
  groupIds: string[],
): Promise<void> {
  if (groupIds.length === 0) return;
  await tx
    .insert(contactGroupMembers)
    .values(groupIds.map((groupId) => ({ accountId, groupId, contactId })))
    .onConflictDoNothing();
}

export async function deleteMember(
  tx: Tx,
  accountId: string,
  groupId: string,
  contactId: string,
): Promise<void> {
  await tx
    .delete(contactGroupMembers)
    .where(
      and(
        eq(contactGroupMembers.accountId, accountId),
        eq(contactGroupMembers.groupId, groupId),
        eq(contactGroupMembers.contactId, contactId),
      ),
    );
}

const memberCount = sql<number>`(SELECT count(*)::int FROM ${contactGroupMembers} m
  WHERE m.account_id = ${contactGroups.accountId} AND m.group_id = ${contactGroups.id})`.mapWith(Number);

export async function getGroup(
  tx: Tx,
  accountId: string,
  id: string,
): Promise<ContactGroupWithCount | undefined> {
  const [row] = await tx
    .select({ ...getTableColumns(contactGroups), memberCount })
    .from(contactGroups)
    .where(and(eq(contactGroups.accountId, accountId), eq(contactGroups.id, id)))
    .limit(1);
  return row;
}

/** One page of the account's groups in name order, after (name, id), one row more than `limit`. */
export function findGroups(tx: Tx, accountId: string, limit: number, after?: { name: string; id: string }) {
  const where: SQL[] = [eq(contactGroups.accountId, accountId)];
  if (after)
    where.push(sql`(${contactGroups.name}, ${contactGroups.id}) > (${after.name}, ${after.id}::uuid)`);
  return tx
    .select({ ...getTableColumns(contactGroups), memberCount })
    .from(contactGroups)
    .where(and(...where))
    .orderBy(asc(contactGroups.name), asc(contactGroups.id))
    .limit(limit + 1);
}

export async function insertGroup(
  tx: Tx,
  row: { accountId: string; id: string; name: string; description: string | null },
): Promise<ContactGroup> {
  const [created] = await tx.insert(contactGroups).values(row).returning();
  return created!;
}

export async function updateGroup(
  tx: Tx,
  accountId: string,
  id: string,
  set: { name?: string; description?: string | null },
): Promise<boolean> {
  const rows = await tx
    .update(contactGroups)
    .set({ ...set, updatedAt: sql`now()` })
    .where(and(eq(contactGroups.accountId, accountId), eq(contactGroups.id, id)))
    .returning({ id: contactGroups.id });
  return rows.length > 0;
}

export async function deleteGroup(tx: Tx, accountId: string, id: string): Promise<boolean> {
  const rows = await tx
    .delete(contactGroups)
    .where(and(eq(contactGroups.accountId, accountId), eq(contactGroups.id, id)))
    .returning({ id: contactGroups.id });
  return rows.length > 0;
}

/** How many contacts a group has. */
export async function countMembers(tx: Tx, accountId: string, groupId: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(contactGroupMembers)
    .where(and(eq(contactGroupMembers.accountId, accountId), eq(contactGroupMembers.groupId, groupId)));
  return Number(row?.n ?? 0);
}
