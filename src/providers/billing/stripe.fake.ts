import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

/**
 * A stand-in for the part of Stripe's API that Porchlight calls (customers, Checkout sessions,
 * billing portal sessions, saved cards and off-session PaymentIntents), for tests: 127.0.0.1 on a random port, reached through the official
 * SDK's host/port settings. It checks each request as Stripe would — the secret key as a Bearer
 * token, the pinned `Stripe-Version`, a form-encoded body, an `Idempotency-Key` on every POST, the
 * required fields of each call, a customer that exists — answers with Stripe-shaped objects (or
 * Stripe's error body), and records anything it does not expect in `unexpected`.
 */
export type StripeRequest = {
  method: string;
  path: string;
  body: Record<string, unknown>;
  idempotencyKey?: string;
};

/** `a[b][0][c]=1` form fields as nested objects and arrays (Stripe's own encoding). */
export function parseStripeForm(raw: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const parts = key.split(/\[|\]\[|\]/).filter((p) => p !== '');
    let node: Record<string, unknown> | unknown[] = root;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const slot = node as Record<string, unknown>;
      if (last) {
        slot[part] = value;
        return;
      }
      if (slot[part] === undefined) slot[part] = /^\d+$/.test(parts[i + 1]!) ? [] : {};
      node = slot[part] as Record<string, unknown>;
    });
  }
  return root;
}

export function fakeStripe(options: { secretKey: string }) {
  const requests: StripeRequest[] = [];
  const unexpected: string[] = [];
  const customers = new Map<string, { id: string; metadata: Record<string, unknown> }>();
  const idempotent = new Map<string, string>();
  /** A customer's saved card (listed), its default card (on the customer), the next charge declined. */
  const cards = new Map<string, string>();
  const defaultCards = new Map<string, string>();
  const declines = new Set<string>();
  const intents: { id: string; amount: number; customer: string; metadata: unknown }[] = [];
  let seq = 0;
  let failNext = 0;
  let url = '';

  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      raw += c;
    });
    req.on('end', () => {
      const send = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${++seq}` });
        res.end(JSON.stringify(body));
      };
      const refuse = (status: number, type: string, message: string, param?: string) =>
        send(status, { error: { type, message, ...(param ? { param } : {}) } });
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      const label = `${req.method} ${path}`;
      const body = parseStripeForm(raw);
      const key = req.headers['idempotency-key'];
      requests.push({
        method: req.method ?? '',
        path,
        body,
        ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
      });
      if (req.headers.authorization !== `Bearer ${options.secretKey}`) {
        unexpected.push(`${label}: authorization`);
        return refuse(401, 'invalid_request_error', 'Invalid API Key provided');
      }
      if (req.headers['stripe-version'] !== Stripe.API_VERSION) {
        unexpected.push(`${label}: stripe-version ${req.headers['stripe-version']}`);
      }
      if (req.method === 'POST') {
        if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
          unexpected.push(`${label}: content-type ${req.headers['content-type']}`);
        if (typeof key !== 'string' || key.length === 0) unexpected.push(`${label}: no Idempotency-Key`);
      }
      if (failNext > 0) {
        failNext--;
        return refuse(500, 'api_error', 'Something went wrong on Stripe’s end.');
      }
      const replay = typeof key === 'string' ? idempotent.get(`${label} ${key}`) : undefined;
      if (replay) {
        res.writeHead(200, { 'content-type': 'application/json', 'idempotent-replayed': 'true' });
        return res.end(replay);
      }
      const ok = (object: object) => {
        const text = JSON.stringify(object);
        if (typeof key === 'string') idempotent.set(`${label} ${key}`, text);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(text);
      };

      if (req.method === 'POST' && path === '/v1/customers') {
        const id = `cus_fake${++seq}`;
        const customer = { id, metadata: (body.metadata as Record<string, unknown>) ?? {} };
        customers.set(id, customer);
        return ok({ object: 'customer', name: body.name ?? null, ...customer });
      }
      if (req.method === 'POST' && path === '/v1/checkout/sessions') {
        const problem = checkCheckout(body, customers);
        if (problem) {
          unexpected.push(`${label}: ${problem.message}`);
          return refuse(400, 'invalid_request_error', problem.message, problem.param);
        }
        const id = `cs_test_fake${++seq}`;
        return ok({
          id,
          object: 'checkout.session',
          mode: body.mode,
          customer: body.customer,
          client_reference_id: body.client_reference_id ?? null,
          metadata: body.metadata ?? {},
          status: 'open',
          payment_status: 'unpaid',
          url: `https://checkout.stripe.com/c/pay/${id}`,
        });
      }
      if (req.method === 'POST' && path === '/v1/billing_portal/sessions') {
        if (typeof body.customer !== 'string' || !customers.has(body.customer)) {
          unexpected.push(`${label}: customer ${String(body.customer)}`);
          return refuse(400, 'invalid_request_error', 'No such customer', 'customer');
        }
        const id = `bps_fake${++seq}`;
        return ok({
          id,
          object: 'billing_portal.session',
          customer: body.customer,
          return_url: body.return_url ?? null,
          url: `https://billing.stripe.com/p/session/${id}`,
        });
      }
      const customerPath = /^\/v1\/customers\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && customerPath) {
        const customer = customers.get(customerPath[1]!);
        if (!customer) return refuse(404, 'invalid_request_error', 'No such customer', 'id');
        return ok({
          object: 'customer',
          ...customer,
          invoice_settings: { default_payment_method: defaultCards.get(customer.id) ?? null },
        });
      }
      if (req.method === 'GET' && path === '/v1/payment_methods') {
        const query = new URL(req.url ?? '/', 'http://fake').searchParams;
        const customer = query.get('customer') ?? '';
        if (query.get('type') !== 'card') unexpected.push(`${label}: type ${query.get('type')}`);
        const card = cards.get(customer);
        return ok({
          object: 'list',
          url: '/v1/payment_methods',
          has_more: false,
          data: card ? [{ id: card, object: 'payment_method', type: 'card', customer }] : [],
        });
      }
      if (req.method === 'POST' && path === '/v1/payment_intents') {
        const customer = String(body.customer ?? '');
        const card = String(body.payment_method ?? '');
        const known = cards.get(customer) === card || defaultCards.get(customer) === card;
        if (
          !customers.has(customer) ||
          !known ||
          !/^\d+$/.test(String(body.amount)) ||
          body.currency !== 'usd'
        ) {
          unexpected.push(`${label}: ${raw}`);
          return refuse(400, 'invalid_request_error', 'Invalid payment intent', 'payment_method');
        }
        if (body.off_session !== 'true' || body.confirm !== 'true')
          unexpected.push(`${label}: not an off-session confirmation`);
        const id = `pi_fake${++seq}`;
        if (declines.delete(customer)) {
          return send(402, {
            error: {
              type: 'card_error',
              code: 'card_declined',
              decline_code: 'insufficient_funds',
              message: 'Your card has insufficient funds.',
              payment_intent: { id, object: 'payment_intent', status: 'requires_payment_method' },
            },
          });
        }
        const intent = {
          id,
          object: 'payment_intent',
          amount: Number(body.amount),
          currency: body.currency,
          customer,
          payment_method: card,
          status: 'succeeded',
          metadata: body.metadata ?? {},
        };
        intents.push(intent);
        return ok(intent);
      }
      unexpected.push(`${label}: not an endpoint the fake knows`);
      return refuse(404, 'invalid_request_error', `Unrecognized request URL (${req.method}: ${path})`);
    });
  });

  return {
    requests,
    unexpected,
    customers,
    cards,
    defaultCards,
    declines,
    intents,
    get url() {
      return url;
    },
    /** The next `n` requests get a 500 (the SDK retries them). */
    failNext(n: number) {
      failNext = n;
    },
    start: () =>
      new Promise<void>((resolve) =>
        server.listen(0, '127.0.0.1', () => {
          url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
          resolve();
        }),
      ),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** What Stripe would refuse in a Checkout session's parameters, or null. */
function checkCheckout(
  body: Record<string, unknown>,
  customers: Map<string, unknown>,
): { message: string; param: string } | null {
  if (body.mode !== 'subscription' && body.mode !== 'payment')
    return { message: 'Invalid mode', param: 'mode' };
  for (const field of ['success_url', 'cancel_url'] as const) {
    const value = body[field];
    if (typeof value !== 'string' || !/^https?:\/\//.test(value))
      return { message: `Not a valid URL: ${field}`, param: field };
  }
  if (typeof body.customer === 'string' && !customers.has(body.customer))
    return { message: 'No such customer', param: 'customer' };
  const items = body.line_items as Record<string, unknown>[] | undefined;
  if (!Array.isArray(items) || items.length === 0)
    return { message: 'Missing line_items', param: 'line_items' };
  for (const [i, item] of items.entries()) {
    const data = item.price_data as Record<string, unknown> | undefined;
    if (!item.price && !data) return { message: 'price or price_data required', param: `line_items[${i}]` };
    if (data) {
      if (!/^\d+$/.test(String(data.unit_amount)) || typeof data.currency !== 'string')
        return { message: 'Invalid price_data', param: `line_items[${i}][price_data]` };
      const recurring = data.recurring as Record<string, unknown> | undefined;
      if (body.mode === 'subscription' && !recurring)
        return {
          message: 'A subscription needs a recurring price',
          param: `line_items[${i}][price_data][recurring]`,
        };
      if (body.mode === 'payment' && recurring)
        return { message: 'A payment takes one-time prices only', param: `line_items[${i}][price_data]` };
    }
  }
  if (body.mode === 'payment' && body.subscription_data)
    return { message: 'subscription_data is for subscription mode', param: 'subscription_data' };
  return null;
}
