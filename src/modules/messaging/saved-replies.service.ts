import crypto from 'node:crypto';
import type { Database, SqlClient } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { isUuid, withTenant } from '../../db/tenant.ts';
import { AppError, type FieldError, invalid, notFound } from '../../platform/errors.ts';
import { type Agent, agentsFor, type LeadFacts, leadFacts, templateValues } from './messaging.service.ts';
import { renderTemplate, tidyRendered, unknownVariables } from './templates.ts';

/**
 * Saved replies: the agent's own named messages (templates of kind `saved_reply`), many per
 * channel with a distinct name each, shared by the whole team. A member sends one to a lead
 * from the lead page: rendered with the lead's values like the autoresponder, it goes out as a
 * `manual` message. Every member may add, change and delete them (as in Follow Up Boss: the team's
 * library, and a member may already write anything to a lead by hand).
 */

export type Channel = 'email' | 'sms';

export type SavedReplyView = {
  id: string;
  name: string;
  channel: Channel;
  subject: string | null;
  body: string;
  updatedAt: string;
};

type Row = {
  id: string;
  name: string;
  channel: Channel;
  subject: string | null;
  body: string;
  updated_at: Date;
};

/** A text saved reply (as a text to a lead) is at most this long; an email's body is the route's limit. */
export const SAVED_REPLY_SMS_MAX = 1600;

const COLUMNS = 'id, name, channel, subject, body, updated_at';
const present = (r: Row): SavedReplyView => ({
  id: r.id,
  name: r.name,
  channel: r.channel,
  subject: r.subject,
  body: r.body,
  updatedAt: new Date(r.updated_at).toISOString(),
});

const NOT_FOUND = () => notFound('SAVED_REPLY_NOT_FOUND', 'No such saved reply');
const nameTaken = () =>
  new AppError('conflict', 'SAVED_REPLY_NAME_TAKEN', 'Another saved reply of this channel has that name', [
    { path: 'body.name', message: 'is already used by another saved reply of this channel' },
  ]);

/** The account's saved replies, by name. */
export function listSavedReplies(db: Database, accountId: string): Promise<SavedReplyView[]> {
  return withTenant(db, accountId, async (_tx, client) => {
    const { rows } = await client.query<Row>(
      `SELECT ${COLUMNS} FROM templates WHERE account_id = $1 AND kind = 'saved_reply' AND is_active
       ORDER BY lower(name), name, channel, id`,
      [accountId],
    );
    return rows.map(present);
  });
}

export type SavedReplyInput = {
  name: string;
  channel: Channel;
  subject?: string | null | undefined;
  body: string;
};

/** What the stored reply must be: known variables only, a subject for email only, a text's length. */
function problems(input: SavedReplyInput, subjectGiven: boolean): FieldError[] {
  const errors: FieldError[] = [
    ...unknownVariables(input.body).map((v) => ({ path: 'body.body', message: `unknown variable ${v}` })),
    ...unknownVariables(input.subject ?? '').map((v) => ({
      path: 'body.subject',
      message: `unknown variable ${v}`,
    })),
  ];
  if (input.channel === 'sms' && subjectGiven && input.subject?.trim()) {
    errors.push({ path: 'body.subject', message: 'a text has no subject' });
  }
  if (input.channel === 'sms' && input.body.length > SAVED_REPLY_SMS_MAX) {
    errors.push({ path: 'body.body', message: `a text is at most ${SAVED_REPLY_SMS_MAX} characters` });
  }
  return errors;
}

/** The subject as stored: an email's, trimmed (null when empty); a text has none. */
const storedSubject = (input: SavedReplyInput) =>
  input.channel === 'email' ? input.subject?.trim() || null : null;

/** Refuses a name another reply of the channel has, ignoring case ("Intro" and "intro" are one). */
async function checkNameFree(
  client: SqlClient,
  accountId: string,
  input: SavedReplyInput,
  self: string | null,
) {
  const { rows } = await client.query(
    `SELECT 1 FROM templates WHERE account_id = $1 AND kind = 'saved_reply' AND channel = $2
       AND lower(name) = lower($3) AND id IS DISTINCT FROM $4::uuid LIMIT 1`,
    [accountId, input.channel, input.name, self],
  );
  if (rows.length) throw nameTaken();
}

export async function createSavedReply(
  db: Database,
  accountId: string,
  input: SavedReplyInput,
): Promise<SavedReplyView> {
  const errors = problems(input, input.subject !== undefined);
  if (errors.length) throw invalid('SAVED_REPLY_INVALID', errors);
  return withTenant(db, accountId, async (_tx, client) => {
    await checkNameFree(client, accountId, input, null);
    const { rows } = await client.query<Row>(
      `INSERT INTO templates (account_id, id, channel, kind, name, subject, body)
       VALUES ($1, $2, $3, 'saved_reply', $4, $5, $6)
       ON CONFLICT ON CONSTRAINT templates_account_use_key DO NOTHING
       RETURNING ${COLUMNS}`,
      [accountId, crypto.randomUUID(), input.channel, input.name, storedSubject(input), input.body],
    );
    if (!rows[0]) throw nameTaken();
    return present(rows[0]);
  });
}

export type SavedReplyPatch = Partial<SavedReplyInput>;

/**
 * Changes a saved reply: the fields given replace the stored ones. Moving it to `sms` drops its
 * subject (a text has none); a subject given with `sms` is refused.
 */
export async function updateSavedReply(
  db: Database,
  accountId: string,
  id: string,
  patch: SavedReplyPatch,
): Promise<SavedReplyView> {
  if (!isUuid(id)) throw NOT_FOUND();
  try {
    return await withTenant(db, accountId, async (_tx, client) => {
      const { rows: found } = await client.query<Row>(
        `SELECT ${COLUMNS} FROM templates WHERE account_id = $1 AND id = $2 AND kind = 'saved_reply' AND is_active
         FOR UPDATE`,
        [accountId, id],
      );
      const current = found[0];
      if (!current) throw NOT_FOUND();
      const next: SavedReplyInput = {
        name: patch.name ?? current.name,
        channel: patch.channel ?? current.channel,
        subject: patch.subject !== undefined ? patch.subject : current.subject,
        body: patch.body ?? current.body,
      };
      const errors = problems(next, patch.subject !== undefined);
      if (errors.length) throw invalid('SAVED_REPLY_INVALID', errors);
      if (next.name !== current.name || next.channel !== current.channel) {
        await checkNameFree(client, accountId, next, id);
      }
      const { rows } = await client.query<Row>(
        `UPDATE templates SET name = $3, channel = $4, subject = $5, body = $6, updated_at = now()
         WHERE account_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [accountId, id, next.name, next.channel, storedSubject(next), next.body],
      );
      return present(rows[0]!);
    });
  } catch (e) {
    // Another request took the name between the check and the update.
    if (isUniqueViolation(e, 'templates_account_use_key')) throw nameTaken();
    throw e;
  }
}

/**
 * Deletes a saved reply for good, so its name is free again. Messages sent with it keep their
 * text (and kind `manual`); their link to it is cleared in the same transaction.
 */
export async function deleteSavedReply(db: Database, accountId: string, id: string): Promise<void> {
  if (!isUuid(id)) throw NOT_FOUND();
  await withTenant(db, accountId, async (_tx, client) => {
    // Locked first: a send that read it finishes (and is unlinked below), a later one finds none.
    const { rows } = await client.query(
      `SELECT id FROM templates WHERE account_id = $1 AND id = $2 AND kind = 'saved_reply' FOR UPDATE`,
      [accountId, id],
    );
    if (!rows.length) throw NOT_FOUND();
    await client.query(`UPDATE messages SET template_id = NULL WHERE account_id = $1 AND template_id = $2`, [
      accountId,
      id,
    ]);
    await client.query(`DELETE FROM templates WHERE account_id = $1 AND id = $2`, [accountId, id]);
  });
}

/**
 * One saved reply for rendering or sending, locked against a concurrent delete; undefined when
 * the account has none with that id.
 */
export async function findSavedReply(
  client: SqlClient,
  accountId: string,
  id: string,
): Promise<SavedReplyView | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await client.query<Row>(
    `SELECT ${COLUMNS} FROM templates WHERE account_id = $1 AND id = $2 AND kind = 'saved_reply' AND is_active
     FOR SHARE`,
    [accountId, id],
  );
  return rows[0] ? present(rows[0]) : undefined;
}

/**
 * Who a saved reply speaks as (its `{{agent.…}}`): the member sending it (a person, signed in),
 * else — an API key is no person — the lead's agent as for the autoresponder (its assigned
 * member, else the owners). The brand's name and phone, when set, still come first
 * (`templateValues`), as in every message to a lead.
 */
async function speakerFor(
  client: SqlClient,
  accountId: string,
  lead: LeadFacts,
  memberUserId: string | null,
): Promise<Agent[]> {
  if (memberUserId) {
    const { rows } = await client.query<Agent>(
      `SELECT u.name, u.email::text AS email, u.phone_e164 FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.account_id = $1 AND m.user_id = $2`,
      [accountId, memberUserId],
    );
    if (rows.length) return rows;
  }
  return agentsFor(client, accountId, lead.assigned_user_id);
}

/** A saved reply rendered for one lead: the subject (email; null when the reply has none) and body. */
export async function renderSavedReply(
  client: SqlClient,
  accountId: string,
  reply: SavedReplyView,
  lead: LeadFacts,
  memberUserId: string | null,
): Promise<{ subject: string | null; body: string }> {
  const values = templateValues(lead, await speakerFor(client, accountId, lead, memberUserId));
  const subject = reply.subject ? renderTemplate(reply.subject, values).trim() : '';
  return {
    subject: reply.channel === 'email' ? subject || null : null,
    body: tidyRendered(renderTemplate(reply.body, values)),
  };
}

/**
 * What a saved reply would say to a lead (read-only): the composer shows it, the member edits
 * it, and sends the result as a typed message. A held lead's details are hidden: 409, as for
 * sending to it. A lead of another account is not a lead of this one (422 naming `leadId`).
 */
export async function previewSavedReply(
  db: Database,
  accountId: string,
  id: string,
  input: { leadId: string },
  memberUserId: string | null,
): Promise<{ channel: Channel; subject: string | null; body: string }> {
  if (!isUuid(id)) throw NOT_FOUND();
  return withTenant(db, accountId, async (_tx, client) => {
    const reply = await findSavedReply(client, accountId, id);
    if (!reply) throw NOT_FOUND();
    const lead = isUuid(input.leadId) ? await leadFacts(client, accountId, input.leadId) : undefined;
    if (!lead) {
      throw invalid('SAVED_REPLY_LEAD_INVALID', [
        { path: 'body.leadId', message: 'is not a lead of this account' },
      ]);
    }
    if (lead.is_held) {
      throw new AppError(
        'conflict',
        'LEAD_HELD',
        "This lead is held by the plan's limit: its details are hidden",
      );
    }
    return {
      channel: reply.channel,
      ...(await renderSavedReply(client, accountId, reply, lead, memberUserId)),
    };
  });
}
