import crypto from 'node:crypto';
import type { Database, SqlClient } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import { type EmailProvider, EmailSendError, parseAddress } from '../../providers/email/email.ts';
import { type SmsProvider, SmsSendError } from '../../providers/sms/sms.ts';
import type { PageKind } from '../intake/fields.ts';
import { senderNumber } from '../phone-numbers/phone-numbers.service.ts';
import { leadTimeZone } from './lead-timezone.ts';
import {
  beginAttempt,
  type CreditHooks,
  type MessageRow,
  markFailed,
  markSent,
  type NewMessage,
  recordMessage,
} from './messages.repo.ts';
import { nextAllowedTime } from './quiet-hours.ts';
import {
  defaultAutoresponder,
  defaultSmsAutoresponder,
  firstNameOf,
  renderTemplate,
  type TemplateValues,
  tidyRendered,
} from './templates.ts';
import { unsubscribeHeaders, unsubscribeUrl } from './unsubscribe.ts';

export type MessagingDeps = {
  email: EmailProvider;
  sms: SmsProvider;
  baseUrl: string;
  /** The origin providers call back (status reports): PUBLIC_URL. */
  publicUrl: string;
  emailFrom: string;
  /**
   * The number texts go out from when the account has none of its own: the dev provider's
   * stand-in, so texts show in the dev outbox; null with a real provider (no number, no text).
   */
  smsFallbackFrom: string | null;
};

/**
 * What happened to one job's messages: the ones that must be tried again make the job retry;
 * deferred ones wait out the lead's quiet hours in a job of their own.
 */
export type DeliveryOutcome = {
  sent: number;
  failed: number;
  retry: number;
  skipped: number;
  deferred: number;
};

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
  account_timezone: string;
  account_country: string;
  /** The account's phone for alerts by text and the voice callback, and whether it takes texts. */
  agent_phone: string | null;
  /** The agent's phone proved it receives texts (a code came back): texts and callbacks need it. */
  agent_phone_verified: boolean;
  sms_opt_in: boolean;
  voice_callback: boolean;
  plan_voice_callback: boolean;
  /** The lead agreed, in words that name texts, to be contacted (a lead_consents row). */
  sms_consent: boolean;
};

export type Agent = { name: string; email: string; phone_e164: string | null };

/**
 * Consent to texts: the words the lead agreed to name them (SMS, text, texting, text
 * messages). Consent text that speaks only of calls or email does not cover texts.
 */
const SMS_CONSENT_WORDS = String.raw`\m(sms|texts?|texting|text messages?)\M`;

/** The lead's facts for its messages ($1 account, $2 lead); the notify benchmark runs it too. */
export const LEAD_FACTS_SQL = `SELECT l.id, l.full_name, l.email::text AS email, l.phone_e164, l.address_line, l.city, l.state, l.postal_code,
       l.message, l.timeline, l.source, l.status, l.is_held, l.assigned_user_id, p.kind AS page_kind,
       p.title AS page_title, a.name AS account_name, a.phone_e164 AS account_phone,
       b.display_name AS brand_name, b.brokerage AS brand_brokerage, b.phone_e164 AS brand_phone,
       a.timezone AS account_timezone, a.country AS account_country, a.phone_e164 AS agent_phone,
       a.phone_verified_at IS NOT NULL AS agent_phone_verified, a.sms_opt_in,
       a.voice_callback, coalesce((pl.features->>'voiceCallback')::boolean, false) AS plan_voice_callback,
       EXISTS (SELECT 1 FROM lead_consents c WHERE c.account_id = l.account_id AND c.lead_id = l.id AND c.given
         AND c.consent_text ~* '${SMS_CONSENT_WORDS}') AS sms_consent
     FROM leads l
     JOIN accounts a ON a.id = l.account_id
     JOIN plans pl ON pl.code = a.plan_code
     LEFT JOIN capture_pages p ON p.account_id = l.account_id AND p.id = l.page_id
     LEFT JOIN branding b ON b.account_id = l.account_id
     WHERE l.account_id = $1 AND l.id = $2`;

export async function leadFacts(
  client: SqlClient,
  accountId: string,
  leadId: string,
): Promise<LeadFacts | undefined> {
  const { rows } = await client.query<LeadFacts>(LEAD_FACTS_SQL, [accountId, leadId]);
  return rows[0];
}

/**
 * Who speaks for the account to a lead (the `agent` of its templates): its assigned member,
 * else the account's owners. Not who is emailed about it: that is `alertRecipientsFor`.
 */
export async function agentsFor(
  client: SqlClient,
  accountId: string,
  assignedUserId: string | null,
): Promise<Agent[]> {
  const { rows } = await client.query<Agent>(AGENTS_SQL, [accountId, assignedUserId]);
  return rows;
}

/** `agentsFor`'s query ($1 account, $2 assigned user or null); the notify benchmark runs it too. */
export const AGENTS_SQL = `SELECT u.name, u.email::text AS email, u.phone_e164 FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.account_id = $1 AND (CASE WHEN $2::uuid IS NULL THEN m.role = 'owner' ELSE m.user_id = $2::uuid END)
     ORDER BY u.email`;

/**
 * Who is emailed about a new lead (or a lead's reply), by each member's own choice
 * (`memberships.new_lead_alerts`): an assigned lead, its assignee unless they chose `none`;
 * an unassigned one, every member who chose `all`. Nobody, when no one asked.
 */
export async function alertRecipientsFor(
  client: SqlClient,
  accountId: string,
  assignedUserId: string | null,
): Promise<Agent[]> {
  const { rows } = await client.query<Agent>(ALERT_RECIPIENTS_SQL, [accountId, assignedUserId]);
  return rows;
}

/** `alertRecipientsFor`'s query (as AGENTS_SQL); the notify benchmark runs it too. */
export const ALERT_RECIPIENTS_SQL = `SELECT u.name, u.email::text AS email, u.phone_e164 FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.account_id = $1 AND (CASE WHEN $2::uuid IS NULL THEN m.new_lead_alerts = 'all'
       ELSE m.user_id = $2::uuid AND m.new_lead_alerts <> 'none' END)
     ORDER BY u.email`;

/** The account's own wording for a use: the page kind's, else the one for every page kind. */
export async function accountTemplate(
  client: SqlClient,
  accountId: string,
  use: {
    channel: 'email' | 'sms';
    kind: 'autoresponder' | 'missed_call_text_back';
    pageKind: PageKind | null;
  },
) {
  const { rows } = await client.query<{ id: string; subject: string | null; body: string }>(
    `SELECT id, subject, body FROM templates
     WHERE account_id = $1 AND channel = $2 AND kind = $3 AND is_active
       AND (page_kind = $4 OR page_kind IS NULL)
     ORDER BY page_kind NULLS LAST LIMIT 1`,
    [accountId, use.channel, use.kind, use.pageKind],
  );
  return rows[0];
}

/** The values a template may use, for one lead. */
export function templateValues(lead: LeadFacts, agents: Agent[]): TemplateValues {
  return {
    lead: {
      firstName: firstNameOf(lead.full_name),
      fullName: lead.full_name ?? '',
      email: lead.email ?? '',
      phone: lead.phone_e164 ?? '',
      address: lead.address_line ?? 'your home',
      message: lead.message ?? '',
    },
    agent: {
      name: lead.brand_name ?? agents[0]?.name ?? lead.account_name,
      phone: lead.brand_phone ?? lead.account_phone ?? '',
      email: agents[0]?.email ?? '',
    },
    // The business under the agent's name: the brokerage, else the account.
    account: { name: lead.brand_brokerage ?? lead.account_name },
    page: { title: lead.page_title ?? '' },
  };
}

/**
 * When a text or call to this lead may go: now, or the next 8:00 in the lead's time zone (from
 * its postal code, else its area code, else the account's zone). Null: at once.
 */
export function quietHoursSendAfter(lead: LeadFacts, now = new Date()): Date | null {
  const { zone } = leadTimeZone(
    { postalCode: lead.postal_code, phoneE164: lead.phone_e164, country: lead.account_country },
    lead.account_timezone,
  );
  const allowed = nextAllowedTime(now, zone);
  return allowed.getTime() > now.getTime() ? allowed : null;
}

/** The short alert an agent gets by text: who, from where, and the link. */
function agentSmsAlert(deps: MessagingDeps, lead: LeadFacts, event: 'created' | 'merged'): string {
  const who = lead.full_name ?? lead.phone_e164 ?? lead.email ?? 'Someone';
  const where = lead.page_title ? ` (${lead.page_title})` : '';
  const contact = [lead.phone_e164, lead.email].filter(Boolean).join(', ');
  const head = event === 'merged' ? `Lead back again${where}: ${who}` : `New lead${where}: ${who}`;
  return `${head}${contact && who !== contact ? `, ${contact}` : ''}. ${deps.baseUrl}/app/leads/${lead.id}`;
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
 * The messages a new or returning lead triggers (job `leads.notify`): an email alert to each
 * member who asked for it (`alertRecipientsFor`), a text to the account's phone when it takes
 * alerts by text and, for a new lead with an email, the autoresponder from the account's template or
 * the page kind's default. Held and spam leads alert nobody (their details are hidden or junk).
 * Each message is recorded under a key made of the job's id, so a retried job resumes its own.
 */
export async function planLeadNotifications(
  db: Database,
  deps: MessagingDeps,
  input: { accountId: string; leadId: string; event: 'created' | 'merged'; jobId: string },
  options: {
    /** More to plan for this lead in the same transaction (the voice callback, with its job). */
    also?: (client: SqlClient, lead: LeadFacts) => Promise<void>;
  } = {},
): Promise<MessageRow[]> {
  const { accountId, leadId, event, jobId } = input;
  return withTenant(db, accountId, async (_tx, client) => {
    const lead = await leadFacts(client, accountId, leadId);
    if (!lead || lead.is_held || lead.status === 'spam') return [];
    await options.also?.(client, lead);
    const agents = await agentsFor(client, accountId, lead.assigned_user_id);
    const values = templateValues(lead, agents);
    const from = sender(deps, lead.brand_name ?? lead.account_name);
    const smsFrom = (await senderNumber(client, accountId)) ?? deps.smsFallbackFrom;
    const planned: NewMessage[] = [];
    const alert = agentAlert(deps, lead, event);
    for (const agent of await alertRecipientsFor(client, accountId, lead.assigned_user_id)) {
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
    // The agent's own (verified) phone, when the account takes alerts by text (not bound by quiet hours).
    if (lead.sms_opt_in && lead.agent_phone && lead.agent_phone_verified && smsFrom) {
      planned.push({
        leadId,
        channel: 'sms',
        kind: 'agent_alert',
        to: lead.agent_phone,
        from: smsFrom,
        subject: null,
        body: agentSmsAlert(deps, lead, event),
        templateId: null,
        idempotencyKey: `${jobId}:agent_alert:sms`,
        metered: false,
      });
    }
    if (event === 'created' && lead.email) {
      const template = await accountTemplate(client, accountId, {
        channel: 'email',
        kind: 'autoresponder',
        pageKind: lead.page_kind,
      });
      const wording = template
        ? { subject: template.subject ?? defaultAutoresponder(lead.page_kind).subject, body: template.body }
        : defaultAutoresponder(lead.page_kind);
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
    // A text to the lead only with consent that names texts, and never in its quiet hours.
    if (event === 'created' && lead.phone_e164 && lead.sms_consent && smsFrom) {
      const template = await accountTemplate(client, accountId, {
        channel: 'sms',
        kind: 'autoresponder',
        pageKind: lead.page_kind,
      });
      planned.push({
        leadId,
        channel: 'sms',
        kind: 'autoresponder',
        to: lead.phone_e164,
        from: smsFrom,
        subject: null,
        body: tidyRendered(renderTemplate(template?.body ?? defaultSmsAutoresponder(lead.page_kind), values)),
        templateId: template?.id ?? null,
        idempotencyKey: `${jobId}:autoresponder:sms`,
        metered: true,
        sendAfter: quietHoursSendAfter(lead),
      });
    }
    const rows: MessageRow[] = [];
    for (const m of planned) rows.push(await recordMessage(client, accountId, m));
    return rows;
  });
}

/** Where Twilio reports a text's delivery: the status webhook, naming the account and message. */
export function messageStatusCallback(
  deps: { publicUrl: string },
  accountId: string,
  messageId: string,
): string {
  return `${deps.publicUrl}/webhooks/twilio/status?account=${accountId}&message=${messageId}`;
}

/**
 * Sends one recorded message (email or text): the attempt is committed before the provider is
 * called (a crash mid-send leaves `sending` with the attempt counted); then `sent`, or `queued`
 * for another attempt, or `failed` for good (a refusal no retry can fix, or the last attempt).
 * Emails carry the message id as the provider's idempotency key, so a resumed attempt does not
 * send a second copy where the provider dedupes. Twilio takes no such key: a text found
 * `sending` (an attempt cut short, its outcome unknown) is not sent again but dead-lettered,
 * for a person to resend if it never arrived. A message waiting out quiet hours is `deferred`.
 */
export async function deliverMessage(
  db: Database,
  deps: MessagingDeps,
  accountId: string,
  messageId: string,
  options: { lastAttempt: boolean; pepper: string } & CreditHooks,
): Promise<'sent' | 'failed' | 'retry' | 'skipped' | 'deferred'> {
  const m = await withTenant(db, accountId, (_tx, client) =>
    beginAttempt(client, accountId, messageId, { onRechargeDue: options.onRechargeDue }),
  );
  if (m?.status === 'queued' && m.send_after) return 'deferred';
  if (m?.status !== 'sending') return 'skipped';
  const provider = m.channel === 'sms' ? deps.sms.name : deps.email.name;
  if (m.channel === 'sms' && m.resumed) {
    await withTenant(db, accountId, (_tx, client) =>
      markFailed(client, accountId, m, {
        provider,
        error: 'the attempt was cut short and may have been sent; send it again if it did not arrive',
        final: true,
      }),
    );
    return 'failed';
  }
  try {
    const providerId =
      m.channel === 'sms'
        ? (
            await deps.sms.sendSms(
              {
                to: m.to_address,
                from: m.from_address,
                body: m.body,
                ...(deps.sms.name === 'dev'
                  ? {}
                  : { statusCallback: messageStatusCallback(deps, accountId, m.id) }),
                accountId,
                leadId: m.lead_id,
              },
              { idempotencyKey: m.id },
            )
          ).providerMessageId
        : (
            await deps.email.send(
              {
                to: m.to_address,
                from: m.from_address,
                subject: m.subject ?? '',
                text: m.body,
                // Every email to a lead can be stopped in one click; alerts go to the account's own people.
                ...(m.kind === 'agent_alert'
                  ? {}
                  : {
                      headers: unsubscribeHeaders(
                        unsubscribeUrl(deps.baseUrl, options.pepper, accountId, m.id),
                      ),
                    }),
                accountId,
                leadId: m.lead_id,
              },
              { idempotencyKey: m.id },
            )
          ).providerMessageId;
    await withTenant(db, accountId, (_tx, client) => markSent(client, accountId, m.id, provider, providerId));
    return 'sent';
  } catch (error) {
    const retryable =
      error instanceof EmailSendError || error instanceof SmsSendError ? error.retryable : true;
    const final = !retryable || options.lastAttempt;
    const message = error instanceof Error ? error.message : String(error);
    await withTenant(db, accountId, async (_tx, client) => {
      await markFailed(client, accountId, m, { provider, error: message, final });
      // Twilio 21610: the number replied STOP at the carrier; it is not texted again.
      if (error instanceof SmsSendError && error.code === 21610) {
        await suppressAddress(client, accountId, 'sms', m.to_address, 'stop');
      }
    });
    return final ? 'failed' : 'retry';
  }
}

/** An address the account must not message again on a channel (once; the first reason stays). */
export async function suppressAddress(
  client: SqlClient,
  accountId: string,
  channel: 'email' | 'sms',
  address: string,
  reason: 'unsubscribe' | 'stop' | 'bounce' | 'complaint' | 'manual',
): Promise<void> {
  await client.query(
    `INSERT INTO suppressions (account_id, id, channel, address, reason) VALUES ($1, $2, $3, lower($4), $5)
     ON CONFLICT (account_id, channel, address) DO NOTHING`,
    [accountId, crypto.randomUUID(), channel, address, reason],
  );
}

/**
 * Delivers each message of a job; how many were sent, failed for good, wait for a retry, or
 * wait out quiet hours (each of those gets a `messages.send` job of its own, due when the
 * lead's quiet hours end, queued through `defer`).
 */
export async function deliverAll(
  db: Database,
  deps: MessagingDeps,
  accountId: string,
  rows: MessageRow[],
  options: {
    lastAttempt: boolean;
    pepper: string;
    defer?: (messageId: string, sendAfter: Date) => Promise<void>;
  } & CreditHooks,
): Promise<DeliveryOutcome> {
  const outcome: DeliveryOutcome = { sent: 0, failed: 0, retry: 0, skipped: 0, deferred: 0 };
  for (const row of rows) {
    const result = await deliverMessage(db, deps, accountId, row.id, options);
    if (result === 'deferred' && row.send_after) await options.defer?.(row.id, new Date(row.send_after));
    outcome[result] += 1;
  }
  return outcome;
}
