import crypto from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { isUuid, withTenant } from '../../db/tenant.ts';
import { invalid, notFound } from '../../platform/errors.ts';
import type { PageKind } from '../intake/fields.ts';
import { unknownVariables } from './templates.ts';

/** What an account may word itself: the autoresponder (email, SMS) and the missed-call text-back (SMS). */
export const TEMPLATE_KINDS = ['autoresponder', 'missed_call_text_back'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

export type TemplateView = {
  id: string;
  channel: 'email' | 'sms';
  kind: TemplateKind;
  pageKind: PageKind | null;
  subject: string | null;
  body: string;
  updatedAt: string;
};

type Row = {
  id: string;
  channel: 'email' | 'sms';
  kind: TemplateKind;
  page_kind: PageKind | null;
  subject: string | null;
  body: string;
  updated_at: Date;
};

const COLUMNS = 'id, channel, kind, page_kind, subject, body, updated_at';
const present = (r: Row): TemplateView => ({
  id: r.id,
  channel: r.channel,
  kind: r.kind,
  pageKind: r.page_kind,
  subject: r.subject,
  body: r.body,
  updatedAt: new Date(r.updated_at).toISOString(),
});

/** The account's own (active) templates; saved replies are listed on their own (saved-replies.service.ts). */
export function listTemplates(db: Database, accountId: string): Promise<TemplateView[]> {
  return withTenant(db, accountId, async (_tx, client) => {
    const { rows } = await client.query<Row>(
      `SELECT ${COLUMNS} FROM templates WHERE account_id = $1 AND is_active AND kind <> 'saved_reply'
       ORDER BY channel, kind, page_kind NULLS FIRST`,
      [accountId],
    );
    return rows.map(present);
  });
}

export type PutTemplateInput = {
  channel: 'email' | 'sms';
  kind: TemplateKind;
  pageKind?: PageKind | null | undefined;
  subject?: string | null | undefined;
  body: string;
};

/**
 * Sets the account's wording for one use (channel, kind, page kind or every page kind): one
 * template per use (its name is null), replaced in place. A variable the renderer does not know is refused, by
 * name, rather than sent as blank text.
 */
export async function putTemplate(
  db: Database,
  accountId: string,
  input: PutTemplateInput,
): Promise<TemplateView> {
  const errors = [
    ...unknownVariables(input.body).map((v) => ({ path: 'body.body', message: `unknown variable ${v}` })),
    ...unknownVariables(input.subject ?? '').map((v) => ({
      path: 'body.subject',
      message: `unknown variable ${v}`,
    })),
  ];
  if (input.channel === 'email' && !input.subject?.trim()) {
    errors.push({ path: 'body.subject', message: 'an email template needs a subject' });
  }
  if (input.kind === 'missed_call_text_back' && input.channel !== 'sms') {
    errors.push({ path: 'body.channel', message: 'the missed-call text-back is a text (sms)' });
  }
  if (input.channel === 'sms' && input.body.length > 640) {
    errors.push({ path: 'body.body', message: 'a text template is at most 640 characters (4 segments)' });
  }
  if (errors.length) throw invalid('TEMPLATE_INVALID', errors);
  return withTenant(db, accountId, async (_tx, client) => {
    const { rows } = await client.query<Row>(
      `INSERT INTO templates (account_id, id, channel, kind, page_kind, subject, body)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (account_id, channel, kind, page_kind, name) DO UPDATE
         SET subject = excluded.subject, body = excluded.body, is_active = true, updated_at = now()
       RETURNING ${COLUMNS}`,
      [
        accountId,
        crypto.randomUUID(),
        input.channel,
        input.kind,
        input.pageKind ?? null,
        input.channel === 'email' ? input.subject!.trim() : null,
        input.body,
      ],
    );
    return present(rows[0]!);
  });
}

/** Retires a template (the default wording applies again); messages sent with it keep their link. */
export async function removeTemplate(db: Database, accountId: string, id: string): Promise<void> {
  if (!isUuid(id)) throw notFound('TEMPLATE_NOT_FOUND', 'No such template');
  await withTenant(db, accountId, async (_tx, client) => {
    const res = await client.query(
      `UPDATE templates SET is_active = false, updated_at = now()
       WHERE account_id = $1 AND id = $2 AND is_active AND kind <> 'saved_reply'`,
      [accountId, id],
    );
    if (res.rowCount === 0) throw notFound('TEMPLATE_NOT_FOUND', 'No such template');
  });
}
