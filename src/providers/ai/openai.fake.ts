import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the OpenAI API (GET /v1/models, GET /v1/models/{model}, POST
 * /v1/chat/completions), for tests: listens on 127.0.0.1 (a random port) and checks each request
 * as OpenAI would (the Bearer key against the keys it was told are valid, the
 * `OpenAI-Organization` header, the route, the JSON body: a known `model`, non-empty `messages`,
 * a well-formed `response_format`, strict JSON schemas), answering with OpenAI's own error body
 * `{ error: { message, type, param, code } }`. Whatever it does not expect is recorded in
 * `unexpected`, which tests assert is empty; every request is recorded in `requests`, with the
 * key it carried.
 *
 * Chat completions answer from a script (`reply(...)`): the assistant's content as JSON or as
 * raw text (malformed JSON), a refusal, an error status (a 429 with `retry-after`, a 500), after
 * a delay, or never. `failNext` and `hangNext` act on the next requests of any route that pass
 * the checks (a wrong key is still a 401), much as in the other fakes (`../fake-api.ts`).
 */
export const FAKE_OPENAI_KEY = 'sk-proj-fakeKey0123456789abcdefFAKE0123456789abcdefghijklmnopqrstuv';
/** The models the fake lists and accepts unless told others. */
export const FAKE_OPENAI_MODELS: readonly string[] = [
  'gpt-4o-mini',
  'gpt-4o',
  'gpt-4.1-mini',
  'gpt-4.1-nano',
  'gpt-5-mini',
];

/** OpenAI's error body. */
export type OpenAiError = {
  error: { message: string; type: string; param: string | null; code: string | null };
};

/** One request the fake received, whatever it answered. */
export type OpenAiRequest = {
  method: string;
  path: string;
  /** The key of the `Authorization: Bearer …` header; undefined when there was none. */
  apiKey: string | undefined;
  /** The `OpenAI-Organization` header, when sent. */
  organization: string | undefined;
  /** The JSON body as parsed (undefined for none, or when it did not parse). */
  body: unknown;
};

/** How the fake answers the next chat completion. `delayMs` waits before answering. */
export type ScriptedReply =
  /** The assistant's content: this value, serialized as JSON. */
  | { json: unknown; delayMs?: number }
  /** The assistant's content as given (prose, malformed or truncated JSON); `finishReason` e.g. `length`. */
  | { content: string; finishReason?: 'stop' | 'length' | 'content_filter'; delayMs?: number }
  /** The model refuses (structured outputs' `message.refusal`, content null). */
  | { refusal: string; delayMs?: number }
  /** An error answer with OpenAI's body for the status (or `message`); `retryAfter` sets the header. */
  | { status: number; retryAfter?: string; message?: string; delayMs?: number }
  /** Never answered (until stop()): the client's timeout must fire. */
  | { hang: true };

type Answer = { status: number; body?: object; headers?: Record<string, string> };

const CHAT_FIELDS = new Set([
  'model',
  'messages',
  'response_format',
  'temperature',
  'top_p',
  'n',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'seed',
  'user',
  'metadata',
  'store',
  'stream',
  'stream_options',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'logprobs',
  'top_logprobs',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'reasoning_effort',
  'service_tier',
  'modalities',
  'prediction',
  'verbosity',
  'prompt_cache_key',
  'safety_identifier',
]);
const ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'];
const JSON_SCHEMA_FIELDS = new Set(['name', 'description', 'schema', 'strict']);
const SCHEMA_NAME = /^[a-zA-Z0-9_-]+$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const typeName = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;

const openAiError = (
  message: string,
  type = 'invalid_request_error',
  param: string | null = null,
  code: string | null = null,
): OpenAiError => ({ error: { message, type, param, code } });

/** The error body OpenAI gives for a status, when a test asks for one without words. */
function errorFor(status: number, message?: string): OpenAiError {
  if (status === 401)
    return openAiError(
      message ?? 'Incorrect API key provided.',
      'invalid_request_error',
      null,
      'invalid_api_key',
    );
  if (status === 429)
    return openAiError(
      message ??
        'Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.',
      'requests',
      null,
      'rate_limit_exceeded',
    );
  if (status === 503)
    return openAiError(
      message ?? 'The engine is currently overloaded, please try again later',
      'server_error',
    );
  if (status >= 500)
    return openAiError(
      message ??
        'The server had an error while processing your request. Sorry about that! You can retry your request.',
      'server_error',
    );
  return openAiError(message ?? (http.STATUS_CODES[status] || 'Error'));
}

/** How OpenAI shows a key it refuses: the first three and last four characters. */
const masked = (key: string) =>
  key.length <= 8
    ? '*'.repeat(key.length)
    : `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}`;

type Problem = { status: number; body: OpenAiError };
const bad = (message: string, param: string | null = null, code: string | null = null): Problem => ({
  status: 400,
  body: openAiError(message, 'invalid_request_error', param, code),
});

/**
 * Structured outputs' rules for a strict schema, as OpenAI words them: the root is an object,
 * and every object says `additionalProperties: false` and lists every property in `required`.
 * https://platform.openai.com/docs/guides/structured-outputs#supported-schemas
 */
function checkStrictSchema(name: string, schema: Record<string, unknown>): Problem | undefined {
  const problem = (message: string) =>
    bad(`Invalid schema for response_format '${name}': ${message}`, 'response_format');
  if (schema.type !== 'object')
    return problem(`schema must be a JSON Schema of 'type: "object"', got 'type: "${String(schema.type)}"'.`);
  const visit = (node: unknown, context: string[]): Problem | undefined => {
    if (!isObject(node)) return undefined;
    const where = `In context=(${context.map((c) => `'${c}'`).join(', ')})`;
    const isObjectNode = node.type === 'object' || (Array.isArray(node.type) && node.type.includes('object'));
    if (isObjectNode) {
      if (node.additionalProperties !== false)
        return problem(`${where}, 'additionalProperties' is required to be supplied and to be false.`);
      const properties = isObject(node.properties) ? Object.keys(node.properties) : [];
      const required = Array.isArray(node.required) ? node.required : undefined;
      const missing = properties.find((p) => !required?.includes(p));
      if (!required || missing !== undefined)
        return problem(
          `${where}, 'required' is required to be supplied and to be an array including every key in properties.${missing === undefined ? '' : ` Missing '${missing}'.`}`,
        );
    }
    const children: [string[], unknown][] = [];
    if (isObject(node.properties))
      for (const [key, child] of Object.entries(node.properties)) children.push([['properties', key], child]);
    if (node.items !== undefined) children.push([['items'], node.items]);
    if (Array.isArray(node.anyOf))
      for (const [i, child] of node.anyOf.entries()) children.push([['anyOf', String(i)], child]);
    for (const defs of ['$defs', 'definitions'] as const)
      if (isObject(node[defs]))
        for (const [key, child] of Object.entries(node[defs])) children.push([[defs, key], child]);
    for (const [path, child] of children) {
      const found = visit(child, [...context, ...path]);
      if (found) return found;
    }
    return undefined;
  };
  return visit(schema, []);
}

/** OpenAI's checks of `response_format`; the first problem. */
function checkResponseFormat(format: unknown, messages: unknown[]): Problem | undefined {
  if (!isObject(format))
    return bad(
      `Invalid type for 'response_format': expected an object, but got ${typeName(format)} instead.`,
      'response_format',
      'invalid_type',
    );
  if (format.type === 'text') return undefined;
  if (format.type === 'json_object') {
    const text = JSON.stringify(messages.map((m) => (isObject(m) ? m.content : undefined)));
    if (!/json/i.test(text))
      return bad(
        "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
        'messages',
      );
    return undefined;
  }
  if (format.type !== 'json_schema')
    return bad(
      `Invalid value: '${String(format.type)}'. Supported values are: 'json_object', 'json_schema', and 'text'.`,
      'response_format.type',
      'invalid_value',
    );
  const js = format.json_schema;
  if (js === undefined)
    return bad(
      "Missing required parameter: 'response_format.json_schema'.",
      'response_format.json_schema',
      'missing_required_parameter',
    );
  if (!isObject(js))
    return bad(
      `Invalid type for 'response_format.json_schema': expected an object, but got ${typeName(js)} instead.`,
      'response_format.json_schema',
      'invalid_type',
    );
  const unknown = Object.keys(js).find((k) => !JSON_SCHEMA_FIELDS.has(k));
  if (unknown !== undefined)
    return bad(
      `Unrecognized request argument supplied: response_format.json_schema.${unknown}`,
      `response_format.json_schema.${unknown}`,
      'unknown_parameter',
    );
  if (js.name === undefined)
    return bad(
      "Missing required parameter: 'response_format.json_schema.name'.",
      'response_format.json_schema.name',
      'missing_required_parameter',
    );
  if (typeof js.name !== 'string' || !SCHEMA_NAME.test(js.name) || js.name.length > 64)
    return bad(
      `Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$' of at most 64 characters.`,
      'response_format.json_schema.name',
      'invalid_value',
    );
  if (js.description !== undefined && typeof js.description !== 'string')
    return bad(
      `Invalid type for 'response_format.json_schema.description': expected a string, but got ${typeName(js.description)} instead.`,
      'response_format.json_schema.description',
      'invalid_type',
    );
  if (js.strict !== undefined && js.strict !== null && typeof js.strict !== 'boolean')
    return bad(
      `Invalid type for 'response_format.json_schema.strict': expected a boolean, but got ${typeName(js.strict)} instead.`,
      'response_format.json_schema.strict',
      'invalid_type',
    );
  if (js.schema !== undefined && !isObject(js.schema))
    return bad(
      `Invalid type for 'response_format.json_schema.schema': expected an object, but got ${typeName(js.schema)} instead.`,
      'response_format.json_schema.schema',
      'invalid_type',
    );
  if (js.strict === true) {
    if (!isObject(js.schema))
      return bad(
        "Missing required parameter: 'response_format.json_schema.schema'.",
        'response_format.json_schema.schema',
        'missing_required_parameter',
      );
    return checkStrictSchema(js.name, js.schema);
  }
  return undefined;
}

/** OpenAI's checks of a chat completion body; the first problem. */
function checkChat(body: unknown, models: readonly string[]): Problem | undefined {
  if (!isObject(body))
    return bad(`Invalid type for request body: expected an object, but got ${typeName(body)}.`);
  const unknown = Object.keys(body).find((k) => !CHAT_FIELDS.has(k));
  if (unknown !== undefined)
    return bad(`Unrecognized request argument supplied: ${unknown}`, unknown, 'unknown_parameter');
  if (body.model === undefined) return bad('you must provide a model parameter');
  if (typeof body.model !== 'string')
    return bad(
      `Invalid type for 'model': expected a string, but got ${typeName(body.model)} instead.`,
      'model',
      'invalid_type',
    );
  if (!models.includes(body.model))
    return {
      status: 404,
      body: openAiError(
        `The model \`${body.model}\` does not exist or you do not have access to it.`,
        'invalid_request_error',
        null,
        'model_not_found',
      ),
    };
  const messages = body.messages;
  if (messages === undefined)
    return bad("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (!Array.isArray(messages))
    return bad(
      `Invalid type for 'messages': expected an array of objects, but got ${typeName(messages)} instead.`,
      'messages',
      'invalid_type',
    );
  if (messages.length === 0)
    return bad(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    );
  for (const [i, m] of messages.entries()) {
    const at = `messages[${i}]`;
    if (!isObject(m))
      return bad(
        `Invalid type for '${at}': expected an object, but got ${typeName(m)} instead.`,
        at,
        'invalid_type',
      );
    if (m.role === undefined)
      return bad(`Missing required parameter: '${at}.role'.`, `${at}.role`, 'missing_required_parameter');
    if (typeof m.role !== 'string' || !ROLES.includes(m.role))
      return bad(
        `Invalid value: '${String(m.role)}'. Supported values are: ${ROLES.map((r) => `'${r}'`).join(', ')}.`,
        `${at}.role`,
        'invalid_value',
      );
    if (m.role !== 'assistant' && m.content === undefined)
      return bad(
        `Missing required parameter: '${at}.content'.`,
        `${at}.content`,
        'missing_required_parameter',
      );
    if (
      m.content !== undefined &&
      m.content !== null &&
      typeof m.content !== 'string' &&
      !Array.isArray(m.content)
    )
      return bad(
        `Invalid type for '${at}.content': expected one of a string or array of objects, but got ${typeName(m.content)} instead.`,
        `${at}.content`,
        'invalid_type',
      );
  }
  if (body.stream === true) return bad('The fake does not stream: call without stream.', 'stream');
  if (body.response_format !== undefined) return checkResponseFormat(body.response_format, messages);
  return undefined;
}

const estimateTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

function completion(
  model: string,
  body: Record<string, unknown>,
  reply: Exclude<ScriptedReply, { hang: true } | { status: number }>,
) {
  const content = 'json' in reply ? JSON.stringify(reply.json) : 'content' in reply ? reply.content : null;
  const refusal = 'refusal' in reply ? reply.refusal : null;
  const prompt = estimateTokens(JSON.stringify(body.messages));
  const completionTokens = estimateTokens(content ?? refusal ?? '');
  return {
    id: `chatcmpl-${crypto.randomBytes(15).toString('base64url')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal, annotations: [] },
        logprobs: null,
        finish_reason: 'content' in reply ? (reply.finishReason ?? 'stop') : 'stop',
      },
    ],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completionTokens,
      total_tokens: prompt + completionTokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: 'default',
    system_fingerprint: 'fp_fake0000',
  };
}

export function fakeOpenAi(
  options: {
    /** The keys OpenAI takes (default: FAKE_OPENAI_KEY). */
    keys?: readonly string[];
    /** The models it lists and accepts (default: FAKE_OPENAI_MODELS). */
    models?: readonly string[];
    /** The organizations a key belongs to (`OpenAI-Organization`); any `org-…` when not given. */
    organizations?: readonly string[];
  } = {},
) {
  const keys = options.keys ?? [FAKE_OPENAI_KEY];
  const models = options.models ?? FAKE_OPENAI_MODELS;
  const seen: string[] = [];
  const requests: OpenAiRequest[] = [];
  const unexpected: string[] = [];
  const script: ScriptedReply[] = [];
  const hung: http.ServerResponse[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let failing: { count: number; status: number; headers: Record<string, string> } = {
    count: 0,
    status: 500,
    headers: {},
  };
  let hangs = 0;
  let url = '';

  const modelObject = (id: string) => ({ id, object: 'model', created: 1_715_367_049, owned_by: 'system' });

  /**
   * A route's own checks and answer: a refusal (`refused`), the success answer, or, for a chat
   * completion that passed its checks, the next scripted reply.
   */
  function route(
    method: string,
    path: string,
    body: unknown,
    label: string,
  ): { refused: Answer } | { ok: Answer } | { scripted: ScriptedReply } {
    if (method === 'GET' && path === '/v1/models')
      return { ok: { status: 200, body: { object: 'list', data: models.map(modelObject) } } };
    const one = /^\/v1\/models\/([^/]+)$/.exec(path);
    if (method === 'GET' && one) {
      const id = decodeURIComponent(one[1]!);
      if (models.includes(id)) return { ok: { status: 200, body: modelObject(id) } };
      unexpected.push(`${label}: model_not_found ${id}`);
      return {
        refused: {
          status: 404,
          body: openAiError(
            `The model '${id}' does not exist`,
            'invalid_request_error',
            'model',
            'model_not_found',
          ),
        },
      };
    }
    if (method === 'POST' && path === '/v1/chat/completions') {
      const problem = checkChat(body, models);
      if (problem) {
        unexpected.push(`${label}: ${problem.status} ${problem.body.error.message}`);
        return { refused: problem };
      }
      const next = script.shift();
      if (next) return { scripted: next };
      unexpected.push(`${label}: no reply scripted`);
      return { refused: { status: 500, body: errorFor(500) } };
    }
    unexpected.push(`${label}: no such route`);
    return { refused: { status: 404, body: openAiError(`Invalid URL (${method} ${path})`) } };
  }

  /** The key, the organization and the body's encoding, checked in OpenAI's order; a refusal or nothing. */
  function checkRequest(
    req: http.IncomingMessage,
    apiKey: string | undefined,
    organization: string | undefined,
    raw: string,
    parsed: boolean,
    label: string,
  ): Answer | undefined {
    if (apiKey === undefined || apiKey === '') {
      unexpected.push(
        `${label}: authorization ${req.headers.authorization === undefined ? 'missing' : 'not Bearer'}`,
      );
      return {
        status: 401,
        body: openAiError(
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from https://platform.openai.com/account/api-keys.",
          'invalid_request_error',
          null,
          'invalid_api_key',
        ),
      };
    }
    if (!keys.includes(apiKey)) {
      unexpected.push(`${label}: api key wrong`);
      return {
        status: 401,
        body: openAiError(
          `Incorrect API key provided: ${masked(apiKey)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          'invalid_request_error',
          null,
          'invalid_api_key',
        ),
      };
    }
    if (
      organization !== undefined &&
      !(options.organizations?.includes(organization) ?? /^org-[A-Za-z0-9]+$/.test(organization))
    ) {
      unexpected.push(`${label}: organization ${organization}`);
      return {
        status: 401,
        body: openAiError(
          `No such organization: ${organization}.`,
          'invalid_request_error',
          null,
          'invalid_organization',
        ),
      };
    }
    if (raw !== '' && (!parsed || !String(req.headers['content-type']).startsWith('application/json'))) {
      unexpected.push(`${label}: body is not JSON (${req.headers['content-type']})`);
      return bad(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
      );
    }
    return undefined;
  }

  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('end', () => {
      const requestId = `req_${crypto.randomBytes(16).toString('hex')}`;
      const answer = (a: Answer) => {
        if (res.destroyed) return;
        res.writeHead(a.status, {
          'content-type': 'application/json',
          'x-request-id': requestId,
          'openai-processing-ms': '12',
          ...a.headers,
        });
        res.end(a.body ? JSON.stringify(a.body) : undefined);
      };
      const method = req.method ?? 'GET';
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      const label = `${method} ${path}`;
      seen.push(label);

      const auth = req.headers.authorization;
      const apiKey = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
      const orgHeader = req.headers['openai-organization'];
      const organization = Array.isArray(orgHeader) ? orgHeader.join(',') : orgHeader;
      let body: unknown;
      let parsed = true;
      if (raw !== '') {
        try {
          body = JSON.parse(raw);
        } catch {
          parsed = false;
        }
      }
      requests.push({ method, path, apiKey, organization, body });

      const refusal = checkRequest(req, apiKey, organization, raw, parsed, label);
      if (refusal) return answer(refusal);
      const verdict = route(method, path, body, label);
      if ('refused' in verdict) return answer(verdict.refused);
      // A request that passed every check: the test's failures come first.
      if (hangs > 0) {
        hangs--;
        hung.push(res);
        return;
      }
      if (failing.count > 0) {
        failing.count--;
        return answer({ status: failing.status, body: errorFor(failing.status), headers: failing.headers });
      }
      if ('ok' in verdict) return answer(verdict.ok);

      const reply = verdict.scripted;
      if ('hang' in reply) {
        hung.push(res);
        return;
      }
      const settle = () => {
        if ('status' in reply) {
          answer({
            status: reply.status,
            body: errorFor(reply.status, reply.message),
            ...(reply.retryAfter === undefined ? {} : { headers: { 'retry-after': reply.retryAfter } }),
          });
        } else {
          const chat = body as Record<string, unknown> & { model: string };
          answer({ status: 200, body: completion(chat.model, chat, reply) });
        }
      };
      if (!reply.delayMs) return settle();
      const timer = setTimeout(() => {
        timers.delete(timer);
        settle();
      }, reply.delayMs);
      timers.add(timer);
    });
  });

  return {
    /** The API base (`…/v1`), as a client's baseURL; set by start(). */
    get url() {
      return url;
    },
    seen,
    requests,
    unexpected,
    /** Scripts the answers to the next chat completions, in order. */
    reply(...replies: ScriptedReply[]) {
      script.push(...replies);
    },
    /** The scripted answers not used yet. */
    get pending(): readonly ScriptedReply[] {
      return script;
    },
    /**
     * The next `n` requests that pass the checks get `status` with OpenAI's error body (and
     * `retry-after` when given), whatever route they are for.
     */
    failNext(n: number, status: number, failOptions: { retryAfter?: string } = {}) {
      failing = {
        count: n,
        status,
        headers: failOptions.retryAfter === undefined ? {} : { 'retry-after': failOptions.retryAfter },
      };
    },
    /** The next request that passes the checks is never answered (until stop()). */
    hangNext() {
      hangs++;
    },
    start: () =>
      new Promise<void>((resolve) =>
        server.listen(0, '127.0.0.1', () => {
          url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
          resolve();
        }),
      ),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        for (const res of hung.splice(0)) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
