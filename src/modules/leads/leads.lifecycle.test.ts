import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor } from './leads.cursor.ts';
import { contactColumns } from './leads.fields.ts';
import { type LifecycleState, NEW_LEAD_LIFECYCLE, transition } from './leads.lifecycle.ts';
import { maskEmail, maskName, maskPhone } from './leads.present.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-02T00:00:00Z');

describe('transition', () => {
  it('stamps a stage the first time only, and the first response on leaving new', () => {
    const contacted = transition(NEW_LEAD_LIFECYCLE, 'contacted', t0);
    expect(contacted).toEqual({ status: 'contacted', contactedAt: t0, firstResponseAt: t0 });
    const state: LifecycleState = {
      ...NEW_LEAD_LIFECYCLE,
      ...contacted,
      status: 'qualified',
      qualifiedAt: t0,
    };
    expect(transition(state, 'contacted', t1)).toEqual({ status: 'contacted' });
    expect(transition(state, 'qualified', t1)).toEqual({});
  });

  it('closes on won or lost, reopens by clearing closed_at and the lost reason', () => {
    const lost = transition(NEW_LEAD_LIFECYCLE, 'lost', t0, 'Too expensive');
    expect(lost).toEqual({
      status: 'lost',
      lostAt: t0,
      firstResponseAt: t0,
      closedAt: t0,
      lostReason: 'Too expensive',
    });
    const state = { ...NEW_LEAD_LIFECYCLE, ...lost } as LifecycleState;
    expect(transition(state, 'contacted', t1)).toEqual({
      status: 'contacted',
      contactedAt: t1,
      closedAt: null,
      lostReason: null,
    });
    expect(transition(state, 'won', t1)).toEqual({
      status: 'won',
      wonAt: t1,
      closedAt: t1,
      lostReason: null,
    });
  });

  it('marks spam by hand and recovers it', () => {
    const spam = transition(NEW_LEAD_LIFECYCLE, 'spam', t0);
    expect(spam).toEqual({ status: 'spam', spamReason: 'manual' });
    const honeypot: LifecycleState = { ...NEW_LEAD_LIFECYCLE, status: 'spam', spamReason: 'honeypot' };
    expect(transition(honeypot, 'new', t1)).toEqual({ status: 'new', spamReason: null });
    expect(transition(honeypot, 'contacted', t1)).toMatchObject({ spamReason: null, firstResponseAt: t1 });
  });
});

describe('masks', () => {
  it('shows an initial, a first letter and top-level domain, and two digits each end', () => {
    expect(maskName('  élodie Martin')).toBe('É…');
    expect(maskName(null)).toBeNull();
    expect(maskEmail('jane.doe@mail.example.co.uk')).toBe('j•••@•••.uk');
    expect(maskEmail('x@localhost')).toBe('x•••@•••');
    expect(maskPhone('+15125550123')).toBe('+1•••••••23');
    expect(maskPhone('+442079460000')).toBe('+4•••••••00');
  });
});

describe('cursor', () => {
  it('round-trips and refuses anything else', () => {
    const c = { at: '2026-01-01T00:00:00.123456Z', id: '0b4a3c1e-2f4d-4e5a-9b6c-7d8e9f001122' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    for (const raw of ['', 'x', encodeCursor({ ...c, id: 'x' }), encodeCursor({ ...c, at: '2026-01-01' })]) {
      expect(() => decodeCursor(raw)).toThrow(AppError);
    }
  });
});

describe('contact fields', () => {
  it('trims, lower-cases email, reads phones in the account country, and names a bad phone', () => {
    expect(
      contactColumns({ fullName: ' A ', email: ' X@Y.COM ', phone: '020 7946 0000', city: ' ' }, 'GB'),
    ).toEqual({
      fullName: 'A',
      email: 'x@y.com',
      phoneE164: '+442079460000',
      city: null,
    });
    expect(contactColumns({ phone: null }, 'US')).toEqual({ phoneE164: null });
    expect(() => contactColumns({ phone: '123' }, 'US')).toThrow(AppError);
  });
});
