import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_OPENAI_KEY, FAKE_OPENAI_MODELS, fakeOpenAi } from './openai.fake.ts';

// The fake's own checks, through the official SDK (as the app calls it) and through raw fetch
// (for what the SDK would never send).

let fake = fakeOpenAi();
const client = (over: { apiKey?: string; organization?: string; timeout?: number } = {}) =>
  new OpenAI({
    apiKey: FAKE_OPENAI_KEY,
    organization: null,
    project: null,
    baseURL: fake.url,
    maxRetries: 0,
    logLevel: 'off',
    ...over,
  });

const SCHEMA = {
  type: 'object',
  properties: {
    score: { type: 'integer' },
    reasons: { type: 'array', items: { type: 'string' } },
    contact: {
      type: 'object',
      properties: { when: { type: 'string' } },
      required: ['when'],
      additionalProperties: false,
    },
  },
  required: ['score', 'reasons', 'contact'],
  additionalProperties: false,
};
const MESSAGES = [
  { role: 'system' as const, content: 'Score this lead.' },
  { role: 'user' as const, content: 'Jane wants to sell 12 Elm Street this month.' },
];
const jsonSchema = (over: Record<string, unknown> = {}) => ({
  type: 'json_schema' as const,
  json_schema: { name: 'lead_score', schema: SCHEMA, strict: true, ...over },
});

/** A raw POST to /chat/completions with the good key; the status and OpenAI's error. */
async function post(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${fake.url}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${FAKE_OPENAI_KEY}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const json = (await res.json()) as {
    error?: { message: string; type: string; param: string | null; code: string | null };
  };
  return { status: res.status, error: json.error, json };
}

/** The SDK's error for a call that must fail. */
async function sdkError(call: Promise<unknown>) {
  return call.then(
    () => expect.unreachable('the call should have failed'),
    (e: unknown) => {
      expect(e).toBeInstanceOf(OpenAI.APIError);
      return e as InstanceType<typeof OpenAI.APIError>;
    },
  );
}

beforeEach(async () => {
  fake = fakeOpenAi();
  await fake.start();
});
afterEach(async () => {
  await fake.stop();
});

describe('the OpenAI fake', () => {
  it('lists its models for a valid key and records the request with the key it carried', async () => {
    const page = await client().models.list();
    expect(page.data.map((m) => m.id)).toEqual([...FAKE_OPENAI_MODELS]);
    expect((await client().models.retrieve('gpt-4o-mini')).id).toBe('gpt-4o-mini');
    expect(fake.seen).toEqual(['GET /v1/models', 'GET /v1/models/gpt-4o-mini']);
    expect(fake.requests[0]).toEqual({
      method: 'GET',
      path: '/v1/models',
      apiKey: FAKE_OPENAI_KEY,
      organization: undefined,
      body: undefined,
    });
    expect(fake.unexpected).toEqual([]);
  });

  it('refuses a wrong or missing key with 401 and OpenAI’s error body, quoting only a masked key', async () => {
    const wrong = 'sk-wrong-0123456789abcdefghij';
    const error = await sdkError(client({ apiKey: wrong }).models.list());
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error.status).toBe(401);
    expect(error.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_api_key',
      param: null,
    });
    expect(error.message).toContain('Incorrect API key provided: sk-');
    expect(error.message).toContain('ghij');
    expect(error.message).not.toContain(wrong);

    const bare = await fetch(`${fake.url}/models`);
    expect(bare.status).toBe(401);
    expect(await bare.json()).toMatchObject({
      error: { type: 'invalid_request_error', code: 'invalid_api_key' },
    });
    const basic = await fetch(`${fake.url}/models`, {
      headers: { authorization: `Basic ${FAKE_OPENAI_KEY}` },
    });
    expect(basic.status).toBe(401);
    expect(fake.requests.map((r) => r.apiKey)).toEqual([wrong, undefined, undefined]);
    expect(fake.unexpected).toEqual([
      'GET /v1/models: api key wrong',
      'GET /v1/models: authorization missing',
      'GET /v1/models: authorization not Bearer',
    ]);
  });

  it('takes only the keys and organizations it was told are valid', async () => {
    await fake.stop();
    fake = fakeOpenAi({
      keys: ['sk-one-000000000000', 'sk-two-000000000000'],
      organizations: ['org-abc123'],
    });
    await fake.start();
    await client({ apiKey: 'sk-two-000000000000', organization: 'org-abc123' }).models.list();
    expect(fake.requests[0]).toMatchObject({ apiKey: 'sk-two-000000000000', organization: 'org-abc123' });
    expect((await sdkError(client({ apiKey: FAKE_OPENAI_KEY }).models.list())).status).toBe(401);
    const org = await sdkError(
      client({ apiKey: 'sk-one-000000000000', organization: 'org-other' }).models.list(),
    );
    expect(org.status).toBe(401);
    expect(org.error).toMatchObject({ code: 'invalid_organization' });
    expect(fake.unexpected).toEqual([
      'GET /v1/models: api key wrong',
      'GET /v1/models: organization org-other',
    ]);
  });

  it('answers a chat completion from its script: JSON content, malformed content, a refusal', async () => {
    fake.reply({ json: { score: 87, reasons: ['selling soon'], contact: { when: 'today' } } });
    fake.reply(
      { content: '{"score": 87, "reasons": [', finishReason: 'length' },
      { refusal: 'I cannot help with that.' },
    );
    const ask = () =>
      client().chat.completions.create({
        model: 'gpt-4o-mini',
        messages: MESSAGES,
        response_format: jsonSchema(),
      });
    const first = await ask();
    expect(JSON.parse(first.choices[0]!.message.content!)).toEqual({
      score: 87,
      reasons: ['selling soon'],
      contact: { when: 'today' },
    });
    expect(first).toMatchObject({ object: 'chat.completion', model: 'gpt-4o-mini' });
    expect(first.usage!.total_tokens).toBeGreaterThan(0);
    const second = await ask();
    expect(second.choices[0]).toMatchObject({
      finish_reason: 'length',
      message: { content: '{"score": 87, "reasons": [' },
    });
    const third = await ask();
    expect(third.choices[0]!.message).toMatchObject({ content: null, refusal: 'I cannot help with that.' });
    expect(fake.requests[0]!.body).toEqual({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      response_format: jsonSchema(),
    });
    expect(fake.requests[0]!.apiKey).toBe(FAKE_OPENAI_KEY);
    expect(fake.pending).toEqual([]);
    expect(fake.unexpected).toEqual([]);
  });

  it('answers scripted errors (a 429 with retry-after, a 500) and delays, and flags a call nobody scripted', async () => {
    fake.reply(
      { status: 429, retryAfter: '7' },
      { status: 500 },
      { json: { ok: true }, delayMs: 400 },
      { hang: true },
    );
    const ask = (timeout?: number) =>
      client(timeout ? { timeout } : {}).chat.completions.create({
        model: 'gpt-4o-mini',
        messages: MESSAGES,
      });
    const limited = await sdkError(ask());
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited.headers?.get('retry-after')).toBe('7');
    expect(limited.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    const failed = await sdkError(ask());
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    expect(failed.error).toMatchObject({ type: 'server_error' });
    // The delay outlasts a 100 ms timeout; the hang outlasts any.
    await expect(ask(100)).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await expect(ask(100)).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(fake.unexpected).toEqual([]);
    expect((await sdkError(ask())).status).toBe(500);
    expect(fake.unexpected).toEqual(['POST /v1/chat/completions: no reply scripted']);
  });

  it('fails or hangs the next requests of any route on demand', async () => {
    fake.failNext(1, 503, { retryAfter: '2' });
    const down = await sdkError(client().models.list());
    expect(down.status).toBe(503);
    expect(down.headers?.get('retry-after')).toBe('2');
    fake.hangNext();
    await expect(client({ timeout: 100 }).models.list()).rejects.toBeInstanceOf(
      OpenAI.APIConnectionTimeoutError,
    );
    expect((await client().models.list()).data.length).toBe(FAKE_OPENAI_MODELS.length);
    expect(fake.unexpected).toEqual([]);
  });

  it('checks the model and the messages as OpenAI does', async () => {
    const unknown = await sdkError(
      client().chat.completions.create({ model: 'gpt-9-ultra', messages: MESSAGES }),
    );
    expect(unknown.status).toBe(404);
    expect(unknown.error).toMatchObject({ code: 'model_not_found', type: 'invalid_request_error' });
    expect(unknown.message).toContain('The model `gpt-9-ultra` does not exist');

    expect(await post({ messages: MESSAGES })).toMatchObject({
      status: 400,
      error: { message: 'you must provide a model parameter' },
    });
    expect(await post({ model: 'gpt-4o-mini', messages: [] })).toMatchObject({
      status: 400,
      error: { param: 'messages', code: 'empty_array' },
    });
    expect(await post({ model: 'gpt-4o-mini' })).toMatchObject({
      status: 400,
      error: { param: 'messages', code: 'missing_required_parameter' },
    });
    expect(await post({ model: 'gpt-4o-mini', messages: [{ role: 'robot', content: 'hi' }] })).toMatchObject({
      status: 400,
      error: { param: 'messages[0].role', code: 'invalid_value' },
    });
    expect(await post({ model: 'gpt-4o-mini', messages: [{ role: 'user' }] })).toMatchObject({
      status: 400,
      error: { param: 'messages[0].content' },
    });
    expect(await post({ model: 'gpt-4o-mini', messages: MESSAGES, temprature: 0 })).toMatchObject({
      status: 400,
      error: { message: 'Unrecognized request argument supplied: temprature' },
    });
    expect(await post('{"model": "gpt-4o-mini", ')).toMatchObject({ status: 400 });
    expect(
      (
        await post(JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES }), {
          'content-type': 'text/plain',
        })
      ).status,
    ).toBe(400);
    expect(fake.unexpected).toHaveLength(9);
    expect(fake.pending).toEqual([]);
  });

  it('checks response_format: a json_schema must be well formed, and strict schemas follow structured outputs’ rules', async () => {
    const format = async (response_format: unknown) =>
      (await post({ model: 'gpt-4o-mini', messages: MESSAGES, response_format })).error;
    expect(await format({ type: 'json_schema' })).toMatchObject({
      param: 'response_format.json_schema',
      code: 'missing_required_parameter',
    });
    expect(
      await format({ type: 'json_schema', json_schema: { schema: SCHEMA, strict: true } }),
    ).toMatchObject({
      param: 'response_format.json_schema.name',
      code: 'missing_required_parameter',
    });
    expect(await format(jsonSchema({ name: 'lead score!' }))).toMatchObject({
      param: 'response_format.json_schema.name',
    });
    expect(await format(jsonSchema({ schema: '{"type":"object"}' }))).toMatchObject({
      param: 'response_format.json_schema.schema',
      code: 'invalid_type',
    });
    expect(await format(jsonSchema({ strict: 'yes' }))).toMatchObject({
      param: 'response_format.json_schema.strict',
      code: 'invalid_type',
    });
    expect(await format(jsonSchema({ schema: undefined }))).toMatchObject({
      param: 'response_format.json_schema.schema',
    });
    expect(await format(jsonSchema({ schemas: SCHEMA }))).toMatchObject({
      code: 'unknown_parameter',
    });
    expect(await format({ type: 'xml' })).toMatchObject({ param: 'response_format.type' });
    expect(await format('json')).toMatchObject({ param: 'response_format', code: 'invalid_type' });
    // Strict: objects must close additionalProperties and require every property, at every depth.
    const loose = { ...SCHEMA, additionalProperties: true };
    expect((await format(jsonSchema({ schema: loose })))?.message).toBe(
      "Invalid schema for response_format 'lead_score': In context=(), 'additionalProperties' is required to be supplied and to be false.",
    );
    const nested = {
      ...SCHEMA,
      properties: { ...SCHEMA.properties, contact: { ...SCHEMA.properties.contact, required: [] } },
    };
    expect((await format(jsonSchema({ schema: nested })))?.message).toBe(
      "Invalid schema for response_format 'lead_score': In context=('properties', 'contact'), 'required' is required to be supplied and to be an array including every key in properties. Missing 'when'.",
    );
    expect((await format(jsonSchema({ schema: { type: 'array', items: {} } })))?.message).toContain(
      'schema must be a JSON Schema of \'type: "object"\'',
    );
    // Not strict: the same loose schema is taken; json_object wants the word "json" in the messages.
    fake.reply({ json: { score: 1 } }, { json: { score: 2 } });
    expect(
      (
        await post({
          model: 'gpt-4o-mini',
          messages: MESSAGES,
          response_format: jsonSchema({ schema: loose, strict: false }),
        })
      ).status,
    ).toBe(200);
    expect(await format({ type: 'json_object' })).toMatchObject({ param: 'messages' });
    const json = await post({
      model: 'gpt-4o-mini',
      messages: [...MESSAGES, { role: 'user', content: 'Answer in JSON.' }],
      response_format: { type: 'json_object' },
    });
    expect(json.status).toBe(200);
    expect(fake.unexpected).toHaveLength(13);
    expect(fake.unexpected.every((u) => u.startsWith('POST /v1/chat/completions: 400 '))).toBe(true);
  });

  it('answers 404 for a route OpenAI does not have, and records it', async () => {
    const res = await fetch(`${fake.url}/completions/legacy`, {
      headers: { authorization: `Bearer ${FAKE_OPENAI_KEY}` },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({
      error: { message: 'Invalid URL (GET /v1/completions/legacy)' },
    });
    expect(fake.unexpected).toEqual(['GET /v1/completions/legacy: no such route']);
  });
});
