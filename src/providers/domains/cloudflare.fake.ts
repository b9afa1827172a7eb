import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Cloudflare's custom hostnames API, for tests: listens on 127.0.0.1 (a random
 * port), checks each request as Cloudflare would (bearer token, path, method, JSON body) and
 * records anything it does not expect in `unexpected`, which the test asserts is empty.
 */
export const FAKE_CF_TOKEN = 'cf-test-token-0123456789abcdef';
export const FAKE_CF_ZONE = '0123456789abcdef0123456789abcdef';
const TOKEN = FAKE_CF_TOKEN;
const BASE = `/client/v4/zones/${FAKE_CF_ZONE}/custom_hostnames`;

export type FakeRow = {
  id: string;
  hostname: string;
  status: string;
  ssl: {
    status: string;
    method: string;
    type: string;
    validation_records: object[];
    validation_errors?: object[];
  };
  ownership_verification: { type: string; name: string; value: string };
};

export function fakeCloudflare() {
  const rows = new Map<string, FakeRow>();
  const unexpected: string[] = [];
  const seen: string[] = [];
  let seq = 0;
  let refuseNext: { status: number; errors: object[] } | undefined;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      const send = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const ok = (result: unknown) => send(200, { success: true, errors: [], messages: [], result });
      const fail = (status: number, errors: object[]) =>
        send(status, { success: false, errors, messages: [], result: null });
      const url = new URL(req.url ?? '/', 'http://fake');
      const label = `${req.method} ${url.pathname}${url.search}`;
      seen.push(label);
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        unexpected.push(`${label}: authorization ${req.headers.authorization}`);
        return fail(403, [{ code: 10000, message: 'Authentication error' }]);
      }
      if (refuseNext) {
        const r = refuseNext;
        refuseNext = undefined;
        return fail(r.status, r.errors);
      }
      const id = url.pathname.startsWith(`${BASE}/`) ? url.pathname.slice(BASE.length + 1) : undefined;
      if (req.method === 'POST' && url.pathname === BASE) {
        let body: { hostname?: unknown; ssl?: { method?: unknown; type?: unknown } };
        try {
          body = JSON.parse(raw);
        } catch {
          unexpected.push(`${label}: body is not JSON`);
          return fail(400, [{ code: 1000, message: 'bad json' }]);
        }
        if (req.headers['content-type'] !== 'application/json') unexpected.push(`${label}: content-type`);
        if (typeof body.hostname !== 'string' || body.ssl?.method !== 'http' || body.ssl?.type !== 'dv') {
          unexpected.push(`${label}: body ${raw}`);
          return fail(400, [{ code: 1400, message: 'invalid body' }]);
        }
        if ([...rows.values()].some((r) => r.hostname === body.hostname)) {
          return fail(409, [{ code: 1406, message: 'Duplicate custom hostname found.' }]);
        }
        const row: FakeRow = {
          id: `ch-${++seq}`,
          hostname: body.hostname,
          status: 'pending',
          ssl: {
            status: 'pending_validation',
            method: 'http',
            type: 'dv',
            validation_records: [
              {
                status: 'pending',
                http_url: `http://${body.hostname}/.well-known/acme-challenge/x`,
                http_body: 'tok',
              },
            ],
          },
          ownership_verification: {
            type: 'txt',
            name: `_cf-custom-hostname.${body.hostname}`,
            value: 'owner-token',
          },
        };
        rows.set(row.id, row);
        return ok(row);
      }
      if (req.method === 'GET' && url.pathname === BASE && url.searchParams.has('hostname')) {
        return ok([...rows.values()].filter((r) => r.hostname === url.searchParams.get('hostname')));
      }
      if ((req.method === 'GET' || req.method === 'DELETE') && id && !id.includes('/')) {
        const row = rows.get(id);
        if (!row) return fail(404, [{ code: 1436, message: 'The custom hostname was not found.' }]);
        if (req.method === 'DELETE') {
          rows.delete(id);
          return ok({ id });
        }
        return ok(row);
      }
      unexpected.push(label);
      return fail(404, [{ code: 7003, message: 'No route' }]);
    });
  });
  return {
    rows,
    unexpected,
    seen,
    refuse(status: number, errors: object[]) {
      refuseNext = { status, errors };
    },
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`),
        ),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
