import { describe, expect, it } from 'vitest';
import { asSession, signUp, useTestApp } from '../../../test/http.ts';

const t = useTestApp();

const owner = async () => (await signUp(t.app, 'acct')).cookie;
const call = (cookie: string, method: 'GET' | 'PATCH', payload?: object) =>
  asSession(t.app, cookie)(method, '/api/v1/account', payload);

describe('account profile', () => {
  it('reads and changes the active account, validating each field', async () => {
    const cookie = await owner();
    expect((await call(cookie, 'GET')).json()).toMatchObject({
      timezone: 'America/New_York',
    });
    const patched = await call(cookie, 'PATCH', {
      name: 'Pine & Oak Realty',
      timezone: 'America/Chicago',
      licenseNumber: 'TX-123',
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      name: 'Pine & Oak Realty',
      timezone: 'America/Chicago',
      licenseNumber: 'TX-123',
    });
    const badZone = await call(cookie, 'PATCH', { timezone: 'Mars/Olympus' });
    expect(badZone.statusCode).toBe(422);
    expect(badZone.json().errors[0].path).toBe('timezone');
    const unknown = await call(cookie, 'PATCH', { slug: 'hijack' });
    expect(unknown.statusCode).toBe(422);
    expect((await call(cookie, 'GET')).json().name).toBe('Pine & Oak Realty');
  });

  it('is not readable without a session', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/account' })).statusCode).toBe(401);
  });
});
