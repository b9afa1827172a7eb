import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeLead } from '../../../test/factories.ts';
import { SESSION_COOKIE, signUp, TEST_ORIGIN, useTestApp } from '../../../test/http.ts';

const t = useTestApp();
let origin = '';
beforeAll(async () => {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});

describe('GET /api/v1/leads/stream', () => {
  it('sends a lead event within 2 s of a new lead, once, and only the account’s own', async () => {
    const owner = await signUp(t.app, 'stream');
    const other = await signUp(t.app, 'stream-other');
    const abort = new AbortController();
    const res = await fetch(`${origin}/api/v1/leads/stream`, {
      headers: {
        accept: 'text/event-stream',
        cookie: `${SESSION_COOKIE}=${owner.cookie}`,
        origin: TEST_ORIGIN,
      },
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (match: (t: string) => boolean, ms: number) => {
      const deadline = Date.now() + ms;
      while (!match(text) && Date.now() < deadline) {
        const chunk = await Promise.race([
          reader.read(),
          new Promise<null>((r) => setTimeout(() => r(null), deadline - Date.now())),
        ]);
        if (!chunk || chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
      }
    };
    await readUntil((x) => x.includes('retry:'), 2000);
    const foreign = await makeLead(t.db, { accountId: other.accountId, fullName: 'Not Yours' });
    const created = Date.now();
    const lead = await makeLead(t.db, { accountId: owner.accountId, fullName: 'Live Lead' });
    await readUntil((x) => x.includes(lead.id), 2500);
    expect(text).toContain(`"id":"${lead.id}"`);
    expect(Date.now() - created).toBeLessThan(2000);
    // Later polls do not send it again.
    await readUntil(() => false, 1500);
    expect(text.split(lead.id).length - 1).toBe(1);
    expect(text).not.toContain(foreign.id);
    abort.abort();
  });
});
