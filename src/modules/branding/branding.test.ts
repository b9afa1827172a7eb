import { describe, expect, it } from 'vitest';
import { asSession, type SignedUp, signUp, useTestApp } from '../../../test/http.ts';
import { withTenant } from '../../db/tenant.ts';

const t = useTestApp();

const as = (p: SignedUp) => asSession(t.app, p.cookie);
const paths = (res: { json(): { errors?: { path: string }[] } }) =>
  res.json().errors?.map((e) => e.path) ?? [];

const DEFAULTS = {
  displayName: null,
  brokerage: null,
  headline: null,
  subheadline: null,
  callToAction: null,
  logoUrl: null,
  photoUrl: null,
  primaryColor: '#1f4fd1',
  accentColor: '#f59e0b',
  theme: 'light',
  licenseNumber: null,
  phone: null,
  publicEmail: null,
  bio: null,
  consentText: null,
  updatedAt: null,
};

describe('branding', () => {
  it('answers the defaults before anything is saved', async () => {
    const owner = await signUp(t.app, 'brand');
    const res = await as(owner)('GET', '/api/v1/branding');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(DEFAULTS);
  });

  it('saves the whole branding, trimmed and normalized, and PUT again replaces it', async () => {
    const owner = await signUp(t.app, 'brand');
    const put = (body: object) => as(owner)('PUT', '/api/v1/branding', body);
    const res = await put({
      displayName: '  Dana Demo  ',
      brokerage: 'Demo Realty',
      logoUrl: 'https://cdn.example.com/logo.png',
      photoUrl: 'http://localhost:3000/me.jpg',
      primaryColor: '#AABBCC',
      theme: 'dark',
      phone: '(512) 555-0142',
      publicEmail: ' Dana@Example.COM ',
      bio: '',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      displayName: 'Dana Demo',
      brokerage: 'Demo Realty',
      logoUrl: 'https://cdn.example.com/logo.png',
      photoUrl: 'http://localhost:3000/me.jpg',
      primaryColor: '#aabbcc',
      accentColor: '#f59e0b',
      theme: 'dark',
      phone: '+15125550142',
      publicEmail: 'dana@example.com',
      bio: null,
    });
    expect(Date.parse(res.json().updatedAt)).toBeGreaterThan(0);
    expect((await as(owner)('GET', '/api/v1/branding')).json()).toEqual(res.json());

    const again = await put({ displayName: 'Dana' });
    expect(again.json()).toEqual({ ...DEFAULTS, displayName: 'Dana', updatedAt: expect.any(String) });
    const { rows } = await withTenant(t.db, owner.accountId, (_tx, client) =>
      client.query('SELECT count(*)::int AS n FROM branding WHERE account_id = $1', [owner.accountId]),
    );
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('reads phone numbers in the account’s country', async () => {
    const owner = await signUp(t.app, 'brand');
    await withTenant(t.db, owner.accountId, (_tx, client) =>
      client.query("UPDATE accounts SET country = 'GB' WHERE id = $1", [owner.accountId]),
    );
    const res = await as(owner)('PUT', '/api/v1/branding', { phone: '020 7946 0018' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().phone).toBe('+442079460018');
  });

  it('answers 422 naming each bad field', async () => {
    const owner = await signUp(t.app, 'brand');
    const put = (body: object) => as(owner)('PUT', '/api/v1/branding', body);
    const cases: [object, string][] = [
      [{ phone: '12' }, 'body.phone'],
      [{ phone: '+1 555 0100' }, 'body.phone'],
      [{ logoUrl: 'http://cdn.example.com/logo.png' }, 'body.logoUrl'],
      [{ logoUrl: 'javascript:alert(1)' }, 'body.logoUrl'],
      [{ photoUrl: 'https://user:pw@example.com/a.png' }, 'body.photoUrl'],
      [{ primaryColor: 'red' }, 'body.primaryColor'],
      [{ accentColor: '#12345' }, 'body.accentColor'],
      [{ theme: 'neon' }, 'body.theme'],
      [{ publicEmail: 'not an email' }, 'body.publicEmail'],
      [{ displayName: 'x'.repeat(121) }, 'body.displayName'],
      [{ bio: 'x'.repeat(4001) }, 'body.bio'],
    ];
    for (const [body, path] of cases) {
      const res = await put(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(paths(res), JSON.stringify(body)).toEqual([path]);
    }
    expect((await put({ planCode: 'pro' })).statusCode).toBe(422);
    expect((await as(owner)('GET', '/api/v1/branding')).json()).toEqual(DEFAULTS);
  });
});
