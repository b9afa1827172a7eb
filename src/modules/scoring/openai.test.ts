import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_OPENAI_KEY, fakeOpenAi } from '../../providers/ai/openai.fake.ts';
import { heuristicScorer, scoreHeuristically } from './heuristic.ts';
import {
  createOpenAiScorer,
  type OpenAiScorerOptions,
  PROMPT_VERSION,
  RESPONSE_JSON_SCHEMA,
  redactContact,
  ScorerError,
  scoreWithFallback,
} from './openai.ts';
import type { ScoringInput } from './scorer.ts';

let fake = fakeOpenAi();

beforeEach(async () => {
  fake = fakeOpenAi();
  await fake.start();
});
afterEach(async () => {
  await fake.stop();
});

const EMAIL = 'jane.doe@example.com';
const PHONE = '+13125550142';

const LEAD: ScoringInput = {
  source: 'home_valuation',
  pageKind: 'home_valuation',
  fullName: 'Jane Doe',
  email: EMAIL,
  phoneE164: PHONE,
  addressLine: '12 Elm Street',
  city: 'Evanston',
  state: 'IL',
  postalCode: '60201',
  message: 'We plan to sell this spring. Call me at (312) 555-0142 or write to jane.doe@example.com',
  timeline: '1_3_months',
  urgency: null,
  priceMinCents: 45_000_000,
  priceMaxCents: 52_000_000,
  details: { beds: 3, baths: 2 },
  consentGiven: true,
  submissionCount: 1,
  submittedAt: new Date('2026-12-01T16:00:00Z'),
  timeZone: 'America/Chicago',
};

const ANSWER = {
  score: 82,
  summary: 'J. D. wants to sell in Evanston within three months and asked for a valuation.',
  reasons: [
    { signal: 'timeline', label: 'Selling in 1–3 months', points: 20 },
    { signal: 'contact', label: 'Gave a phone number and an email', points: 10 },
  ],
};

const scorer = (over: Partial<OpenAiScorerOptions> = {}) =>
  createOpenAiScorer({ apiKey: FAKE_OPENAI_KEY, baseURL: fake.url, ...over });

/** The ScorerError a call must throw. */
async function scorerError(call: Promise<unknown>) {
  return call.then(
    () => expect.unreachable('the call should have failed'),
    (e: unknown) => {
      expect(e).toBeInstanceOf(ScorerError);
      return e as ScorerError;
    },
  );
}

describe('the OpenAI scorer', () => {
  it('scores a lead through structured outputs, sending neither the email address nor the phone number', async () => {
    fake.reply({ json: ANSWER });
    const s = scorer();
    expect(s).toMatchObject({ name: 'openai', model: 'gpt-4o-mini', version: PROMPT_VERSION });
    const result = await s.score(LEAD);
    expect(result).toEqual({
      ...ANSWER,
      scorer: 'openai',
      model: 'gpt-4o-mini',
      version: PROMPT_VERSION,
      usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) },
    });
    // The tokens OpenAI counted, as its answer gave them (the fake counts ~4 characters a token).
    expect(result.usage!.inputTokens).toBeGreaterThan(100);
    expect(result.usage!.outputTokens).toBe(Math.ceil(JSON.stringify(ANSWER).length / 4));

    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0]!;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/chat/completions', apiKey: FAKE_OPENAI_KEY });
    const body = request.body as {
      model: string;
      response_format: unknown;
      messages: { role: string; content: string }[];
    };
    expect(body.model).toBe('gpt-4o-mini');
    expect(body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'lead_score', schema: RESPONSE_JSON_SCHEMA, strict: true },
    });
    expect(body.messages.map((m) => m.role)).toEqual(['system', 'user']);
    const sent = JSON.parse(body.messages[1]!.content) as Record<string, unknown>;
    expect(sent).toMatchObject({
      source: 'home_valuation',
      pageKind: 'home_valuation',
      nameInitials: 'J. D.',
      gaveEmail: true,
      gavePhone: true,
      city: 'Evanston',
      state: 'IL',
      timeline: '1_3_months',
      beds: 3,
      baths: 2,
      localHourSubmitted: 10,
    });
    expect(sent.message).toBe('We plan to sell this spring. Call me at [phone] or write to [email]');

    const raw = JSON.stringify(request.body);
    for (const secret of [EMAIL, 'example.com', PHONE, '3125550142', '555-0142', 'Jane', 'Elm', '60201'])
      expect(raw).not.toContain(secret);
    expect(fake.unexpected).toEqual([]);
  });

  it('throws malformed_output for an answer that is not JSON or is out of range; the fallback scores instead', async () => {
    fake.reply(
      { content: '{"score": 82, "summary": "cut' },
      { json: { ...ANSWER, score: 140 } },
      { json: { ...ANSWER, score: 82.5 } },
      { content: '{"score": 82, "summary": "cut', finishReason: 'length' },
      { refusal: 'I cannot help with that.' },
      { content: '{"score": 82, "summary": "cut' },
    );
    const s = scorer();
    for (let i = 0; i < 5; i++) {
      const error = await scorerError(s.score(LEAD));
      expect(error.reason).toBe('malformed_output');
    }

    const result = await scoreWithFallback(s, heuristicScorer, LEAD);
    expect(result).toEqual({
      ...scoreHeuristically(LEAD),
      scorer: 'heuristic',
      model: null,
      version: heuristicScorer.version,
      // The answer did not fit, but the call was made: its tokens count.
      failure: {
        scorer: 'openai',
        reason: 'malformed_output',
        message: expect.any(String),
        usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) },
      },
    });
    expect(fake.requests).toHaveLength(6);
    expect(fake.unexpected).toEqual([]);
  });

  it('scoreWithFallback returns the primary’s result when it succeeds', async () => {
    fake.reply({ json: ANSWER });
    const result = await scoreWithFallback(scorer(), heuristicScorer, LEAD);
    expect(result).toEqual({
      ...ANSWER,
      scorer: 'openai',
      model: 'gpt-4o-mini',
      version: PROMPT_VERSION,
      usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) },
    });
    expect(result.failure).toBeUndefined();
  });

  it('retries a 429 (the SDK honours retry-after) and succeeds', async () => {
    fake.reply({ status: 429, retryAfter: '1' }, { json: ANSWER });
    const started = Date.now();
    const result = await scorer().score(LEAD);
    expect(result.score).toBe(82);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(fake.seen).toEqual(['POST /v1/chat/completions', 'POST /v1/chat/completions']);
    expect(fake.pending).toEqual([]);
    expect(fake.unexpected).toEqual([]);
  });

  it('gives up as unavailable once the retries are spent', async () => {
    fake.reply({ status: 500 }, { status: 500 });
    const error = await scorerError(scorer({ maxRetries: 1 }).score(LEAD));
    expect(error).toMatchObject({ reason: 'unavailable', status: 500 });
    expect(fake.requests).toHaveLength(2);
    expect(fake.unexpected).toEqual([]);
  });

  it('throws timeout when the model answers too late; the fallback scores instead', async () => {
    fake.reply({ json: ANSWER, delayMs: 1_000 }, { json: ANSWER, delayMs: 1_000 });
    const s = scorer({ timeoutMs: 300, maxRetries: 0 });
    const error = await scorerError(s.score(LEAD));
    expect(error.reason).toBe('timeout');

    const result = await scoreWithFallback(s, heuristicScorer, LEAD);
    expect(result.scorer).toBe('heuristic');
    expect(result.score).toBe(scoreHeuristically(LEAD).score);
    expect(result.failure).toMatchObject({ scorer: 'openai', reason: 'timeout' });
  });

  it('throws unauthorized for a refused key, without quoting it', async () => {
    const wrong = 'sk-wrong-0123456789abcdefghij';
    const error = await scorerError(scorer({ apiKey: wrong }).score(LEAD));
    expect(error).toMatchObject({ reason: 'unauthorized', status: 401 });
    expect(error.message).not.toContain('ghij');
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.apiKey).toBe(wrong);
  });

  it('throws unavailable when OpenAI cannot be reached', async () => {
    const url = fake.url;
    await fake.stop();
    const error = await scorerError(
      createOpenAiScorer({ apiKey: FAKE_OPENAI_KEY, baseURL: url, maxRetries: 0 }).score(LEAD),
    );
    expect(error.reason).toBe('unavailable');
    fake = fakeOpenAi();
    await fake.start();
  });
});

describe('redactContact', () => {
  it('takes out email addresses and phone numbers, and leaves prices and years', () => {
    expect(redactContact('Text 312.555.0142 or +1 (312) 555-0142, mail a.b@c.co')).toBe(
      'Text [phone] or [phone], mail [email]',
    );
    expect(redactContact('Budget $450,000 by 2027, 3 beds')).toBe('Budget $450,000 by 2027, 3 beds');
  });
});
