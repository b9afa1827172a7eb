import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount, makeLead, makePage } from '../../../test/factories.ts';
import { asSession, type SignedUp, signUp, useTestApp } from '../../../test/http.ts';
import { testConfig } from '../../config.ts';
import { withTenant } from '../../db/tenant.ts';
import { formOf, routePage, setBranding } from '../../pages/testing.ts';
import { loadAuthPepper } from '../../platform/secrets.ts';
import { FAKE_BREVO_KEY, fakeBrevo } from '../../providers/email/brevo.fake.ts';
import { createBrevoEmailProvider } from '../../providers/email/brevo.ts';
import { creditWallet } from '../credits/credits.service.ts';
import { deliverAll, type MessagingDeps, planLeadNotifications } from './messaging.service.ts';
import { firstNameOf, renderTemplate, tidyRendered } from './templates.ts';

const t = useTestApp({
  withJobs: true,
  config: testConfig({ BASE_URL: 'http://localhost:3000', INTAKE_MIN_FILL_SECONDS: '0' }),
});

type OutboxItem = { to: string; from: string; subject: string; body: string; leadId: string | null };

async function outbox(): Promise<OutboxItem[]> {
  const res = await t.app.inject({ method: 'GET', url: '/api/v1/dev/outbox' });
  return res.json().data as OutboxItem[];
}

async function waitForOutbox(match: (m: OutboxItem[]) => boolean, ms: number): Promise<OutboxItem[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const items = await outbox();
    if (match(items) || Date.now() > deadline) return items;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function sql<T = Record<string, unknown>>(accountId: string, text: string, values: unknown[] = []) {
  return withTenant(t.db, accountId, async (_tx, client) => (await client.query<T>(text, values)).rows);
}

let ipSeq = 1;
/** The app's own pepper (testConfig), so the links it signs are the ones it checks. */
const PEPPER = loadAuthPepper(testConfig()).pepper;

async function submitForm(accountSlug: string, pageSlug: string, fields: Record<string, string>) {
  const url = `/p/${accountSlug}/${pageSlug}`;
  const page = await t.app.inject({ method: 'GET', url });
  expect(page.statusCode).toBe(200);
  const form = formOf(page.body);
  const res = await t.app.inject({
    method: 'POST',
    url,
    payload: new URLSearchParams({ ...fields, _t: form.token, _k: form.key, _c: form.consent }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Mozilla/5.0 (test)' },
    remoteAddress: `203.0.113.${ipSeq++}`,
  });
  expect(res.statusCode, res.body).toBe(303);
}

describe('new-lead notifications', () => {
  it('puts the agent alert and the autoresponder in the dev outbox within 2 s of a form post', async () => {
    const { account, user: owner } = await makeAccount(t.db, { name: 'Lone Star Homes' });
    const page = await makePage(t.db, {
      accountId: account.id,
      kind: 'home_valuation',
      title: 'What is my home worth?',
    });
    await routePage(t.db, account.id, page.id);
    await setBranding(t.db, account.id, { display_name: 'Dana Ruiz', phone_e164: '+15125550100' });
    const posted = Date.now();
    await submitForm(account.slug, page.slug, {
      addressLine: '12 Oak Street',
      city: 'Austin',
      fullName: 'Pat Doe',
      email: 'pat.doe@example.com',
      phone: '(512) 555-0142',
    });
    const items = await waitForOutbox(
      (m) => m.some((x) => x.to === owner.email) && m.some((x) => x.to === 'pat.doe@example.com'),
      2000,
    );
    const elapsed = Date.now() - posted;
    const alert = items.find((m) => m.to === owner.email);
    const reply = items.find((m) => m.to === 'pat.doe@example.com');
    expect(alert, `no agent alert after ${elapsed} ms`).toBeDefined();
    expect(reply, `no autoresponder after ${elapsed} ms`).toBeDefined();
    expect(elapsed).toBeLessThan(2000);
    expect(alert!.subject).toBe('New lead: Pat Doe');
    expect(alert!.body).toContain('Phone: +15125550142');
    expect(alert!.body).toContain('Address: 12 Oak Street, Austin');
    expect(alert!.body).toMatch(/Open the lead: http:\/\/localhost:3000\/app\/leads\/[0-9a-f-]{36}/);
    expect(reply!.from).toBe('"Dana Ruiz" <no-reply@porchlight.local>');
    expect(reply!.subject).toBe('Your home value request');
    expect(reply!.body).toContain('Hi Pat,');
    expect(reply!.body).toContain('the value of 12 Oak Street');
    expect(reply!.body).toContain('Dana Ruiz\nLone Star Homes · +15125550100');

    const messages = await sql<{ kind: string; status: string; attempts: number; provider: string }>(
      account.id,
      'SELECT kind, status, attempts, provider FROM messages WHERE account_id = $1 ORDER BY kind',
      [account.id],
    );
    expect(messages).toEqual([
      { kind: 'agent_alert', status: 'sent', attempts: 1, provider: 'dev' },
      { kind: 'autoresponder', status: 'sent', attempts: 1, provider: 'dev' },
    ]);
    // Only the message to the lead counts against the plan.
    const [usage] = await sql<{ emails_sent: number }>(
      account.id,
      'SELECT emails_sent FROM usage_counters WHERE account_id = $1',
      [account.id],
    );
    expect(usage?.emails_sent).toBe(1);
  });
});

describe('the send pipeline', () => {
  const deps: MessagingDeps = {
    email: undefined!,
    sms: undefined!,
    baseUrl: 'http://localhost:3000',
    publicUrl: 'http://localhost:3000',
    emailFrom: 'Porchlight <no-reply@porchlight.local>',
    smsFallbackFrom: null,
  };
  const fake = fakeBrevo();
  beforeAll(async () => {
    await fake.start();
    deps.email = createBrevoEmailProvider({ apiKey: FAKE_BREVO_KEY, apiUrl: fake.url });
  });
  afterAll(() => fake.stop());

  async function leadWithEmail(email: string, options: { template?: string } = {}) {
    const { account, user } = await makeAccount(t.db);
    const page = await makePage(t.db, { accountId: account.id, kind: 'contact' });
    if (options.template) {
      await sql(
        account.id,
        `INSERT INTO templates (account_id, id, channel, kind, subject, body) VALUES ($1, $2, 'email', 'autoresponder', $3, $4)`,
        [account.id, crypto.randomUUID(), 'Hello {{lead.firstName}}', options.template],
      );
    }
    const lead = await makeLead(t.db, {
      accountId: account.id,
      pageId: page.id,
      fullName: 'Ms. Rita Haddad',
      email,
    });
    return { accountId: account.id, owner: user, leadId: lead.id };
  }
  const plan = (accountId: string, leadId: string, jobId = crypto.randomUUID()) =>
    planLeadNotifications(t.db, deps, { accountId, leadId, event: 'created', jobId });
  const statusOf = async (accountId: string) =>
    Object.fromEntries(
      (
        await sql<{ kind: string; status: string }>(
          accountId,
          'SELECT kind, status FROM messages WHERE account_id = $1',
          [accountId],
        )
      ).map((r) => [r.kind, r.status]),
    );

  it("uses the account's template, and a retried job finds the messages it recorded", async () => {
    const { accountId, leadId } = await leadWithEmail('rita@example.com', {
      template: 'Dear {{lead.firstName}}, {{ agent.name }} will call. {{lead.unknown}}{{nope.x}}End.',
    });
    const jobId = crypto.randomUUID();
    const first = await plan(accountId, leadId, jobId);
    const again = await plan(accountId, leadId, jobId);
    expect(again.map((m) => m.id)).toEqual(first.map((m) => m.id));
    const reply = first.find((m) => m.kind === 'autoresponder')!;
    expect(reply.subject).toBe('Hello Rita');
    expect(reply.body).toMatch(/^Dear Rita, .+ will call\. End\.$/);
    expect(await deliverAll(t.db, deps, accountId, first, { lastAttempt: false, pepper: PEPPER })).toEqual({
      sent: 2,
      failed: 0,
      retry: 0,
      skipped: 0,
      deferred: 0,
    });
    // Delivering again sends nothing more.
    expect(
      await deliverAll(t.db, deps, accountId, first, { lastAttempt: false, pepper: PEPPER }),
    ).toMatchObject({
      sent: 0,
      skipped: 2,
    });
    expect(fake.accepted.filter((m) => m.to[0]?.email === 'rita@example.com')).toHaveLength(1);
  });

  it('never sends to a suppressed address, and still alerts the agent', async () => {
    const { accountId, leadId, owner } = await leadWithEmail('gone@example.com');
    await sql(
      accountId,
      `INSERT INTO suppressions (account_id, id, channel, address, reason) VALUES ($1, $2, 'email', $3, 'unsubscribe')`,
      [accountId, crypto.randomUUID(), 'gone@example.com'],
    );
    await deliverAll(t.db, deps, accountId, await plan(accountId, leadId), {
      lastAttempt: false,
      pepper: PEPPER,
    });
    expect(await statusOf(accountId)).toEqual({ agent_alert: 'sent', autoresponder: 'suppressed' });
    expect(fake.accepted.some((m) => m.to[0]?.email === 'gone@example.com')).toBe(false);
    expect(fake.accepted.some((m) => m.to[0]?.email === owner.email)).toBe(true);
  });

  it("records a message past the plan's monthly limit as over_limit, unsent", async () => {
    const { accountId, leadId } = await leadWithEmail('late@example.com');
    await sql(
      accountId,
      `INSERT INTO usage_counters (account_id, id, period_month, emails_sent) VALUES ($1, $2, date_trunc('month', now())::date, 250)
       ON CONFLICT (account_id, period_month) DO UPDATE SET emails_sent = 250`,
      [accountId, crypto.randomUUID()],
    );
    await deliverAll(t.db, deps, accountId, await plan(accountId, leadId), {
      lastAttempt: false,
      pepper: PEPPER,
    });
    expect(await statusOf(accountId)).toEqual({ agent_alert: 'sent', autoresponder: 'over_limit' });
    const [usage] = await sql<{ emails_sent: number }>(
      accountId,
      'SELECT emails_sent FROM usage_counters WHERE account_id = $1',
      [accountId],
    );
    expect(usage?.emails_sent).toBe(250);
  });

  it('past the limit, a plan with overage pays from the credit wallet in the same transaction; a refusal refunds it', async () => {
    const atLimit = async (accountId: string) => {
      await sql(accountId, `UPDATE accounts SET plan_code = 'booster' WHERE id = $1`, [accountId]);
      await sql(
        accountId,
        `INSERT INTO usage_counters (account_id, id, period_month, emails_sent) VALUES ($1, $2, date_trunc('month', now())::date, 2500)
         ON CONFLICT (account_id, period_month) DO UPDATE SET emails_sent = 2500`,
        [accountId, crypto.randomUUID()],
      );
    };
    const grant = (accountId: string, credits: number) =>
      withTenant(t.db, accountId, (_tx, client) =>
        creditWallet(client, accountId, { kind: 'grant', credits, reference: { test: true } }),
      );
    const ledger = (accountId: string) =>
      sql<{ kind: string; credits: string; action: string | null }>(
        accountId,
        'SELECT kind, credits, action FROM credit_ledger WHERE account_id = $1 ORDER BY created_at, id',
        [accountId],
      );

    // With no credits: over_limit, as on a plan without overage.
    const broke = await leadWithEmail('broke@example.com');
    await atLimit(broke.accountId);
    await deliverAll(t.db, deps, broke.accountId, await plan(broke.accountId, broke.leadId), {
      lastAttempt: false,
      pepper: PEPPER,
    });
    expect(await statusOf(broke.accountId)).toEqual({ agent_alert: 'sent', autoresponder: 'over_limit' });

    // With credits: sent, one email_send debited, the counter left at the limit.
    const paid = await leadWithEmail('paid@example.com');
    await atLimit(paid.accountId);
    await grant(paid.accountId, 5);
    await deliverAll(t.db, deps, paid.accountId, await plan(paid.accountId, paid.leadId), {
      lastAttempt: false,
      pepper: PEPPER,
    });
    expect(await statusOf(paid.accountId)).toEqual({ agent_alert: 'sent', autoresponder: 'sent' });
    expect((await ledger(paid.accountId)).map((e) => [e.kind, Number(e.credits), e.action])).toEqual([
      ['grant', 5, null],
      ['consume', -1, 'email_send'],
    ]);
    const [usage] = await sql<{ emails_sent: number }>(
      paid.accountId,
      'SELECT emails_sent FROM usage_counters WHERE account_id = $1',
      [paid.accountId],
    );
    expect(usage?.emails_sent).toBe(2500);

    // Refused by the provider: failed, and the credit comes back.
    const refused = await leadWithEmail('paid-refused@example.com');
    await atLimit(refused.accountId);
    await grant(refused.accountId, 5);
    fake.failNext(2, 400);
    await deliverAll(t.db, deps, refused.accountId, await plan(refused.accountId, refused.leadId), {
      lastAttempt: false,
      pepper: PEPPER,
    });
    expect(await statusOf(refused.accountId)).toEqual({ agent_alert: 'failed', autoresponder: 'failed' });
    expect((await ledger(refused.accountId)).map((e) => [e.kind, Number(e.credits)])).toEqual([
      ['grant', 5],
      ['consume', -1],
      ['refund', 1],
    ]);
  });

  it('retries after a provider error and sends once; a refusal fails at once and gives the count back', async () => {
    const { accountId, leadId } = await leadWithEmail('flaky@example.com');
    const rows = await plan(accountId, leadId);
    fake.failNext(2, 503);
    expect(
      await deliverAll(t.db, deps, accountId, rows, { lastAttempt: false, pepper: PEPPER }),
    ).toMatchObject({ retry: 2 });
    expect(await statusOf(accountId)).toEqual({ agent_alert: 'queued', autoresponder: 'queued' });
    expect(
      await deliverAll(t.db, deps, accountId, rows, { lastAttempt: false, pepper: PEPPER }),
    ).toMatchObject({ sent: 2 });
    const attempts = await sql<{ attempts: number; error: string | null }>(
      accountId,
      `SELECT attempts, error FROM messages WHERE account_id = $1 AND kind = 'autoresponder'`,
      [accountId],
    );
    expect(attempts).toEqual([{ attempts: 2, error: null }]);
    expect(fake.accepted.filter((m) => m.to[0]?.email === 'flaky@example.com')).toHaveLength(1);

    const refused = await leadWithEmail('refused@example.com');
    fake.failNext(2, 400);
    await deliverAll(t.db, deps, refused.accountId, await plan(refused.accountId, refused.leadId), {
      lastAttempt: false,
      pepper: PEPPER,
    });
    expect(await statusOf(refused.accountId)).toEqual({ agent_alert: 'failed', autoresponder: 'failed' });
    const [usage] = await sql<{ emails_sent: number }>(
      refused.accountId,
      'SELECT emails_sent FROM usage_counters WHERE account_id = $1',
      [refused.accountId],
    );
    expect(usage?.emails_sent).toBe(0);
  });

  it('lets the lead unsubscribe in one click (RFC 8058), with no login; the agent alert has no such link', async () => {
    const { accountId, leadId, owner } = await leadWithEmail('oneclick@example.com');
    await deliverAll(t.db, deps, accountId, await plan(accountId, leadId), {
      lastAttempt: false,
      pepper: PEPPER,
    });
    const reply = fake.accepted.find((m) => m.to[0]?.email === 'oneclick@example.com')!;
    const alert = fake.accepted.find((m) => m.to[0]?.email === owner.email)!;
    expect(reply.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const link = /^<http:\/\/localhost:3000(\/u\/[^>]+)>$/.exec(
      reply.headers?.['List-Unsubscribe'] ?? '',
    )?.[1];
    expect(link).toMatch(new RegExp(`^/u/${accountId}/[0-9a-f-]{36}/[\\w-]{32}$`));
    expect(alert.headers?.['List-Unsubscribe']).toBeUndefined();

    const suppressed = () =>
      sql(
        accountId,
        `SELECT reason FROM suppressions WHERE account_id = $1 AND address = 'oneclick@example.com'`,
        [accountId],
      );
    const ask = await t.app.inject({ method: 'GET', url: link! });
    expect(ask.statusCode).toBe(200);
    expect(ask.body).toContain('<form method="post"');
    expect(await suppressed()).toEqual([]); // a GET (a mail scanner) changes nothing
    const tampered = `${link!.slice(0, -1)}${link!.endsWith('A') ? 'B' : 'A'}`;
    expect((await t.app.inject({ method: 'POST', url: tampered })).statusCode).toBe(404);
    const click = await t.app.inject({
      method: 'POST',
      url: link!,
      payload: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(click.statusCode, click.body).toBe(200);
    expect(click.body).toContain('You are unsubscribed');
    expect(await suppressed()).toEqual([{ reason: 'unsubscribe' }]);
    // Twice is fine; and the next autoresponder to that address is not sent.
    expect((await t.app.inject({ method: 'POST', url: link! })).statusCode).toBe(200);
    const again = await makeLead(t.db, {
      accountId,
      fullName: 'Again',
      email: 'oneclick@example.com',
      phoneE164: '+15125550199',
    });
    const rows = await plan(accountId, again.id);
    expect(rows.find((m) => m.kind === 'autoresponder')?.status).toBe('suppressed');
  });

  it('alerts nobody about a spam lead', async () => {
    const { accountId, leadId } = await leadWithEmail('bot@example.com');
    await sql(accountId, `UPDATE leads SET status = 'spam' WHERE account_id = $1 AND id = $2`, [
      accountId,
      leadId,
    ]);
    expect(await plan(accountId, leadId)).toEqual([]);
  });
});

describe('templates', () => {
  const values = {
    lead: {
      firstName: 'Ada',
      fullName: 'Ada Lovelace',
      email: 'a@x.test',
      phone: '',
      address: '',
      message: '',
    },
    agent: { name: 'Dana', phone: '+15125550100', email: 'd@x.test' },
    account: { name: 'Lone Star' },
    page: { title: 'Sell' },
  };
  it('fills known variables and leaves unknown ones empty', () => {
    expect(
      renderTemplate(
        'Hi {{lead.firstName}} — {{ agent.name }} ({{agent.phone}}){{lead.nope}}{{x.y}}',
        values,
      ),
    ).toBe('Hi Ada — Dana (+15125550100)');
    expect(renderTemplate('{{lead.constructor}}{{lead.toString}}', values)).toBe('');
  });
  it('drops the separator an empty value leaves at the end of a line', () => {
    expect(tidyRendered('Dana\nLone Star · \nBye · ')).toBe('Dana\nLone Star\nBye');
    expect(tidyRendered('Lone Star · +1512')).toBe('Lone Star · +1512');
  });
  it('finds a first name', () => {
    expect(firstNameOf('Ms. Rita Haddad')).toBe('Rita');
    expect(firstNameOf('  ')).toBe('there');
    expect(firstNameOf(null)).toBe('there');
  });
});

describe('messages a member writes', () => {
  async function leadFromIntake(email: string) {
    const owner = await signUp(t.app, 'writer');
    const page = await makePage(t.db, { accountId: owner.accountId, kind: 'contact' });
    await routePage(t.db, owner.accountId, page.id);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/public/pages/${page.id}/leads`,
      payload: { fullName: 'Sam Lee', email, phone: '+15125550178' },
      remoteAddress: `203.0.113.${ipSeq++}`,
    });
    expect(res.statusCode, res.body).toBe(201);
    return { owner, leadId: res.json().leadId as string };
  }
  const detail = async (owner: SignedUp, leadId: string) => {
    const res = await asSession(t.app, owner.cookie)('GET', `/api/v1/leads/${leadId}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as {
      messages: { id: string; kind: string; status: string; to: string }[];
      speedToLead: { firstAlertSeconds: number | null; firstTouchSeconds: number | null };
    };
  };
  async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('sends an email to the lead, shows it on the lead, and counts as the first touch', async () => {
    const { owner, leadId } = await leadFromIntake('sam.lee@example.com');
    const alerted = await until('the alert', async () => {
      const d = await detail(owner, leadId);
      return d.speedToLead.firstAlertSeconds === null ? undefined : d;
    });
    expect(alerted.speedToLead.firstAlertSeconds).toBeGreaterThanOrEqual(0);
    expect(alerted.speedToLead.firstTouchSeconds).toBeNull();
    const res = await asSession(t.app, owner.cookie)('POST', `/api/v1/leads/${leadId}/messages`, {
      channel: 'email',
      subject: 'Your visit on Saturday',
      body: 'Hi Sam, does 10am work?',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ channel: 'email', status: 'queued' });
    const sent = await until('the manual message', async () => {
      const d = await detail(owner, leadId);
      return d.messages.find((m) => m.kind === 'manual' && m.status === 'sent') ? d : undefined;
    });
    expect(sent.messages.map((m) => m.kind).sort()).toEqual(['agent_alert', 'autoresponder', 'manual']);
    expect(sent.speedToLead.firstTouchSeconds).toBeGreaterThanOrEqual(0);
    expect(
      (await outbox()).some((m) => m.subject === 'Your visit on Saturday' && m.to === 'sam.lee@example.com'),
    ).toBe(true);
  });

  it('records a suppressed address without sending, texts through the dev provider, and retries only a failed message', async () => {
    const { owner, leadId } = await leadFromIntake('opted.out@example.com');
    const as = asSession(t.app, owner.cookie);
    await sql(
      owner.accountId,
      `INSERT INTO suppressions (account_id, id, channel, address, reason) VALUES ($1, $2, 'email', $3, 'unsubscribe')`,
      [owner.accountId, crypto.randomUUID(), 'opted.out@example.com'],
    );
    const suppressed = await as('POST', `/api/v1/leads/${leadId}/messages`, {
      channel: 'email',
      body: 'Hello?',
    });
    expect(suppressed.statusCode).toBe(201);
    expect(suppressed.json().status).toBe('suppressed');
    // A text goes from the dev provider's stand-in number (the account has none), at once or,
    // at night in Austin (the lead's area code), at 8:00 there.
    const sms = await as('POST', `/api/v1/leads/${leadId}/messages`, { channel: 'sms', body: 'Hi' });
    expect(sms.statusCode, sms.body).toBe(201);
    expect(sms.json()).toMatchObject({ channel: 'sms', status: 'queued' });
    const { sendAfter } = sms.json();
    if (sendAfter === null) {
      const texts = await waitForOutbox((m) => m.some((x) => x.to === '+15125550178'), 3000);
      expect(texts.find((x) => x.to === '+15125550178')).toMatchObject({ from: '+15005550006', body: 'Hi' });
    } else {
      expect(new Date(sendAfter).getTime()).toBeGreaterThan(Date.now());
    }
    const noPhone = await makeLead(t.db, {
      accountId: owner.accountId,
      fullName: 'No Phone',
      email: 'np@example.com',
      phoneE164: null,
    });
    const refused = await as('POST', `/api/v1/leads/${noPhone.id}/messages`, { channel: 'sms', body: 'Hi' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().errors[0]).toMatchObject({
      path: 'body.channel',
      message: 'the lead has no phone number',
    });

    await until('the alert', async () => {
      const d = await detail(owner, leadId);
      return d.messages.find((m) => m.kind === 'agent_alert' && m.status === 'sent');
    });
    const [failed] = await sql<{ id: string }>(
      owner.accountId,
      `UPDATE messages SET status = 'failed', error = 'refused' WHERE account_id = $1 AND lead_id = $2 AND kind = 'agent_alert'
       RETURNING id`,
      [owner.accountId, leadId],
    );
    const retried = await as('POST', `/api/v1/leads/${leadId}/messages/${failed!.id}/retry`);
    expect(retried.statusCode, retried.body).toBe(202);
    await until('the retried alert', async () => {
      const d = await detail(owner, leadId);
      return d.messages.find((m) => m.id === failed!.id && m.status === 'sent');
    });
    expect((await as('POST', `/api/v1/leads/${leadId}/messages/${failed!.id}/retry`)).statusCode).toBe(409);
    expect(
      (await as('POST', `/api/v1/leads/${leadId}/messages/${crypto.randomUUID()}/retry`)).statusCode,
    ).toBe(404);
  });
});

describe('speed to lead for the account', () => {
  it('gives the median and 90th percentile to the first alert and the first touch, in all and per agent', async () => {
    const owner = await signUp(t.app, 'speed');
    const a = owner.accountId;
    const fast = await makeLead(t.db, { accountId: a, fullName: 'Fast' });
    await makeLead(t.db, { accountId: a, fullName: 'Waiting' });
    const spam = await makeLead(t.db, { accountId: a, fullName: 'Spam', status: 'spam' });
    await sql(
      a,
      `INSERT INTO messages (account_id, id, lead_id, channel, kind, to_address, from_address, body, status,
         idempotency_key, sent_at)
       SELECT account_id, $3::uuid, id, 'email', 'agent_alert', 'o@x.test', 'p@x.test', 'alert', 'sent', $4,
         created_at + interval '3 seconds' FROM leads WHERE account_id = $1 AND id = $2`,
      [a, fast.id, crypto.randomUUID(), crypto.randomUUID()],
    );
    await sql(
      a,
      `INSERT INTO lead_events (account_id, id, lead_id, kind, payload, created_at)
       SELECT account_id, $3, id, 'note', '{}'::jsonb, created_at + interval '60 seconds'
       FROM leads WHERE account_id = $1 AND id = $2`,
      [a, fast.id, crypto.randomUUID()],
    );
    const res = await asSession(t.app, owner.cookie)('GET', '/api/v1/leads/speed?days=7');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      days: 7,
      leads: 2,
      alerted: 1,
      touched: 1,
      alertSeconds: { p50: 3, p90: 3 },
      touchSeconds: { p50: 60, p90: 60 },
    });
    expect(body.byAgent).toEqual([
      expect.objectContaining({ userId: null, name: null, leads: 2, alerted: 1, touched: 1 }),
    ]);
    expect(spam.id).toBeDefined();
    expect((await asSession(t.app, owner.cookie)('GET', '/api/v1/leads/speed?days=0')).statusCode).toBe(422);
  });
});

describe('templates API', () => {
  it('sets, lists and retires the autoresponder wording; the next lead gets it; unknown variables are refused', async () => {
    const owner = await signUp(t.app, 'tpl');
    const as = asSession(t.app, owner.cookie);
    const listed = (await as('GET', '/api/v1/templates')).json();
    expect(listed.data).toEqual([]);
    type Default = { channel: string; kind: string; pageKind: string | null };
    expect(listed.defaults.map((d: Default) => `${d.channel} ${d.kind} ${d.pageKind}`)).toEqual([
      'email autoresponder home_valuation',
      'email autoresponder buyer_interest',
      'email autoresponder contact',
      'email autoresponder custom',
      'sms autoresponder home_valuation',
      'sms autoresponder buyer_interest',
      'sms autoresponder contact',
      'sms autoresponder custom',
      'sms missed_call_text_back null',
    ]);
    expect(listed.variables).toContain('{{lead.firstName}}');

    const bad = await as('PUT', '/api/v1/templates', {
      channel: 'email',
      kind: 'autoresponder',
      subject: 'Hi {{lead.nmae}}',
      body: 'Hello {{lead.firstName}} {{agent.nope}} {{ oops }}',
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors).toEqual([
      { path: 'body.body', message: 'unknown variable {{agent.nope}}' },
      { path: 'body.body', message: 'unknown variable {{ oops }}' },
      { path: 'body.subject', message: 'unknown variable {{lead.nmae}}' },
    ]);
    const put = await as('PUT', '/api/v1/templates', {
      channel: 'email',
      kind: 'autoresponder',
      pageKind: 'contact',
      subject: 'Got it, {{lead.firstName}}',
      body: 'Thanks {{lead.firstName}}, talk soon. {{agent.name}}',
    });
    expect(put.statusCode, put.body).toBe(200);
    const again = await as('PUT', '/api/v1/templates', {
      channel: 'email',
      kind: 'autoresponder',
      pageKind: 'contact',
      subject: 'Got it, {{lead.firstName}}!',
      body: 'Thanks {{lead.firstName}}, talk soon.',
    });
    expect(again.json().id).toBe(put.json().id); // one template per use, replaced in place
    expect((await as('GET', '/api/v1/templates')).json().data).toHaveLength(1);

    const page = await makePage(t.db, { accountId: owner.accountId, kind: 'contact' });
    const lead = await makeLead(t.db, {
      accountId: owner.accountId,
      pageId: page.id,
      fullName: 'Lee Chan',
      email: 'lee@example.com',
    });
    const rows = await planLeadNotifications(
      t.db,
      {
        email: undefined!,
        sms: undefined!,
        baseUrl: 'http://x',
        publicUrl: 'http://x',
        emailFrom: 'P <p@x.test>',
        smsFallbackFrom: null,
      },
      {
        accountId: owner.accountId,
        leadId: lead.id,
        event: 'created',
        jobId: crypto.randomUUID(),
      },
    );
    expect(rows.find((m) => m.kind === 'autoresponder')).toMatchObject({
      subject: 'Got it, Lee!',
      body: 'Thanks Lee, talk soon.',
    });

    expect((await as('DELETE', `/api/v1/templates/${put.json().id}`)).statusCode).toBe(204);
    expect((await as('GET', '/api/v1/templates')).json().data).toEqual([]);
    expect((await as('DELETE', `/api/v1/templates/${put.json().id}`)).statusCode).toBe(404);
  });
});
