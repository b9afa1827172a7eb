import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../src/config.ts';
import { withTenant } from '../src/db/tenant.ts';
import { insertMembership } from '../src/modules/accounts/accounts.repo.ts';
import {
  axeProblems,
  CHROMIUM,
  freePort,
  hasChromium,
  launchChromium,
  SIZES,
  signedInContext,
} from './browser.ts';
import { makeLead } from './factories.ts';
import { asSession, signUp, useTestApp } from './http.ts';

/**
 * The dashboard's emailed-link screens in Debian's Chromium against a real server, the links
 * taken from the dev outbox as a person would click them: confirming the email, a forgotten
 * password reset and used to log in, and a team invitation sent from the owner's team settings
 * and accepted by someone new, who lands in the inviting account's inbox; and someone in two
 * accounts switching between them from the sidebar.
 */

if (!hasChromium) console.warn(`test/dashboard-auth.browser.test.ts skipped: no Chromium at ${CHROMIUM}`);

/**
 * Where screenshots go when the tests run with SCREENSHOTS=1
 * (`SCREENSHOTS=1 npx vitest run test/dashboard-auth.browser.test.ts`); otherwise none are written.
 */
const SHOTS = process.env.SCREENSHOTS === '1' ? path.resolve('docs/screenshots') : null;

/**
 * With SCREENSHOTS=1, the page as it stands, whole, at each of `sizes` as
 * docs/screenshots/dashboard-`name`-`size`.png, then back at its own size; otherwise nothing.
 */
async function shoot(page: Page, name: string, sizes: readonly (typeof SIZES)[number][] = SIZES) {
  if (!SHOTS) return;
  const own = page.viewportSize();
  for (const size of sizes) {
    await page.setViewportSize({ width: size.width, height: size.height });
    await page.waitForTimeout(150);
    await page.screenshot({ path: path.join(SHOTS, `dashboard-${name}-${size.name}.png`), fullPage: true });
  }
  if (own) await page.setViewportSize(own);
}

const port = await freePort();
const origin = `http://127.0.0.1:${port}`;

describe.skipIf(!hasChromium)('the dashboard’s account screens in a browser', () => {
  const t = useTestApp({ withJobs: true, config: testConfig({ BASE_URL: origin }) });
  let browser: Browser;

  /** The link in the newest dev-outbox email to `to` whose subject matches (the jobs send it). */
  async function mailedLink(to: string, subject: RegExp): Promise<string> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/dev/outbox' });
      const mail = (res.json().data as { to: string; subject: string; body: string }[]).find(
        (m) => m.to === to && subject.test(m.subject),
      );
      const link = mail?.body.match(/https?:\/\/\S+#token=[A-Za-z0-9_.-]+/)?.[0];
      if (link) return link;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no "${subject}" email to ${to}`);
  }

  beforeAll(async () => {
    await t.app.listen({ port, host: '127.0.0.1' });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('signs up, confirms the email, logs out, resets a forgotten password and logs in with the new one', async () => {
    // bypassCSP: the app's CSP rightly forbids the injected axe script.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    const slug = `reset-${Date.now().toString(36)}`;
    const email = `${slug}@example.test`;
    await page.goto(`${origin}/app/signup`);
    await page.getByRole('heading', { name: 'Start with Porchlight' }).waitFor();
    await shoot(page, 'signup');
    await page.getByLabel('Your name').fill('Robin Reyes');
    await page.getByLabel('Work email').fill(email);
    await page.getByLabel('Password').fill('the first password 123');
    await page.getByLabel('Business name').fill('Reyes Realty');
    await page.getByLabel("Your pages' address").fill(slug);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/app\/leads$/);

    // Unconfirmed: the shell says so until the emailed link is opened.
    const banner = page.getByText('Check your inbox to verify your email');
    await banner.waitFor();
    if (SHOTS) {
      // The new account's checklist on a phone (test/dashboard.browser.test.ts takes the desktop one).
      await page.getByText('0 of 3 done').waitFor();
      await shoot(page, 'getting-started', [SIZES[1]]);
    }
    await page.goto(await mailedLink(email, /Confirm your email/));
    await page.getByRole('heading', { name: 'Your email is confirmed' }).waitFor();
    await page.getByRole('link', { name: 'Go to your inbox' }).click();
    await page.waitForURL(/\/app\/leads$/);
    await page.getByRole('button', { name: 'Log out' }).waitFor();
    expect(await banner.count()).toBe(0);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/app\/login/);
    await page.getByRole('heading', { name: 'Log in to Porchlight' }).waitFor();
    await shoot(page, 'login');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForURL(/\/app\/forgot-password$/);
    // Focus starts in the form's first field.
    expect(await page.evaluate('document.activeElement?.id')).toBe('f-email');
    expect(await axeProblems(page), 'forgot password').toEqual([]);
    await shoot(page, 'forgot-password');
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    expect(await page.locator('body').innerText()).toContain(
      "If an account uses that address, we've sent a link",
    );

    // The link from the email, opened in the same browser.
    const link = await mailedLink(email, /Reset your Porchlight password/);
    expect(link.startsWith(`${origin}/app/reset-password#token=`)).toBe(true);
    await page.goto(link);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    expect(await axeProblems(page), 'reset password').toEqual([]);
    await shoot(page, 'reset-password');
    // The server's policy shows next to the field; the token is not used up by a refusal.
    await page.getByLabel('New password').fill('short');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByText('Use at least 8 characters.').waitFor();
    await page.getByLabel('New password').fill('the second password 456');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.waitForURL(/\/app\/login$/);
    await page.getByText('Your password is changed. Log in with it.').waitFor();

    // The old password no longer works; the new one does.
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('the first password 123');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill('the second password 456');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/app\/leads$/);
    await page.getByRole('button', { name: 'Log out' }).waitFor();

    // The link is single use.
    await page.goto(link);
    await page.getByLabel('New password').fill('the third password 789');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    expect(await page.getByRole('alert').innerText()).toContain('This link is invalid, used or expired');

    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('an owner invites someone new by email; they accept in their own browser and see the account’s leads', async () => {
    const owner = await signUp(t.app, 'inviter');
    await makeLead(t.db, { accountId: owner.accountId, fullName: 'Quinn Buyer', status: 'new' });
    const invitee = `invitee-${Date.now().toString(36)}@example.test`;
    // The owner invites them from the team settings, and sees the invitation waiting.
    const ownerContext = await signedInContext(browser, origin, owner.cookie);
    const settings = await ownerContext.newPage();
    await settings.goto(`${origin}/app/settings?section=team`);
    const inviteForm = settings.getByRole('form', { name: 'Invite someone' });
    await inviteForm.getByLabel('Email', { exact: true }).fill(invitee);
    await inviteForm.getByLabel('Role', { exact: true }).selectOption('member');
    await inviteForm.getByRole('button', { name: 'Send invitation' }).click();
    await settings.getByText(`Invitation emailed to ${invitee}`).waitFor();
    const pending = settings.getByRole('region', { name: 'Pending invitations' });
    await pending.getByText(invitee, { exact: true }).waitFor();
    expect(await pending.innerText()).toContain('Member');
    await ownerContext.close();

    const link = await mailedLink(invitee, /You are invited/);
    expect(link.startsWith(`${origin}/app/accept-invitation#token=`)).toBe(true);
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, bypassCSP: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(link);
    await page.getByRole('heading', { name: 'Join your team on Porchlight' }).waitFor();
    expect(await page.evaluate('document.activeElement?.id')).toBe('f-name');
    expect(await axeProblems(page), 'accept invitation').toEqual([]);
    await shoot(page, 'accept-invitation');

    // Empty fields are named next to themselves; then the new login is made and signed in.
    await page.getByRole('button', { name: 'Create login and join' }).click();
    await page.getByText('Enter your name.').waitFor();
    await page.getByLabel('Your name').fill('Ivy Member');
    await page.getByLabel('Password').fill('ivy’s own password 42');
    await page.getByRole('button', { name: 'Create login and join' }).click();
    await page.waitForURL(/\/app\/leads$/);
    await page.getByRole('link', { name: /Quinn Buyer/ }).waitFor();
    const me = (await page.evaluate(async () => (await fetch('/api/v1/me')).json())) as {
      activeAccountId: string;
      memberships: { role: string }[];
    };
    expect(me.activeAccountId).toBe(owner.accountId);
    expect(me.memberships).toEqual([expect.objectContaining({ role: 'member' })]);
    // A member sees the account's settings but not its API keys.
    await page.goto(`${origin}/app/settings?section=api-keys`);
    await page.getByText('Only admins can manage API keys').waitFor();
    expect(await page.getByRole('button', { name: /create/i }).count()).toBe(0);

    // Used once: opening it again says so.
    await page.goto(link);
    await page.getByRole('button', { name: 'Accept the invitation' }).click();
    expect(await page.getByRole('alert').innerText()).toContain('This invitation is not valid');

    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('someone in two accounts switches between them from the sidebar and sees the other account’s leads', async () => {
    // An account of their own from signing up (the one the session is in), and another owner's
    // that they were added to as a member. (Not joinAccount: its switch comes from TEST_ORIGIN,
    // which this file's BASE_URL refuses.)
    const user = await signUp(t.app, 'switcher');
    const otherOwner = await signUp(t.app, 'elsewhere');
    await withTenant(t.db, otherOwner.accountId, (tx) =>
      insertMembership(tx, { accountId: otherOwner.accountId, userId: user.userId, role: 'member' }),
    );
    const { memberships } = (await asSession(t.app, user.cookie)('GET', '/api/v1/me')).json() as {
      memberships: { role: string; account: { id: string; name: string } }[];
    };
    const ownAccount = memberships.find((m) => m.account.id === user.accountId)?.account;
    const otherAccount = memberships.find((m) => m.account.id === otherOwner.accountId)?.account;
    if (!ownAccount || !otherAccount) throw new Error(`not in both accounts: ${JSON.stringify(memberships)}`);
    await makeLead(t.db, { accountId: ownAccount.id, fullName: 'Hazel Ownlead' });
    await makeLead(t.db, { accountId: otherAccount.id, fullName: 'Olive Elsewhere' });

    const context = await signedInContext(browser, origin, user.cookie);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${origin}/app/leads`);
    const switcher = page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('combobox', { name: 'Account' });
    const shown = switcher.locator('option:checked');
    await page.getByRole('link', { name: /Hazel Ownlead/ }).waitFor();
    expect(await page.getByRole('link', { name: /Olive Elsewhere/ }).count()).toBe(0);
    expect(await switcher.inputValue()).toBe(ownAccount.id);
    expect(await shown.textContent()).toBe(ownAccount.name);
    expect(await switcher.locator('option').allTextContents()).toEqual(
      expect.arrayContaining([otherAccount.name, ownAccount.name]),
    );
    // The switcher is a native select (no menu of its own to open): the screen as it has it.
    expect(await axeProblems(page), 'inbox with the account switcher').toEqual([]);

    // Choosing the other account switches the session (PUT /api/v1/session) and the inbox with it.
    const switched = page.waitForResponse(
      (r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'PUT',
    );
    await switcher.selectOption({ label: otherAccount.name });
    expect((await switched).status()).toBe(200);
    await page.getByRole('link', { name: /Olive Elsewhere/ }).waitFor();
    expect(await page.getByRole('link', { name: /Hazel Ownlead/ }).count()).toBe(0);
    expect(await shown.textContent()).toBe(otherAccount.name);
    // Kept by the session: a reload stays in it.
    await page.reload();
    await page.getByRole('link', { name: /Olive Elsewhere/ }).waitFor();
    expect(await switcher.inputValue()).toBe(otherAccount.id);

    // And back again.
    await switcher.selectOption({ label: ownAccount.name });
    await page.getByRole('link', { name: /Hazel Ownlead/ }).waitFor();
    expect(await page.getByRole('link', { name: /Olive Elsewhere/ }).count()).toBe(0);
    expect(await shown.textContent()).toBe(ownAccount.name);

    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
