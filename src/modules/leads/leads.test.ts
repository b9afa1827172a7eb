import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { makeAccount, makeLead, makePage } from '../../../test/factories.ts';
import { leadEvents, usageCounters } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { periodMonthOf } from './leads.service.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.destroy());

describe('leads', () => {
  it('stores a lead with its created event and counts it in the month', async () => {
    const { account } = await makeAccount(db);
    const page = await makePage(db, { accountId: account.id });
    const first = await makeLead(db, { accountId: account.id, pageId: page.id, email: 'Mixed@Example.TEST' });
    await makeLead(db, { accountId: account.id });
    expect(first.email).toBe('Mixed@Example.TEST'); // citext keeps the text, compares without case
    const { events, counter } = await withTenant(db, account.id, async (tx) => ({
      events: await tx
        .select()
        .from(leadEvents)
        .where(and(eq(leadEvents.accountId, account.id), eq(leadEvents.leadId, first.id))),
      counter: await tx.select().from(usageCounters).where(eq(usageCounters.accountId, account.id)),
    }));
    expect(events.map((e) => e.kind)).toEqual(['created']);
    expect(counter).toHaveLength(1);
    expect(counter[0]).toMatchObject({ periodMonth: periodMonthOf(new Date()), leadsCreated: 2 });
  });

  it('names the month a date falls in', () => {
    expect(periodMonthOf(new Date('2026-02-28T23:59:59Z'))).toBe('2026-02-01');
  });
});
