import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** How a fake answers one request. */
export type FakeAnswer = { status: number; body?: object; headers?: Record<string, string> };

/**
 * What a provider fake decides about one request, after checking it as the provider would:
 * a refusal, or `accept` (which records the message and gives the success answer). Checks that
 * fail are recorded by the fake itself, in its `unexpected`.
 */
export type FakeVerdict = { refusal: FakeAnswer } | { accept: () => FakeAnswer };

/**
 * The scaffolding shared by the provider fakes (tests only): a `node:http` server on 127.0.0.1
 * at a random port that collects each request's body and records `seen`, and can be told to
 * answer the next requests with an error whatever they hold (`failNext`, with the provider's
 * own error body from `failure`) or to never answer the next one (`hangNext`).
 */
export function fakeApi(options: {
  /** Appended to the server's origin to make `url` (the API base a client is configured with). */
  basePath: string;
  judge: (request: http.IncomingMessage, raw: string, label: string) => FakeVerdict;
  failure: (status: number) => object;
}) {
  const seen: string[] = [];
  const hung: http.ServerResponse[] = [];
  let failing: { count: number; status: number; body?: object } = { count: 0, status: 500 };
  let hangs = 0;
  let url = '';

  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('end', () => {
      const answer = (a: FakeAnswer) => {
        res.writeHead(a.status, a.body ? { 'content-type': 'application/json', ...a.headers } : a.headers);
        res.end(a.body ? JSON.stringify(a.body) : undefined);
      };
      const label = `${req.method} ${new URL(req.url ?? '/', 'http://fake').pathname}`;
      seen.push(label);
      const verdict = options.judge(req, raw, label);
      if (hangs > 0) {
        hangs--;
        hung.push(res);
        return;
      }
      if (failing.count > 0) {
        failing.count--;
        return answer({ status: failing.status, body: failing.body ?? options.failure(failing.status) });
      }
      answer('refusal' in verdict ? verdict.refusal : verdict.accept());
    });
  });

  return {
    /** The API base; set by start(). */
    get url() {
      return url;
    },
    seen,
    /** The next `n` requests get `status` (and `body`, or the provider's own error), whatever they hold. */
    failNext(n: number, status: number, body?: object) {
      failing = { count: n, status, ...(body ? { body } : {}) };
    },
    /** The next request is never answered (until stop()). */
    hangNext() {
      hangs++;
    },
    start: () =>
      new Promise<void>((resolve) =>
        server.listen(0, '127.0.0.1', () => {
          url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${options.basePath}`;
          resolve();
        }),
      ),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of hung.splice(0)) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
