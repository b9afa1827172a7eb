import net from 'node:net';
import { afterEach, expect } from 'vitest';

/**
 * Tests reach outside services only through local fakes: a connection from this process to any
 * host but this machine is refused (the socket errors as if the network were down) and fails the
 * test that made it, even when the code under test shrugged the error off (a fallback, a retry).
 * Loaded for every test file (vitest.config.ts `setupFiles`). Child processes (Chromium) are not
 * covered; their pages only load the app under test.
 */
const LOCAL = /^(localhost|127(?:\.\d{1,3}){3}|::1|::ffff:127(?:\.\d{1,3}){3})$/i;
const attempts: string[] = [];
const connect = net.Socket.prototype.connect;

type Target = { host?: string; port?: number | string; path?: string };

/** Where a `connect(...)` call goes, from any of its forms (Node passes normalized args as an array). */
function targetOf(args: unknown[]): Target {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first && typeof first === 'object') return first as Target;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return { port: first, host: typeof args[1] === 'string' ? args[1] : 'localhost' };
  }
  return typeof first === 'string' ? { path: first } : {};
}

net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const target = targetOf(args);
  const host = (target.host ?? 'localhost').replace(/^\[|\]$/g, '');
  if (target.path === undefined && !LOCAL.test(host)) {
    const where = `${host}:${target.port ?? '?'}`;
    attempts.push(where);
    process.nextTick(() => this.destroy(new Error(`unexpected outbound connection to ${where}`)));
    return this;
  }
  return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;

/** Takes out the attempts so far (the guard's own test makes one on purpose). */
export function takeOutboundAttempts(): string[] {
  return attempts.splice(0);
}

afterEach(() => {
  const made = attempts.splice(0);
  expect(made, 'connections to hosts outside this machine (use a local fake)').toEqual([]);
});
