import crypto from 'node:crypto';
import type { Database, SqlClient, Tx } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import type { accounts, newLeadAlertChoices, users } from '../../db/schema/index.ts';
import { withSystem, withTenant, withUser } from '../../db/tenant.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/audit.service.ts';
import {
  deleteMembership,
  findMembers,
  findMembershipsOfUser,
  getAccountById,
  getAccountBySlug,
  getMembership,
  getUserByEmail,
  getUserById,
  insertAccount,
  insertMembership,
  insertUser,
  lockOwners,
  markEmailVerified,
  markLoggedIn,
  updateAccount,
  updateMembershipRole,
  updatePasswordHash,
} from './accounts.repo.ts';

export type Account = typeof accounts.$inferSelect;
export type User = typeof users.$inferSelect;
export type Role = 'owner' | 'admin' | 'member' | 'affiliate';
export type NewLeadAlerts = (typeof newLeadAlertChoices)[number];

/**
 * Where a member's new-lead emails start: owners hear of every unassigned lead (`all`), anyone
 * else of the leads assigned to them. Set when a membership is made and when the owner role is
 * gained or lost; the member changes it afterwards (account notifications).
 */
export function defaultNewLeadAlerts(role: Role): NewLeadAlerts {
  return role === 'owner' ? 'all' : 'assigned';
}

export type CreateAccountInput = {
  name: string;
  slug: string;
  vertical?: Account['vertical'];
  planCode?: string;
  timezone?: string;
  owner: { email: string; name: string; passwordHash: string | null };
  /** Runs inside the sign-up transaction (e.g. to queue the verification email with it). */
  onCreated?: (client: SqlClient, created: { accountId: string; userId: string }) => Promise<void>;
};

/** A taken slug or email as a 409 naming the field; any other error as it was. */
function asConflict(error: unknown): unknown {
  if (isUniqueViolation(error, 'accounts_slug_key')) {
    return new AppError('conflict', 'ACCOUNT_SLUG_TAKEN', 'That account address is taken', [
      { path: 'accountSlug', message: 'is taken' },
    ]);
  }
  if (isUniqueViolation(error, 'users_email_key')) {
    return new AppError('conflict', 'USER_EMAIL_TAKEN', 'An account with that email exists', [
      { path: 'email', message: 'is already registered' },
    ]);
  }
  return error;
}

/**
 * A new tenant: the owner user, the account and the OWNER membership in one transaction.
 * The account id is made here, so the transaction can be the new tenant's from its start.
 */
export async function createAccountWithOwner(
  db: Database,
  input: CreateAccountInput,
): Promise<{ account: Account; user: User }> {
  const accountId = crypto.randomUUID();
  const userId = crypto.randomUUID();
  try {
    return await withTenant(db, accountId, async (tx, client) => {
      await insertUser(tx, {
        id: userId,
        email: input.owner.email.trim().toLowerCase(),
        name: input.owner.name.trim(),
        passwordHash: input.owner.passwordHash,
      });
      const account = await insertAccount(tx, {
        id: accountId,
        name: input.name.trim(),
        slug: input.slug.trim().toLowerCase(),
        vertical: input.vertical ?? 'real_estate',
        planCode: input.planCode ?? 'trial',
        timezone: input.timezone ?? 'America/New_York',
      });
      await insertMembership(tx, { accountId, userId, role: 'owner', newLeadAlerts: 'all' });
      await recordAudit(tx, { accountId, action: 'account.signed_up', actorUserId: userId });
      await input.onCreated?.(client, { accountId, userId });
      return { account, user: (await getUserById(tx, userId))! };
    });
  } catch (error) {
    throw asConflict(error);
  }
}

/** Adds a new user to an existing account with a role (invitations build on this). */
export async function createMember(
  db: Database,
  accountId: string,
  input: { email: string; name: string; passwordHash: string | null; role: Role },
): Promise<User> {
  const userId = crypto.randomUUID();
  try {
    return await withTenant(db, accountId, async (tx) => {
      await insertUser(tx, {
        id: userId,
        email: input.email.trim().toLowerCase(),
        name: input.name.trim(),
        passwordHash: input.passwordHash,
      });
      await insertMembership(tx, {
        accountId,
        userId,
        role: input.role,
        newLeadAlerts: defaultNewLeadAlerts(input.role),
      });
      return (await getUserById(tx, userId))!;
    });
  } catch (error) {
    throw asConflict(error);
  }
}

/** An account by its slug (host names and public URLs route by it): the cross-tenant path. */
export function findAccountBySlug(db: Database, slug: string): Promise<Account | undefined> {
  return withSystem(db, 'accounts: route by slug', (tx) => getAccountBySlug(tx, slug.toLowerCase()));
}

/** A user by login email, for sign-in and password reset: the system path. */
export function findUserByEmail(db: Database, email: string): Promise<User | undefined> {
  return withSystem(db, 'identity: find user by email', (tx) =>
    getUserByEmail(tx, email.trim().toLowerCase()),
  );
}

/** A user by id, for the signed-in session: the system path. */
export function findUserById(db: Database, userId: string): Promise<User | undefined> {
  return withSystem(db, 'identity: find user by id', (tx) => getUserById(tx, userId));
}

/** The accounts a user belongs to, with their role in each (the user's own path). */
export async function listMembershipsOfUser(
  db: Database,
  userId: string,
): Promise<{ account: Account; role: Role }[]> {
  const rows = await withUser(db, userId, (tx) => findMembershipsOfUser(tx, userId));
  return rows.map((r) => ({ account: r.account, role: r.role as Role }));
}

/** The user's role in one account, or undefined when they are not a member. */
export async function getRole(db: Database, accountId: string, userId: string): Promise<Role | undefined> {
  const row = await withTenant(db, accountId, (tx) => getMembership(tx, accountId, userId));
  return row?.role as Role | undefined;
}

/** Stores a new password hash (a rehash on login, a reset): the system path. */
export function setPasswordHash(db: Database, userId: string, passwordHash: string): Promise<void> {
  return withSystem(db, 'identity: set password hash', (tx) => updatePasswordHash(tx, userId, passwordHash));
}

export function recordLogin(db: Database, userId: string): Promise<void> {
  return withSystem(db, 'identity: record login', (tx) => markLoggedIn(tx, userId));
}

export type Member = { userId: string; role: Role; joinedAt: Date; name: string; email: string };

export async function listMembers(db: Database, accountId: string): Promise<Member[]> {
  const rows = await withTenant(db, accountId, (tx) => findMembers(tx, accountId));
  return rows.map((r) => ({ ...r, role: r.role as Role }));
}

const NOT_A_MEMBER = () => new AppError('not_found', 'MEMBER_NOT_FOUND', 'No such member');
const LAST_OWNER = () =>
  new AppError('conflict', 'LAST_OWNER', 'An account needs an owner: make someone else owner first');

/**
 * Changes a member's role, or removes them (role null), under the role matrix: only an owner
 * may grant, change or remove the owner role, and the last owner can be neither demoted nor
 * removed (the owner rows are locked, so two admins cannot race past that).
 */
export async function changeMembership(
  db: Database,
  accountId: string,
  input: { actorUserId: string; actorRole: Role; userId: string; role: Role | null },
): Promise<{ previous: Role; role: Role | null }> {
  return withTenant(db, accountId, async (tx) => {
    const owners = await lockOwners(tx, accountId);
    const target = await getMembership(tx, accountId, input.userId);
    if (!target) throw NOT_A_MEMBER();
    const previous = target.role as Role;
    const touchesOwner = previous === 'owner' || input.role === 'owner';
    const leavingSelf = input.role === null && input.userId === input.actorUserId;
    if (touchesOwner && input.actorRole !== 'owner' && !leavingSelf) {
      throw new AppError(
        'forbidden',
        'OWNER_ONLY',
        'Only an owner can grant, change or remove the owner role',
      );
    }
    if (previous === 'owner' && input.role !== 'owner' && owners.length <= 1) throw LAST_OWNER();
    if (input.role === null) {
      await deleteMembership(tx, accountId, input.userId);
      await recordAudit(tx, {
        accountId,
        action: 'member.removed',
        actorUserId: input.actorUserId,
        target: { type: 'user', id: input.userId },
        details: { previousRole: previous },
      });
    } else if (input.role !== previous) {
      // Gaining or losing the owner role moves the new-lead emails to the new role's start.
      const crossesOwner = (previous === 'owner') !== (input.role === 'owner');
      await updateMembershipRole(
        tx,
        accountId,
        input.userId,
        input.role,
        crossesOwner ? defaultNewLeadAlerts(input.role) : undefined,
      );
      await recordAudit(tx, {
        accountId,
        action: 'member.role_changed',
        actorUserId: input.actorUserId,
        target: { type: 'user', id: input.userId },
        details: { from: previous, to: input.role },
      });
    }
    return { previous, role: input.role };
  });
}

export function findAccountById(db: Database, accountId: string): Promise<Account | undefined> {
  return withSystem(db, 'accounts: by id', (tx) => getAccountById(tx, accountId));
}

export type AccountProfilePatch = {
  name?: string | undefined;
  timezone?: string | undefined;
  vertical?: Account['vertical'] | undefined;
  licenseNumber?: string | null | undefined;
  phoneE164?: string | null | undefined;
  phoneVerifiedAt?: Date | null | undefined;
  smsOptIn?: boolean | undefined;
  voiceCallback?: boolean | undefined;
};

/** Changes the account's own profile (the accounts_update policy allows only its own row). */
export async function updateAccountProfile(
  db: Database,
  accountId: string,
  patch: AccountProfilePatch,
): Promise<Account> {
  const fields = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  const account = await withTenant(db, accountId, (tx) => updateAccount(tx, accountId, fields));
  if (!account) throw new AppError('not_found', 'ACCOUNT_NOT_FOUND', 'No such account');
  return account;
}

/**
 * Inside the caller's tenant transaction: makes a user a member of the account, creating the
 * user first when `newUser` is given. For accepting an invitation atomically with its use.
 */
export async function joinAccountInTx(
  tx: Tx,
  accountId: string,
  input: { userId: string; role: Role; newUser?: { email: string; name: string; passwordHash: string } },
): Promise<User> {
  if (input.newUser) {
    await insertUser(tx, {
      id: input.userId,
      email: input.newUser.email.trim().toLowerCase(),
      name: input.newUser.name.trim(),
      passwordHash: input.newUser.passwordHash,
    });
  }
  if (!(await getMembership(tx, accountId, input.userId))) {
    await insertMembership(tx, {
      accountId,
      userId: input.userId,
      role: input.role,
      newLeadAlerts: defaultNewLeadAlerts(input.role),
    });
  }
  return (await getUserById(tx, input.userId))!;
}

/** Inside the caller's system-path transaction: marks the user's address verified. */
export function markEmailVerifiedInTx(tx: Tx, userId: string, email: string): Promise<boolean> {
  return markEmailVerified(tx, userId, email);
}
