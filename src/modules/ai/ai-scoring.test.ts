import crypto from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makePage } from '../../../test/factories.ts';
import { asSession, type SignedUp, signUp, useTestApp } from '../../../test/http.ts';
import { type Config, testConfig } from '../../config.ts';
import { withTenant } from '../../db/tenant.ts';
import { parseEncryptionKeys } from '../../platform/secrets.ts';
import { fakeOpenAi, type OpenAiRequest } from '../../providers/ai/openai.fake.ts';
import { scoreLead } from '../leads/lead-score.service.ts';
import { PROMPT_VERSION } from '../scoring/openai.ts';
import { HEURISTIC_VERSION } from '../scoring/weights.ts';
import { reserveModelCall } from './ai-runs.service.ts';
import { aiDepsOf, chooseModel } from './model-choice.ts';

/**
 * Lead scoring with a model, end to end: intake queues `leads.score`, a real job queue runs it,
 * and the scorer reaches a local fake of the OpenAI API that checks each request as OpenAI would
 * (the Bearer key, the model, the JSON-schema response format). Trial accounts use the platform
 * key (AI_PROVIDER=openai, OPENAI_API_KEY); paid plans their own saved key. Each call is counted
 * in usage_counters.ai_calls with its ai_runs row; past the plan's limit the heuristic scores.
 */

const hex = (n: number) => crypto.randomBytes(n).toString('hex');
const PLATFORM_KEY = `sk-platform-${hex(20)}`;
const OWN_KEY = `sk-own-${hex(20)}`;
const OTHER_OWN_KEY = `sk-own-other-${hex(20)}`;
// Long enough for a loaded CI machine to get the fake's answer; the timeout test waits three of these.
const TIMEOUT_MS = 2_500;

const openai = fakeOpenAi({ keys: [PLATFORM_KEY, OWN_KEY, OTHER_OWN_KEY] });
beforeAll(() => openai.start());
afterAll(() => openai.stop());
afterEach(() => {
  expect(openai.unexpected, 'unexpected requests to the OpenAI fake').toEqual([]);
  expect(openai.pending, 'scripted replies left unused').toEqual([]);
});

let config: Config;
const t = useTestApp({
  withJobs: true,
  makeConfig: () => {
    config = testConfig({
      AI_PROVIDER: 'openai',
      OPENAI_API_KEY: PLATFORM_KEY,
      OPENAI_API_URL: openai.url,
      OPENAI_TIMEOUT_MS: String(TIMEOUT_MS),
    });
    return config;
  },
});

const ANSWER = {
  score: 81,
  summary: 'A seller in Austin who wants a valuation and plans to move within three months.',
  reasons: [
    { signal: 'timeline', label: 'Selling within 3 months', points: 25 },
    { signal: 'contact', label: 'Gave a phone number and an email address', points: 15 },
  ],
};

const SELLER = {
  fullName: 'Maria Lopez',
  email: 'maria.lopez@example.com',
  phone: '+1 512 555 0142',
  addressLine: '12 Oak Street',
  city: 'Austin',
  state: 'TX',
  postalCode: '78701',
  timeline: '1_3_months',
  message: 'Thinking of selling in the spring, call me on 512 555 0142',
};

type Detail = {
  aiScore: number | null;
  aiSummary: string | null;
  aiReasons: { signal: string; label: string; points: number }[] | null;
  aiScorer: string | null;
  aiModel: string | null;
  aiVersion: string | null;
  events: { kind: string; payload: Record<string, unknown>; actorUserId: string | null }[];
};
type Run = {
  id: string;
  agent: string;
  action: string;
  lead_id: string | null;
  input: Record<string, unknown>;
  provider: string;
  model: string | null;
  prompt_version: string | null;
  key_source: string | null;
  result: string;
  error: string | null;
  output: Record<string, unknown> | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_micros: string | number | null;
  duration_ms: number | null;
  completed_at: Date | null;
};

let ipSeq = 0;
async function submit(p: SignedUp, body: object = SELLER): Promise<string> {
  const page = await makePage(t.db, { accountId: p.accountId, kind: 'home_valuation' });
  ipSeq += 1;
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/public/pages/${page.id}/leads`,
    payload: body,
    remoteAddress: `198.51.100.${ipSeq}`,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().leadId;
}

async function detail(p: SignedUp, id: string): Promise<Detail> {
  const res = await asSession(t.app, p.cookie)('GET', `/api/v1/leads/${id}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const scoredEvents = (d: Detail) => d.events.filter((e) => e.kind === 'scored');

/** Polls until the lead has `n` scored events (the job ran), or fails after `waitMs`. */
async function scored(p: SignedUp, id: string, n = 1, waitMs = 15_000): Promise<Detail> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const d = await detail(p, id);
    if (scoredEvents(d).length >= n) return d;
    if (Date.now() > deadline) throw new Error(`lead ${id} was not scored: ${JSON.stringify(d)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const runs = (p: SignedUp) =>
  withTenant(t.db, p.accountId, async (_tx, client) => {
    const { rows } = await client.query<Run>(
      'SELECT * FROM ai_runs WHERE account_id = $1 ORDER BY created_at, id',
      [p.accountId],
    );
    return rows;
  });

const aiCalls = (p: SignedUp) =>
  withTenant(t.db, p.accountId, async (_tx, client) => {
    const { rows } = await client.query<{ ai_calls: number }>(
      'SELECT ai_calls FROM usage_counters WHERE account_id = $1',
      [p.accountId],
    );
    return rows[0]?.ai_calls ?? 0;
  });

async function onPlan(p: SignedUp, plan: string) {
  await withTenant(t.db, p.accountId, (_tx, client) =>
    client.query('UPDATE accounts SET plan_code = $2 WHERE id = $1', [p.accountId, plan]),
  );
}

async function saveOwnKey(p: SignedUp, key: string) {
  const res = await asSession(t.app, p.cookie)('PUT', '/api/v1/credentials/openai', {
    keys: { api_key: key },
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** The chat completions the fake received since `from`. */
const chatsSince = (from: number): OpenAiRequest[] =>
  openai.requests.slice(from).filter((r) => r.path === '/v1/chat/completions');

/** ceil(tokens × 200 micro-dollars per 1,000): credit_prices' ai_chat_1k_tokens. */
const costOf = (run: Run) => Math.ceil(((run.input_tokens ?? 0) + (run.output_tokens ?? 0)) * 0.2);

describe('lead scoring with OpenAI (job leads.score)', () => {
  it('a trial account is scored with the platform key; the run is logged with tokens and cost, and counted', async () => {
    const owner = await signUp(t.app, 'ai-trial');
    const from = openai.requests.length;
    openai.reply({ json: ANSWER });
    const leadId = await submit(owner);
    const d = await scored(owner, leadId);

    expect(d).toMatchObject({
      aiScore: 81,
      aiSummary: ANSWER.summary,
      aiReasons: ANSWER.reasons,
      aiScorer: 'openai',
      aiModel: 'gpt-4o-mini',
      aiVersion: PROMPT_VERSION,
    });
    const [chat, ...more] = chatsSince(from);
    expect(more).toEqual([]);
    expect(chat!.apiKey).toBe(PLATFORM_KEY);
    const body = chat!.body as {
      model: string;
      response_format: { type: string; json_schema: { strict: boolean } };
    };
    expect(body.model).toBe('gpt-4o-mini');
    expect(body.response_format).toMatchObject({ type: 'json_schema', json_schema: { strict: true } });
    // No contact details, name or street went to the model.
    const sent = JSON.stringify(chat!.body);
    for (const pii of ['maria', 'Lopez', 'example.com', '555 0142', '5125550142', 'Oak Street', '78701'])
      expect(sent).not.toContain(pii);

    const [run, ...others] = await runs(owner);
    expect(others).toEqual([]);
    expect(run).toMatchObject({
      agent: 'lead_scorer',
      action: 'score_lead',
      lead_id: leadId,
      input: { leadId, trigger: 'created' },
      provider: 'openai',
      model: 'gpt-4o-mini',
      prompt_version: PROMPT_VERSION,
      key_source: 'platform',
      result: 'succeeded',
      error: null,
      output: { score: 81, signals: { timeline: 25, contact: 15 } },
    });
    expect(run!.input_tokens).toBeGreaterThan(50);
    expect(run!.output_tokens).toBeGreaterThan(10);
    expect(Number(run!.cost_micros)).toBe(costOf(run!));
    expect(run!.duration_ms).toBeGreaterThanOrEqual(0);
    expect(run!.completed_at).not.toBeNull();
    expect(await aiCalls(owner)).toBe(1);
    expect(scoredEvents(d)[0]!.payload).toMatchObject({
      score: 81,
      scorer: 'openai',
      model: 'gpt-4o-mini',
      aiRunId: run!.id,
      trigger: 'created',
    });
    expect(scoredEvents(d)[0]!.payload.fallback).toBeUndefined();

    // The usage screen counts it.
    const usage = await asSession(t.app, owner.cookie)('GET', '/api/v1/usage');
    expect(usage.json()).toMatchObject({ counters: { aiCalls: 1 }, limits: { aiCalls: 50 } });

    // The runs log (admins) shows it, with the month's sums.
    const log = await asSession(t.app, owner.cookie)('GET', '/api/v1/ai-runs');
    expect(log.statusCode, log.body).toBe(200);
    expect(log.json()).toEqual({
      month: {
        periodMonth: expect.stringMatching(/^\d{4}-\d{2}-01$/),
        calls: 1,
        skipped: 0,
        failed: 0,
        tokens: run!.input_tokens! + run!.output_tokens!,
        costMicros: costOf(run!),
      },
      data: [
        {
          id: run!.id,
          agent: 'lead_scorer',
          action: 'score_lead',
          leadId,
          provider: 'openai',
          model: 'gpt-4o-mini',
          promptVersion: PROMPT_VERSION,
          keySource: 'platform',
          result: 'succeeded',
          error: null,
          inputTokens: run!.input_tokens,
          outputTokens: run!.output_tokens,
          costMicros: costOf(run!),
          durationMs: run!.duration_ms,
          createdAt: expect.any(String),
          completedAt: expect.any(String),
        },
      ],
    });
  });

  it('a paid plan is scored with the account’s own key, never the platform’s; with none saved, the heuristic', async () => {
    const paid = await signUp(t.app, 'ai-paid');
    await onPlan(paid, 'pro');
    const from = openai.requests.length;

    // No key of its own: the heuristic, no call, no run.
    const first = await submit(paid);
    const heuristic = await scored(paid, first);
    expect(heuristic).toMatchObject({ aiScorer: 'heuristic', aiVersion: HEURISTIC_VERSION, aiModel: null });
    expect(chatsSince(from)).toEqual([]);
    expect(await runs(paid)).toEqual([]);

    await saveOwnKey(paid, OWN_KEY);
    openai.reply({ json: ANSWER });
    const second = await submit(paid, {
      ...SELLER,
      email: 'other.seller@example.com',
      phone: '+1 512 555 0199',
    });
    expect(await scored(paid, second)).toMatchObject({ aiScorer: 'openai', aiScore: 81 });
    expect(chatsSince(from).map((r) => r.apiKey)).toEqual([OWN_KEY]);
    expect((await runs(paid)).map((r) => [r.key_source, r.result])).toEqual([['own', 'succeeded']]);
    expect(await aiCalls(paid)).toBe(1);

    // A member's "Score again" asks the model too, with the member as the event's actor.
    openai.reply({ json: { ...ANSWER, score: 77 } });
    const res = await asSession(t.app, paid.cookie)('POST', `/api/v1/leads/${second}/score`, {});
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ aiScore: 77, aiScorer: 'openai' });
    const after = await detail(paid, second);
    expect(scoredEvents(after)[0]).toMatchObject({
      payload: { score: 77, previousScore: 81, trigger: 'manual' },
      actorUserId: paid.userId,
    });
    expect(chatsSince(from).map((r) => r.apiKey)).toEqual([OWN_KEY, OWN_KEY]);
    expect(await aiCalls(paid)).toBe(2);
  });

  it('malformed model output: the heuristic score stands, the failure is recorded, the call is counted', async () => {
    const owner = await signUp(t.app, 'ai-malformed');
    openai.reply({ content: '{"score": 81, "summary": "A seller in Au' });
    const leadId = await submit(owner);
    const d = await scored(owner, leadId);

    expect(d).toMatchObject({ aiScorer: 'heuristic', aiVersion: HEURISTIC_VERSION, aiModel: null });
    expect(d.aiSummary).toContain('Maria Lopez asked what their home at 12 Oak Street, Austin is worth.');
    const [run] = await runs(owner);
    expect(run).toMatchObject({
      result: 'failed',
      error: 'malformed_output',
      key_source: 'platform',
      output: null,
    });
    // The answer did not fit, but OpenAI billed its tokens.
    expect(run!.output_tokens).toBeGreaterThan(0);
    expect(Number(run!.cost_micros)).toBe(costOf(run!));
    expect(await aiCalls(owner)).toBe(1);
    expect(scoredEvents(d)[0]!.payload).toMatchObject({
      scorer: 'heuristic',
      fallback: { scorer: 'openai', model: 'gpt-4o-mini', reason: 'malformed_output' },
      aiRunId: run!.id,
    });
  });

  it('a 429 then an answer: retried by the SDK, one run, one call counted', async () => {
    const owner = await signUp(t.app, 'ai-429');
    const from = openai.requests.length;
    openai.reply({ status: 429, retryAfter: '0' }, { json: ANSWER });
    const leadId = await submit(owner);
    expect(await scored(owner, leadId)).toMatchObject({ aiScorer: 'openai', aiScore: 81 });
    expect(chatsSince(from)).toHaveLength(2);
    expect((await runs(owner)).map((r) => r.result)).toEqual(['succeeded']);
    expect(await aiCalls(owner)).toBe(1);
  });

  it('a model that never answers in time: timeout, the heuristic stands, the run records how long it waited', async () => {
    const owner = await signUp(t.app, 'ai-timeout');
    const from = openai.requests.length;
    // The first attempt and both retries time out.
    openai.reply(
      { json: ANSWER, delayMs: 10_000 },
      { json: ANSWER, delayMs: 10_000 },
      { json: ANSWER, delayMs: 10_000 },
    );
    const leadId = await submit(owner);
    const d = await scored(owner, leadId, 1, 40_000);
    expect(d).toMatchObject({ aiScorer: 'heuristic' });
    expect(chatsSince(from)).toHaveLength(3);
    const [run] = await runs(owner);
    expect(run).toMatchObject({ result: 'failed', error: 'timeout', input_tokens: null, cost_micros: null });
    expect(run!.duration_ms).toBeGreaterThanOrEqual(3 * TIMEOUT_MS);
    expect(scoredEvents(d)[0]!.payload).toMatchObject({ fallback: { reason: 'timeout' } });
    expect(await aiCalls(owner)).toBe(1);
  }, 60_000);

  it('past the plan’s AI calls the heuristic scores, no call is made, and the skip is recorded', async () => {
    const owner = await signUp(t.app, 'ai-limit');
    await withTenant(t.db, owner.accountId, (_tx, client) =>
      client.query(
        `INSERT INTO usage_counters (account_id, id, period_month, ai_calls)
         VALUES ($1, $2, date_trunc('month', now() AT TIME ZONE 'UTC')::date, 50)`,
        [owner.accountId, crypto.randomUUID()],
      ),
    );
    const from = openai.requests.length;
    const leadId = await submit(owner);
    const d = await scored(owner, leadId);
    expect(d).toMatchObject({ aiScorer: 'heuristic' });
    expect(chatsSince(from)).toEqual([]);
    const [run] = await runs(owner);
    expect(run).toMatchObject({
      result: 'skipped',
      error: 'over_limit',
      key_source: 'platform',
      input_tokens: null,
      cost_micros: null,
    });
    expect(run!.completed_at).not.toBeNull();
    expect(await aiCalls(owner)).toBe(50);
    expect(scoredEvents(d)[0]!.payload).toMatchObject({
      fallback: { reason: 'over_limit' },
      aiRunId: run!.id,
    });
  });

  it('the last calls under the limit go to exactly as many runs, however many ask at once', async () => {
    const owner = await signUp(t.app, 'ai-race');
    await withTenant(t.db, owner.accountId, (_tx, client) =>
      client.query(
        `INSERT INTO usage_counters (account_id, id, period_month, ai_calls)
         VALUES ($1, $2, date_trunc('month', now() AT TIME ZONE 'UTC')::date, 47)`,
        [owner.accountId, crypto.randomUUID()],
      ),
    );
    const call = {
      agent: 'lead_scorer',
      action: 'score_lead',
      leadId: null,
      input: {},
      provider: 'openai',
      model: 'gpt-4o-mini',
      promptVersion: PROMPT_VERSION,
      keySource: 'platform' as const,
    };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => reserveModelCall(t.db, owner.accountId, call)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(results.filter((r) => !r.ok)).toHaveLength(5);
    expect(await aiCalls(owner)).toBe(50);
    const logged = await runs(owner);
    expect(logged.filter((r) => r.result === 'running')).toHaveLength(3);
    expect(logged.filter((r) => r.result === 'skipped' && r.error === 'over_limit')).toHaveLength(5);
  });

  it('held leads are scored by the heuristic only (no AI call while their details are hidden)', async () => {
    const owner = await signUp(t.app, 'ai-held');
    await withTenant(t.db, owner.accountId, (_tx, client) =>
      client.query(
        `INSERT INTO usage_counters (account_id, id, period_month, leads_created)
         VALUES ($1, $2, date_trunc('month', now() AT TIME ZONE 'UTC')::date, 50)`,
        [owner.accountId, crypto.randomUUID()],
      ),
    );
    const from = openai.requests.length;
    const leadId = await submit(owner);
    await scored(owner, leadId);
    const held = await withTenant(t.db, owner.accountId, async (_tx, client) => {
      const { rows } = await client.query<{ is_held: boolean; ai_scorer: string }>(
        'SELECT is_held, ai_scorer FROM leads WHERE account_id = $1 AND id = $2',
        [owner.accountId, leadId],
      );
      return rows[0];
    });
    expect(held).toEqual({ is_held: true, ai_scorer: 'heuristic' });
    expect(chatsSince(from)).toEqual([]);
    expect(await runs(owner)).toEqual([]);
  });
});

describe('which model and key (chooseModel)', () => {
  const deps = () => aiDepsOf(config, parseEncryptionKeys(config.encryptionKeys!));

  it('AI_PROVIDER=heuristic calls no model, even with a key saved', async () => {
    const paid = await signUp(t.app, 'ai-choice-off');
    await onPlan(paid, 'team');
    await saveOwnKey(paid, OTHER_OWN_KEY);
    expect(await chooseModel(t.db, deps(), paid.accountId)).toMatchObject({
      kind: 'model',
      keySource: 'own',
    });
    expect(await chooseModel(t.db, { ...deps(), provider: 'heuristic' }, paid.accountId)).toBeNull();
  });

  it('the platform key is lent to trials only with AI_PROVIDER=openai', async () => {
    const trial = await signUp(t.app, 'ai-choice-trial');
    expect(await chooseModel(t.db, deps(), trial.accountId)).toMatchObject({
      kind: 'model',
      keySource: 'platform',
    });
    expect(await chooseModel(t.db, { ...deps(), provider: 'dev' }, trial.accountId)).toBeNull();
    // A trial's own saved key is not used: bringing a key is a paid plan's feature.
    await saveOwnKey(trial, OTHER_OWN_KEY);
    expect(await chooseModel(t.db, { ...deps(), provider: 'dev' }, trial.accountId)).toBeNull();
  });

  it('a saved key that no longer opens (its master key removed): no call, recorded as credentials_unreadable', async () => {
    const paid = await signUp(t.app, 'ai-choice-unreadable');
    await onPlan(paid, 'pro');
    await saveOwnKey(paid, OTHER_OWN_KEY);
    const otherKeyring = parseEncryptionKeys(`2:${crypto.randomBytes(32).toString('base64')}`);
    const ai = { ...deps(), keyring: otherKeyring };
    expect(await chooseModel(t.db, ai, paid.accountId)).toEqual({
      kind: 'unreadable',
      model: 'gpt-4o-mini',
      keySource: 'own',
    });

    // The job (with the server's keyring) scores with the model; a re-score with the other
    // keyring cannot open the key: the heuristic, and the skipped run says why.
    openai.reply({ json: ANSWER });
    const from = openai.requests.length;
    const leadId = await submit(paid);
    expect(await scored(paid, leadId)).toMatchObject({ aiScorer: 'openai' });
    const result = await scoreLead(t.db, paid.accountId, leadId, { trigger: 'manual', ai });
    expect(result.lead).toMatchObject({ aiScorer: 'heuristic' });
    expect(chatsSince(from)).toHaveLength(1);
    const [job, skipped, ...more] = await runs(paid);
    expect(more).toEqual([]);
    expect(job).toMatchObject({ result: 'succeeded', key_source: 'own' });
    expect(skipped).toMatchObject({
      result: 'skipped',
      error: 'credentials_unreadable',
      key_source: 'own',
      lead_id: leadId,
      input: { leadId, trigger: 'manual' },
    });
    expect(await aiCalls(paid)).toBe(1);
  });
});
