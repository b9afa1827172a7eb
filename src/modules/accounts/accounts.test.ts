import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { makeAccount, makeUser } from '../../../test/factories.ts';
import { withSystem } from '../../db/tenant.ts';
import { AppError } from '../../platform/errors.ts';
import { getUserByEmail } from './accounts.repo.ts';
import { createAccountWithOwner, findAccountBySlug } from './accounts.service.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.destroy());

const conflictOf = async (work: Promise<unknown>) => {
  const error = await work.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
};

describe('accounts', () => {
  it('creates the owner, the account and the owner membership together', async () => {
    const { account, user } = await makeAccount(db, { slug: 'Maple-Realty' });
    expect(account.slug).toBe('maple-realty');
    expect(account.planCode).toBe('trial');
    expect(user.email).toMatch(/^owner-/);
    expect((await findAccountBySlug(db, 'MAPLE-realty'))?.id).toBe(account.id);
  });

  it('answers a taken slug with a 409 naming the field, and writes nothing', async () => {
    await makeAccount(db, { slug: 'oak-homes' });
    const error = await conflictOf(
      createAccountWithOwner(db, {
        name: 'Another Oak',
        slug: 'oak-homes',
        owner: { email: 'second-oak@example.test', name: 'Second', passwordHash: null },
      }),
    );
    expect(error.status).toBe(409);
    expect(error.code).toBe('ACCOUNT_SLUG_TAKEN');
    expect(error.errors).toEqual([{ path: 'accountSlug', message: 'is taken' }]);
    const orphan = await withSystem(db, 'test', (tx) => getUserByEmail(tx, 'second-oak@example.test'));
    expect(orphan).toBeUndefined();
  });

  it('answers a registered email with a 409 naming the field, whatever its case', async () => {
    const { account } = await makeAccount(db);
    await makeUser(db, { accountId: account.id, email: 'pat@example.test' });
    const error = await conflictOf(makeUser(db, { accountId: account.id, email: 'PAT@Example.test' }));
    expect(error.code).toBe('USER_EMAIL_TAKEN');
    expect(error.errors[0]?.path).toBe('email');
  });
});
