import type { Database, SqlClient } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import { type EmailProvider, EmailSendError, parseAddress } from '../../providers/email/email.ts';
import type { PageKind } from '../intake/fields.ts';
import {
  beginAttempt,
  type MessageRow,
  markFailed,
  markSent,
  type NewMessage,
  recordMessage,
} from './messages.repo.ts';
import {
  defaultAutoresponder,
  firstNameOf,
  renderTemplate,
  type TemplateValues,
  tidyRendered,
} from './templates.ts';
import { unsubscribeHeaders, unsubscribeUrl } from './unsubscribe.ts';

export type MessagingDeps = { email: EmailProvider; baseUrl: string; emailFrom: string };

/** What happened to one job's messages: the ones that must be tried again make the job retry. */
export type DeliveryOutcome = { sent: number; failed: number; retry: number; skipped: number };

export type LeadFacts = {
  id: string;
  full_name: string | null;
  email: string | null;
  phone_e164: string | null;
  address_line: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  message: string | null;
  timeline: string | null;
  source: string;
  status: string;
  is_held: boolean;
  page_kind: PageKind | null;
  page_title: string | null;
  account_name: string;
  account_phone: string | null;
  brand_name: string | null;
  brand_brokerage: string | null;
  brand_phone: string | null;
  assigned_user_id: string | null;
};

type Agent = { name: string; email: string; phone_e164: string | null };

export async function leadFacts(
  client: SqlClient,
  accountId: string,
  leadId: string,
): Promise<LeadFacts | undefined> {
  const { rows } = await client.query<LeadFacts>(
    `SELECT l.id, l.full_name, l.email::text AS email, l.phone_e164, l.address_line, l.city, l.state, l.postal_code,
       l.message, l.timeline, l.source, l.status, l.is_held, l.assigned_user_id, p.kind AS page_kind,
       p.title AS page_title, a.name AS account_name, a.phone_e164 AS account_phone,
       b.display_name AS brand_name, b.brokerage AS brand_brokerage, b.phone_e164 AS brand_phone
     FROM leads l
     JOIN accounts a ON a.id = l.account_id
     LEFT JOIN capture_pages p ON p.account_id = l.account_id AND p.id = l.page_id
     LEFT JOIN branding b ON b.account_id = l.account_id
     WHERE l.account_id = $1 AND l.id = $2`,
    [accountId, leadId],
  );
  return rows[0];
}

/** Who hears of a lead: its assigned member, else the account's owners. */
async function agentsFor(
  client: SqlClient,
  accountId: string,
  assignedUserId: string | null,
): Promise<Agent[]> {
  const { rows } = await client.query<Agent>(
    `SELECT u.name, u.email::text AS email, u.phone_e164 FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.account_id = $1 AND (CASE WHEN $2::uuid IS NULL THEN m.role = 'owner' ELSE m.user_id = $2::uuid END)
     ORDER BY u.email`,
    [accountId, assignedUserId],
  );
  return rows;
}

async function accountTemplate(client: SqlClient, accountId: string, kind: PageKind | null) {
  const { rows } = await client.query<{ id: string; subject: string | null; body: string }>(
    `SELECT id, subject, body FROM templates
     WHERE account_id = $1 AND channel = 'email' AND kind = 'autoresponder' AND is_active
       AND (page_kind = $2 OR page_kind IS NULL)
     ORDER BY page_kind NULLS LAST LIMIT 1`,
    [accountId, kind],
  );
  return rows[0];
}

/** `"Display Name" <EMAIL_FROM's address>`. */
export function sender(deps: { emailFrom: string }, displayName: string): string {
  const { email } = parseAddress(deps.emailFrom);
  return `"${displayName.replace(/["\\\r\n]/g, '')}" <${email}>`;
}

function agentAlert(
  deps: MessagingDeps,
  lead: LeadFacts,
  event: 'created' | 'merged',
): { subject: string; body: string } {
  const who = lead.full_name ?? lead.email ?? lead.phone_e164 ?? 'Someone';
  const where = lead.page_title ? ` from ${lead.page_title}` : '';
  const place = [lead.address_line, lead.city, lead.state, lead.postal_code].filter(Boolean).join(', ');
  const lines = [
    event === 'merged' ? `${who} sent your form again${where}.` : `New lead${where}: ${who}.`,
    '',
    lead.full_name ? `Name: ${lead.full_name}` : null,
    lead.phone_e164 ? `Phone: ${lead.phone_e164}` : null,
    lead.email ? `Email: ${lead.email}` : null,
    place ? `Address: ${place}` : null,
    lead.timeline ? `Timeline: ${lead.timeline.replaceAll('_', ' ')}` : null,
    lead.message ? `Message: ${lead.message}` : null,
    '',
    `Open the lead: ${deps.baseUrl}/app/leads/${lead.id}`,
  ];
  return {
    subject: event === 'merged' ? `Lead back again: ${who}` : `New lead: ${who}`,
    body: lines.filter((l) => l !== null).join('\n'),
  };
}

/**
 * The messages a new or returning lead triggers (job `leads.notify`): an alert to each agent
 * (always) and, for a new lead with an email, the autoresponder from the account's template or
 * the page kind's default. Held and spam leads alert nobody (their details are hidden or junk).
 * Each message is recorded under a key made of the job's id, so a retried job resumes its own.
 */
export async function planLeadNotifications(
  db: Database,
  deps: MessagingDeps,
  input: { accountId: string; leadId: string; event: 'created' | 'merged'; jobId: string },
): Promise<MessageRow[]> {
  const { accountId, leadId, event, jobId } = input;
  return withTenant(db, accountId, async (_tx, client) => {
    const lead = await leadFacts(client, accountId, leadId);
    if (!lead || lead.is_held || lead.status === 'spam') return [];
    const agents = await agentsFor(client, accountId, lead.assigned_user_id);
    const agentName = lead.brand_name ?? agents[0]?.name ?? lead.account_name;
    const from = sender(deps, lead.brand_name ?? lead.account_name);
    const planned: NewMessage[] = [];
    const alert = agentAlert(deps, lead, event);
    for (const agent of agents) {
      planned.push({
        leadId,
        channel: 'email',
        kind: 'agent_alert',
        to: agent.email,
        from: sender(deps, 'Porchlight'),
        subject: alert.subject,
        body: alert.body,
        templateId: null,
        idempotencyKey: `${jobId}:agent_alert:${agent.email}`,
        metered: false,
      });
    }
    if (event === 'created' && lead.email) {
      const template = await accountTemplate(client, accountId, lead.page_kind);
      const wording = template
        ? { subject: template.subject ?? defaultAutoresponder(lead.page_kind).subject, body: template.body }
        : defaultAutoresponder(lead.page_kind);
      const values: TemplateValues = {
        lead: {
          firstName: firstNameOf(lead.full_name),
          fullName: lead.full_name ?? '',
          email: lead.email,
          phone: lead.phone_e164 ?? '',
          address: lead.address_line ?? 'your home',
          message: lead.message ?? '',
        },
        agent: {
          name: agentName,
          phone: lead.brand_phone ?? lead.account_phone ?? '',
          email: agents[0]?.email ?? '',
        },
        // The business under the agent's name: the brokerage, else the account.
        account: { name: lead.brand_brokerage ?? lead.account_name },
        page: { title: lead.page_title ?? '' },
      };
      planned.push({
        leadId,
        channel: 'email',
        kind: 'autoresponder',
        to: lead.email,
        from,
        subject: renderTemplate(wording.subject, values).trim(),
        body: tidyRendered(renderTemplate(wording.body, values)),
        templateId: template?.id ?? null,
        idempotencyKey: `${jobId}:autoresponder`,
        metered: true,
      });
    }
    const rows: MessageRow[] = [];
    for (const m of planned) rows.push(await recordMessage(client, accountId, m));
    return rows;
  });
}

/**
 * Sends one recorded email: the attempt is committed before the provider is called (a crash
 * mid-send leaves `sending` with the attempt counted, and the provider gets the message id as
 * its idempotency key, so the retry does not send a second copy where the provider dedupes);
 * then `sent`, or `queued` for another attempt, or `failed` for good (a refusal no retry can
 * fix, or the last attempt).
 */
export async function deliverEmail(
  db: Database,
  deps: MessagingDeps,
  accountId: string,
  messageId: string,
  options: { lastAttempt: boolean; pepper: string },
): Promise<'sent' | 'failed' | 'retry' | 'skipped'> {
  const m = await withTenant(db, accountId, (_tx, client) => beginAttempt(client, accountId, messageId));
  if (m?.status !== 'sending') return 'skipped';
  try {
    const sent = await deps.email.send(
      {
        to: m.to_address,
        from: m.from_address,
        subject: m.subject ?? '',
        text: m.body,
        // Every email to a lead can be stopped in one click; alerts go to the account's own people.
        ...(m.kind === 'agent_alert'
          ? {}
          : { headers: unsubscribeHeaders(unsubscribeUrl(deps.baseUrl, options.pepper, accountId, m.id)) }),
        accountId,
        leadId: m.lead_id,
      },
      { idempotencyKey: m.id },
    );
    await withTenant(db, accountId, (_tx, client) =>
      markSent(client, accountId, m.id, deps.email.name, sent.providerMessageId),
    );
    return 'sent';
  } catch (error) {
    const retryable = error instanceof EmailSendError ? error.retryable : true;
    const final = !retryable || options.lastAttempt;
    const message = error instanceof Error ? error.message : String(error);
    await withTenant(db, accountId, (_tx, client) =>
      markFailed(client, accountId, m, { provider: deps.email.name, error: message, final }),
    );
    return final ? 'failed' : 'retry';
  }
}

/** Delivers each message of a job; how many were sent, failed for good, or wait for a retry. */
export async function deliverAll(
  db: Database,
  deps: MessagingDeps,
  accountId: string,
  rows: MessageRow[],
  options: { lastAttempt: boolean; pepper: string },
): Promise<DeliveryOutcome> {
  const outcome: DeliveryOutcome = { sent: 0, failed: 0, retry: 0, skipped: 0 };
  for (const row of rows) {
    if (row.channel !== 'email') continue;
    outcome[await deliverEmail(db, deps, accountId, row.id, options)] += 1;
  }
  return outcome;
}
