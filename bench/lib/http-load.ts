/**
 * autocannon (programmatic API) with a fresh request per call: `next()` builds each request
 * (path, headers, body) and returns a tag; `onResponse` gets the status, body and that tag, so
 * a benchmark can check afterwards what every answer did. autocannon ships no types: the
 * slice used here is typed below.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import { Samples } from './stats.ts';

type AcRequest = {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  setupRequest?: (req: AcRequest, context: Record<string, unknown>) => AcRequest;
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
};

type AcHistogram = { average: number; mean: number; p50: number; p90: number; p99: number; max: number };

export type AcResult = {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  '3xx': number;
  '4xx': number;
  '5xx': number;
  statusCodeStats: Record<string, { count: number }>;
  latency: AcHistogram & { totalCount: number };
  requests: AcHistogram & { total: number; sent: number };
};

type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
  timeout?: number;
  /** Requests per second across all connections (autocannon spreads it over them). */
  overallRate?: number;
  requests: AcRequest[];
}) => Promise<AcResult>;

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as Autocannon;

export type BuiltRequest<T> = {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  tag: T;
};

export type HttpLoadResult = AcResult & {
  /** Answers by status, counted by onResponse (a response read after the stop is not here). */
  byStatus: Map<number, number>;
  /** Completed requests per second (every status). */
  rate: number;
};

export async function httpLoad<T>(options: {
  url: string;
  connections: number;
  seconds: number;
  /** A fixed offered rate (requests/s over all connections) instead of as fast as possible. */
  rate?: number;
  next: () => BuiltRequest<T>;
  onResponse?: (status: number, body: string, tag: T) => void;
}): Promise<HttpLoadResult> {
  const byStatus = new Map<number, number>();
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    pipelining: 1,
    timeout: 10,
    ...(options.rate ? { overallRate: Math.max(1, Math.round(options.rate)) } : {}),
    requests: [
      {
        method: 'POST',
        path: '/',
        // One request in flight per connection, so the context is that request's.
        setupRequest: (req, context) => {
          const built = options.next();
          context.tag = built.tag;
          return {
            ...req,
            method: built.method,
            path: built.path,
            headers: built.headers,
            ...(built.body === undefined ? {} : { body: built.body }),
          };
        },
        onResponse: (status, body, context) => {
          byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
          options.onResponse?.(status, body, context.tag as T);
        },
      },
    ],
  });
  const completed = [...byStatus.values()].reduce((a, b) => a + b, 0);
  return { ...result, byStatus, rate: completed / result.duration };
}

export function statusSummary(byStatus: Map<number, number>): string {
  return [...byStatus.entries()]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
}

/**
 * Open-loop load at a fixed rate: requests leave at evenly spaced times whatever the answers do
 * (autocannon's own rate limit sends each connection's share in a burst at the top of every
 * second). Latency is measured from the scheduled time, so a stalled server is not hidden.
 */
export async function pacedLoad<T>(options: {
  url: string;
  rate: number;
  seconds: number;
  maxSockets?: number;
  next: () => BuiltRequest<T>;
  onResponse?: (status: number, body: string, tag: T) => void;
}): Promise<{
  byStatus: Map<number, number>;
  errors: number;
  latency: Samples;
  rate: number;
  seconds: number;
}> {
  const u = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const byStatus = new Map<number, number>();
  const latency = new Samples();
  let errors = 0;
  let sent = 0;
  const inflight = new Set<Promise<void>>();
  const started = process.hrtime.bigint();
  const total = Math.round(options.rate * options.seconds);
  const one = (scheduledNs: bigint) => {
    const built = options.next();
    const p = new Promise<void>((resolve) => {
      const req = http.request(
        {
          host: u.hostname,
          port: u.port,
          path: built.path,
          method: built.method,
          headers: built.headers,
          agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            latency.add(Number(process.hrtime.bigint() - scheduledNs) / 1e6);
            const status = res.statusCode ?? 0;
            byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
            options.onResponse?.(status, Buffer.concat(chunks).toString(), built.tag);
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(built.body);
    });
    inflight.add(p);
    void p.then(() => inflight.delete(p));
  };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = process.hrtime.bigint();
      const due = Math.min(total, Math.floor((Number(now - started) / 1e9) * options.rate));
      while (sent < due) {
        one(started + BigInt(Math.round((sent / options.rate) * 1e9)));
        sent++;
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(inflight);
  agent.destroy();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const completed = [...byStatus.values()].reduce((a, b) => a + b, 0);
  return { byStatus, errors, latency, rate: completed / seconds, seconds };
}
