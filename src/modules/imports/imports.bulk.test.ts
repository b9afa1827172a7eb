import { describe, expect, it } from 'vitest';
import { testEngine } from '../../../test/db.ts';
import { asSession, SESSION_COOKIE, signUp, TEST_ORIGIN, useTestApp } from '../../../test/http.ts';
import { withTenant } from '../../db/tenant.ts';

/**
 * 100,000 rows through the real route and job, on PostgreSQL only (on PGlite it would take
 * minutes of the shared cores and prove nothing more). Checks the report to the row; timing is
 * the benchmark's job (bench/import.bench.ts), not a test's.
 */

const ROWS = 100_000;

/** Every 50th row repeats the row before's email (a merge); every 100th has a bad email and no phone. */
export function bulkCsv(rows: number): string {
  const lines = ['First Name,Last Name,Email,Phone,City,Status,Created'];
  for (let i = 0; i < rows; i++) {
    const email = i % 100 === 10 ? `bad-email-${i}` : `person${i % 50 === 49 ? i - 1 : i}@bulk.example.com`;
    const phone =
      i % 3 === 0 && i % 100 !== 10
        ? `(512) ${200 + Math.floor(i / 10_000)}-${String(i % 10_000).padStart(4, '0')}`
        : '';
    lines.push(`Person,Number ${i},${email},${phone},Austin,contacted,2025-01-01T00:00:00Z`);
  }
  return `${lines.join('\n')}\n`;
}

const t = useTestApp({ withJobs: true });

describe.skipIf(testEngine !== 'postgres')('a 100,000-row import', () => {
  it('imports, merges and rejects exactly the right rows', { timeout: 600_000 }, async () => {
    const p = await signUp(t.app, 'bulk');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/leads/import',
      cookies: { [SESSION_COOKIE]: p.cookie },
      headers: { origin: TEST_ORIGIN, 'content-type': 'text/csv' },
      payload: bulkCsv(ROWS),
    });
    expect([201, 202], res.body).toContain(res.statusCode);
    let report = res.json();
    while (report.status !== 'completed') {
      expect(['queued', 'running']).toContain(report.status);
      await new Promise((r) => setTimeout(r, 1000));
      report = (await asSession(t.app, p.cookie)('GET', res.headers.location as string)).json();
    }
    expect(report).toMatchObject({
      totalRows: ROWS,
      processedRows: ROWS,
      imported: 97_000,
      merged: 2_000,
      rejectedCount: 1_000,
    });
    expect(report.rejected).toHaveLength(1_000);
    expect(report.rejected[0]).toEqual({
      row: 12,
      errors: [{ path: 'Email', message: 'is not an email address' }],
    });
    expect(report.rejected[999].row).toBe(99_912);
    const counts = await withTenant(t.db, p.accountId, async (_tx, c) => {
      const { rows } = await c.query<{ leads: number; phones: number; contacted: number; events: number }>(
        `SELECT (SELECT count(*)::int FROM leads WHERE account_id = $1) AS leads,
                (SELECT count(*)::int FROM leads WHERE account_id = $1 AND phone_e164 IS NOT NULL) AS phones,
                (SELECT count(*)::int FROM leads WHERE account_id = $1 AND status = 'contacted'
                   AND contacted_at = '2025-01-01T00:00:00Z') AS contacted,
                (SELECT count(*)::int FROM lead_events WHERE account_id = $1 AND kind = 'imported') AS events`,
        [p.accountId],
      );
      return rows[0]!;
    });
    // Rows i % 3 === 0 carry a phone; a merge row's phone fills its target when it has none.
    expect(counts).toMatchObject({ leads: 97_000, contacted: 97_000, events: 99_000 });
    const usage = (await asSession(t.app, p.cookie)('GET', '/api/v1/usage')).json();
    expect(usage.counters.leadsCreated).toBe(0);
  });
});
