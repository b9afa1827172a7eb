import { describe, expect, it } from 'vitest';
import { makePage } from '../../../test/factories.ts';
import { asSession, type SignedUp, signUp, useTestApp } from '../../../test/http.ts';
import { HEURISTIC_VERSION } from '../scoring/weights.ts';
import { scoreLead } from './lead-score.service.ts';

// A real job queue: intake queues `leads.score` and the worker runs it, as in production.
const t = useTestApp({ withJobs: true });

let ipSeq = 0;
const call = (p: SignedUp) => asSession(t.app, p.cookie);

type Event = { kind: string; payload: Record<string, unknown>; actorUserId: string | null };
type Detail = {
  aiScore: number | null;
  aiSummary: string | null;
  aiReasons: { signal: string; label: string; points: number; detail?: string }[] | null;
  aiScorer: string | null;
  aiVersion: string | null;
  aiModel: string | null;
  aiScoredAt: string | null;
  events: Event[];
  masked: boolean;
};

function submit(pageId: string, body: object) {
  ipSeq += 1;
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/public/pages/${pageId}/leads`,
    payload: body,
    remoteAddress: `203.0.113.${ipSeq}`,
  });
}

async function detail(p: SignedUp, id: string): Promise<Detail> {
  const res = await call(p)('GET', `/api/v1/leads/${id}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const scoredEvents = (d: Detail) => d.events.filter((e) => e.kind === 'scored');

/** Polls the lead until `ok`, or fails after 15 s. */
async function waitForLead(p: SignedUp, id: string, ok: (d: Detail) => boolean): Promise<Detail> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const d = await detail(p, id);
    if (ok(d)) return d;
    if (Date.now() > deadline) throw new Error(`lead ${id} never got there: ${JSON.stringify(d)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const SELLER = {
  fullName: 'Maria Lopez',
  email: 'maria.lopez@example.com',
  phone: '+1 512 555 0142',
  addressLine: '12 Oak Street',
  city: 'Austin',
  state: 'TX',
  postalCode: '78701',
  timeline: '1_3_months',
};

describe('lead scoring (job leads.score)', () => {
  it('a submitted lead gets a score, summary, reasons and a `scored` event; a resubmission re-scores it', async () => {
    const owner = await signUp(t.app, 'score');
    const page = await makePage(t.db, { accountId: owner.accountId, kind: 'home_valuation' });
    const res = await submit(page.id, SELLER);
    expect(res.statusCode, res.body).toBe(201);
    const { leadId } = res.json();

    const first = await waitForLead(owner, leadId, (d) => scoredEvents(d).length === 1);
    expect(first).toMatchObject({
      aiScore: expect.any(Number),
      aiScorer: 'heuristic',
      aiVersion: HEURISTIC_VERSION,
      aiModel: null,
      aiScoredAt: expect.any(String),
    });
    expect(first.aiSummary).toContain('Maria Lopez asked what their home at 12 Oak Street, Austin is worth.');
    expect(first.aiReasons?.[0]).toEqual({ signal: 'base', label: 'Starting score', points: 30 });
    expect(first.aiReasons).toContainEqual({
      signal: 'timeline',
      label: 'A timeline within 3 months',
      points: 12,
      detail: 'In 1–3 months',
    });
    expect(first.aiReasons?.reduce((sum, r) => sum + r.points, 0)).toBe(first.aiScore);
    expect(scoredEvents(first)[0]).toMatchObject({
      payload: {
        score: first.aiScore,
        previousScore: null,
        scorer: 'heuristic',
        version: HEURISTIC_VERSION,
        trigger: 'created',
        signals: expect.objectContaining({ base: 30, timeline: 12 }),
      },
      actorUserId: null,
    });

    // The same person again: merged, and worth more (a second submission).
    expect((await submit(page.id, { ...SELLER, message: 'Still keen to sell' })).json().leadId).toBe(leadId);
    const second = await waitForLead(owner, leadId, (d) => scoredEvents(d).length === 2);
    expect(second.aiScore).toBeGreaterThan(first.aiScore!);
    expect(second.aiReasons?.map((r) => r.signal)).toEqual(expect.arrayContaining(['repeat', 'intent_sell']));
    expect(scoredEvents(second)[0]!.payload).toMatchObject({
      score: second.aiScore,
      previousScore: first.aiScore,
      trigger: 'merged',
    });

    // A retried job: same input, same result, nothing written.
    const again = await scoreLead(t.db, owner.accountId, leadId, { trigger: 'merged' });
    expect(again.outcome).toBe('unchanged');
    const after = await detail(owner, leadId);
    expect(scoredEvents(after)).toHaveLength(2);
    expect(after.aiScoredAt).toBe(second.aiScoredAt);
  });

  it('a lead created through the API is scored too', async () => {
    const owner = await signUp(t.app, 'score-api');
    const res = await call(owner)('POST', '/api/v1/leads', {
      fullName: 'Bo Byer',
      email: 'bo@mailinator.com',
      timeline: 'next year',
    });
    expect(res.statusCode, res.body).toBe(201);
    const d = await waitForLead(owner, res.json().id, (x) => x.aiScore !== null);
    expect(d.aiReasons?.map((r) => [r.signal, r.points])).toEqual(
      expect.arrayContaining([
        ['email', -15],
        ['timeline', -4],
      ]),
    );
    expect(d.aiSummary).toContain('Bo Byer was added through the API.');
  });

  it('a lead whose details are edited (PATCH) is scored again; a status change alone is not', async () => {
    const owner = await signUp(t.app, 'score-edit');
    const res = await call(owner)('POST', '/api/v1/leads', { fullName: 'Ed Ited', email: 'ed@example.com' });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as string;
    const first = await waitForLead(owner, id, (x) => x.aiScore !== null);
    const moved = await call(owner)('PATCH', `/api/v1/leads/${id}`, { status: 'contacted' });
    expect(moved.statusCode, moved.body).toBe(200);
    const edited = await call(owner)('PATCH', `/api/v1/leads/${id}`, {
      phone: '+1 512 555 0199',
      addressLine: '14 Elm Street',
    });
    expect(edited.statusCode, edited.body).toBe(200);
    const again = await waitForLead(owner, id, (x) => scoredEvents(x).length === 2);
    expect(again.aiScore!).toBeGreaterThan(first.aiScore!);
    const triggers = scoredEvents(again).map((e) => e.payload.trigger);
    expect(triggers.sort()).toEqual(['created', 'updated']);
  });

  it('POST /api/v1/leads/:id/score re-scores on request and records who asked', async () => {
    const owner = await signUp(t.app, 'rescore');
    const created = (await call(owner)('POST', '/api/v1/leads', { email: 'again@example.test' })).json();
    await waitForLead(owner, created.id, (d) => scoredEvents(d).length === 1);
    const res = await call(owner)('POST', `/api/v1/leads/${created.id}/score`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: created.id, aiScore: expect.any(Number), aiScorer: 'heuristic' });
    const d = await detail(owner, created.id);
    expect(scoredEvents(d)).toHaveLength(2);
    expect(scoredEvents(d)[0]).toMatchObject({
      payload: { trigger: 'manual', previousScore: d.aiScore, score: d.aiScore },
      actorUserId: owner.userId,
    });
    for (const id of ['00000000-0000-4000-8000-000000000000', 'nope']) {
      expect((await call(owner)('POST', `/api/v1/leads/${id}/score`)).statusCode).toBe(404);
    }
  });

  it('spam is not scored (409 on request); a held lead is, with its summary and reasons hidden', async () => {
    const owner = await signUp(t.app, 'score-skip');
    const spam = (
      await call(owner)('POST', '/api/v1/leads', { email: 'junk@example.test', status: 'spam' })
    ).json();
    const refused = await call(owner)('POST', `/api/v1/leads/${spam.id}/score`);
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json().code).toBe('LEAD_IS_SPAM');
    expect(await scoreLead(t.db, owner.accountId, spam.id, { trigger: 'created' })).toMatchObject({
      outcome: 'spam',
    });
    expect((await detail(owner, spam.id)).aiScore).toBeNull();

    const held = (await call(owner)('POST', '/api/v1/leads', { email: 'held@example.test' })).json();
    await waitForLead(owner, held.id, (d) => d.aiScore !== null);
    await t.db.query(`UPDATE leads SET is_held = true, held_reason = 'plan_limit' WHERE id = $1`, [held.id]);
    const d = await detail(owner, held.id);
    expect(d).toMatchObject({ masked: true, aiScore: expect.any(Number), aiSummary: null, aiReasons: null });
    expect(scoredEvents(d)[0]!.payload).toMatchObject({ score: d.aiScore, scorer: 'heuristic' });
  });

  it('a lead that changes while it is scored is scored again on its new fields', async () => {
    const owner = await signUp(t.app, 'score-race');
    const page = await makePage(t.db, { accountId: owner.accountId, kind: 'contact' });
    const { leadId } = (await submit(page.id, { email: 'racer@example.test' })).json();
    await waitForLead(owner, leadId, (d) => d.aiScore !== null);
    let calls = 0;
    const outcome = await scoreLead(t.db, owner.accountId, leadId, {
      trigger: 'merged',
      scorer: {
        name: 'test',
        version: 't1',
        model: null,
        score: async (input) => {
          calls += 1;
          // The first time, the lead gains a phone number behind the scorer's back.
          if (calls === 1) {
            await t.db.query(`UPDATE leads SET phone_e164 = '+15125550199' WHERE id = $1`, [leadId]);
          }
          return {
            score: input.phoneE164 ? 70 : 20,
            summary: 'test',
            reasons: [{ signal: 'base', label: 'Starting score', points: input.phoneE164 ? 70 : 20 }],
          };
        },
      },
    });
    expect(calls).toBe(2);
    expect(outcome).toMatchObject({ outcome: 'scored', lead: { aiScore: 70, aiScorer: 'test' } });
  });
});
