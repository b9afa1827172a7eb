import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { takeOutboundAttempts } from './no-outbound.ts';

/** The guard in no-outbound.ts: local fakes are reachable, the internet is not. */
describe('outbound connections in tests', () => {
  it('reach a server on this machine', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('to another host fail with the host named (and the attempt is taken out here)', async () => {
    const error = await fetch('https://api.openai.com/v1/models').then(
      () => null,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error & { cause?: unknown }).cause)).toContain(
      'unexpected outbound connection to api.openai.com:443',
    );
    expect(takeOutboundAttempts()).toEqual(['api.openai.com:443']);
  });
});
