import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeAccount, makeLead, makeUser } from '../../../test/factories.ts';
import { useTestApp } from '../../../test/http.ts';
import { withTenant } from '../../db/tenant.ts';
import { setNotificationPreferences } from '../account/notifications.service.ts';
import type { NewLeadAlerts } from '../accounts/accounts.service.ts';
import { type MessagingDeps, planLeadNotifications } from './messaging.service.ts';

/**
 * Who is emailed about a new lead, by each member's own choice (memberships.new_lead_alerts):
 * planned through `leads.notify`'s own planner, so nothing is sent.
 */

const t = useTestApp();

const deps: MessagingDeps = {
  email: undefined!,
  sms: undefined!,
  baseUrl: 'http://localhost:3000',
  publicUrl: 'http://localhost:3000',
  emailFrom: 'Porchlight <no-reply@porchlight.local>',
  smsFallbackFrom: '+15005550006',
};

/** An owner (on `all` from sign-up) and two members (on `assigned`), each with their own choice set. */
async function team(choices: { owner?: NewLeadAlerts; ana?: NewLeadAlerts; ben?: NewLeadAlerts } = {}) {
  const { account, user: owner } = await makeAccount(t.db);
  const ana = await makeUser(t.db, { accountId: account.id, name: 'Ana' });
  const ben = await makeUser(t.db, { accountId: account.id, name: 'Ben' });
  const people = { owner, ana, ben };
  for (const [who, choice] of Object.entries(choices)) {
    await setNotificationPreferences(t.db, account.id, people[who as keyof typeof people].id, {
      newLeadAlerts: choice,
    });
  }
  return { accountId: account.id, ...people };
}

async function alerted(accountId: string, assignedUserId: string | null = null) {
  const lead = await makeLead(t.db, { accountId, assignedUserId });
  const rows = await planLeadNotifications(t.db, deps, {
    accountId,
    leadId: lead.id,
    event: 'created',
    jobId: crypto.randomUUID(),
  });
  return {
    emails: rows
      .filter((m) => m.kind === 'agent_alert' && m.channel === 'email')
      .map((m) => m.to_address)
      .sort(),
    rows,
  };
}

describe('new-lead email alerts follow each member’s choice', () => {
  it('an unassigned lead emails only the members on `all`', async () => {
    const { accountId, owner, ana } = await team({ ana: 'all' });
    expect((await alerted(accountId)).emails).toEqual([ana.email, owner.email].sort());
  });

  it('an assigned lead emails its assignee (on `assigned` or `all`), and not the owner', async () => {
    const { accountId, ana, ben } = await team({ ana: 'all' });
    expect((await alerted(accountId, ben.id)).emails).toEqual([ben.email]);
    expect((await alerted(accountId, ana.id)).emails).toEqual([ana.email]);
  });

  it('an assignee on `none` is not emailed, and nobody else is instead', async () => {
    const { accountId, ben } = await team({ ben: 'none' });
    expect((await alerted(accountId, ben.id)).emails).toEqual([]);
  });

  it('an owner on `none` gets nothing; the lead still gets its reply, signed as before', async () => {
    const { accountId, owner } = await team({ owner: 'none' });
    await withTenant(t.db, accountId, (_tx, c) =>
      c.query(
        `INSERT INTO templates (account_id, id, channel, kind, subject, body)
         VALUES ($1, $2, 'email', 'autoresponder', 'Thanks', 'Write to {{agent.email}}')`,
        [accountId, crypto.randomUUID()],
      ),
    );
    const { emails, rows } = await alerted(accountId);
    expect(emails).toEqual([]);
    // The template's agent is still the lead's agent (the owner): a preference is not a signature.
    expect(rows.find((m) => m.kind === 'autoresponder')?.body).toBe(`Write to ${owner.email}`);
  });

  it("keeps the text alert to the account's phone whatever the members chose", async () => {
    const { accountId } = await team({ owner: 'none' });
    await withTenant(t.db, accountId, (_tx, c) =>
      c.query(
        `UPDATE accounts SET phone_e164 = '+15125550199', sms_opt_in = true, phone_verified_at = now() WHERE id = $1`,
        [accountId],
      ),
    );
    const { emails, rows } = await alerted(accountId);
    expect(emails).toEqual([]);
    expect(
      rows.filter((m) => m.kind === 'agent_alert' && m.channel === 'sms').map((m) => m.to_address),
    ).toEqual(['+15125550199']);
  });
});
