import { expect } from 'vitest';
import { as, type Case, type Ctx, expectNotFound } from './kit.ts';

/** Sweep cases for the phone-number routes: tenant B's credentials on tenant A's numbers. */

let seq = 0;

/** A valid US number no other case uses. */
const nextNumber = () => `+1512555${String(1000 + seq++).padStart(4, '0')}`;

async function numberOf(ctx: Ctx) {
  const res = await as(ctx.a, ctx.app)('POST', '/api/v1/phone-numbers', {
    e164: nextNumber(),
    provider: 'twilio',
    purpose: 'main',
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; e164: string };
}

/** Gives tenant A an (unverified) phone and asks for a code; the code as the dev outbox caught it. */
async function codeForA(ctx: Ctx): Promise<string> {
  const phone = nextNumber();
  expect((await as(ctx.a, ctx.app)('PATCH', '/api/v1/account', { phone })).statusCode).toBe(200);
  const sent = await as(ctx.a, ctx.app)('POST', '/api/v1/account/phone/verification');
  expect(sent.statusCode, sent.body).toBe(202);
  const outbox = (await ctx.app.inject({ method: 'GET', url: '/api/v1/dev/outbox' })).json().data as {
    to: string;
    body: string;
  }[];
  return /code is (\d{6})/.exec(outbox.find((m) => m.to === phone)!.body)![1]!;
}

export const telephonyCases: Record<string, Case> = {
  // B's request texts B's own phone or nothing (B has none): A gets no code.
  'POST /api/v1/account/phone/verification': async (ctx) => {
    const phone = nextNumber();
    expect((await as(ctx.a, ctx.app)('PATCH', '/api/v1/account', { phone })).statusCode).toBe(200);
    const res = await as(ctx.b, ctx.app)('POST', '/api/v1/account/phone/verification');
    expect(res.statusCode).toBe(422);
    const outbox = (await ctx.app.inject({ method: 'GET', url: '/api/v1/dev/outbox' })).body;
    expect(outbox).not.toContain(phone);
  },
  // A's code typed in by B verifies nothing: not B's (no code waits for B), not A's.
  'POST /api/v1/account/phone/verify': async (ctx) => {
    const code = await codeForA(ctx);
    expect((await as(ctx.b, ctx.app)('POST', '/api/v1/account/phone/verify', { code })).statusCode).toBe(422);
    expect((await as(ctx.a, ctx.app)('GET', '/api/v1/account')).json().phoneVerified).toBe(false);
  },
  // B's list shows none of A's numbers.
  'GET /api/v1/phone-numbers': async (ctx) => {
    const n = await numberOf(ctx);
    const res = await as(ctx.b, ctx.app)('GET', '/api/v1/phone-numbers');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(n.id);
    expect(res.body).not.toContain(n.e164);
  },
  // B cannot take A's number (409, as for any taken number), and A keeps it.
  'POST /api/v1/phone-numbers': async (ctx) => {
    const n = await numberOf(ctx);
    const res = await as(ctx.b, ctx.app)('POST', '/api/v1/phone-numbers', {
      e164: n.e164,
      provider: 'twilio',
    });
    expect(res.statusCode).toBe(409);
    expect((await as(ctx.a, ctx.app)('GET', '/api/v1/phone-numbers')).body).toContain(n.id);
  },
  // B cannot disconnect A's number: 404 as for a missing one; A keeps it.
  'DELETE /api/v1/phone-numbers/:id': async (ctx) => {
    const n = await numberOf(ctx);
    expectNotFound(await as(ctx.b, ctx.app)('DELETE', `/api/v1/phone-numbers/${n.id}`));
    expect((await as(ctx.a, ctx.app)('GET', '/api/v1/phone-numbers')).body).toContain(n.id);
  },
};
