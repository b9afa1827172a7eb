import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FALLBACK_TIME_ZONE,
  isQuietTime,
  localHour,
  localTime,
  nextAllowedTime,
  QUIET_HOURS,
  resolveTimeZone,
} from './quiet-hours.ts';

const NY = 'America/New_York';
const LA = 'America/Los_Angeles';
const at = (iso: string) => new Date(iso);
const next = (iso: string, zone: string) => nextAllowedTime(at(iso), zone).toISOString();

describe('nextAllowedTime', () => {
  it('lets a message go at once inside 08:00–21:00, returning now itself', () => {
    const now = at('2026-06-16T00:59:00Z'); // 20:59 EDT
    expect(nextAllowedTime(now, NY)).toBe(now);
    expect(isQuietTime(now, NY)).toBe(false);
    const opening = at('2026-06-15T12:00:00Z'); // 08:00 EDT
    expect(nextAllowedTime(opening, NY)).toBe(opening);
  });

  it('defers 21:00 to 08:00 the next day', () => {
    expect(next('2026-06-16T01:00:00Z', NY)).toBe('2026-06-16T12:00:00.000Z');
    expect(isQuietTime(at('2026-06-16T01:00:00Z'), NY)).toBe(true);
  });

  it('defers 07:59 to 08:00 the same day', () => {
    expect(next('2026-06-15T11:59:00Z', NY)).toBe('2026-06-15T12:00:00.000Z');
    expect(next('2026-06-15T11:59:59.999Z', NY)).toBe('2026-06-15T12:00:00.000Z');
  });

  it('defers 03:00 and midnight to 08:00 that morning', () => {
    expect(next('2026-06-15T07:00:00Z', NY)).toBe('2026-06-15T12:00:00.000Z');
    expect(next('2026-06-15T04:00:00Z', NY)).toBe('2026-06-15T12:00:00.000Z');
    expect(next('2026-06-15T03:59:59Z', NY)).toBe('2026-06-15T12:00:00.000Z'); // 23:59:59 the day before
  });

  it('is quiet in New York but allowed in Los Angeles at the same instant', () => {
    const now = at('2026-06-15T01:30:00Z'); // 21:30 EDT, 18:30 PDT
    expect(isQuietTime(now, NY)).toBe(true);
    expect(isQuietTime(now, LA)).toBe(false);
    expect(nextAllowedTime(now, LA)).toBe(now);
    expect(nextAllowedTime(now, NY).toISOString()).toBe('2026-06-15T12:00:00.000Z');
  });

  it('spring forward (New York, 2026-03-08): 22:30 EST the evening before → 08:00 EDT', () => {
    expect(localTime(at('2026-03-08T03:30:00Z'), NY)).toMatchObject({ day: 7, hour: 22, minute: 30 });
    expect(next('2026-03-08T03:30:00Z', NY)).toBe('2026-03-08T12:00:00.000Z'); // UTC-4, not -5
    // 01:30 EST, just before the gap, and 03:30 EDT, just after it.
    expect(next('2026-03-08T06:30:00Z', NY)).toBe('2026-03-08T12:00:00.000Z');
    expect(next('2026-03-08T07:30:00Z', NY)).toBe('2026-03-08T12:00:00.000Z');
    // The evening of the change itself: 21:00 EDT → 08:00 EDT on the 9th.
    expect(next('2026-03-09T01:00:00Z', NY)).toBe('2026-03-09T12:00:00.000Z');
  });

  it('fall back (New York, 2026-11-01): 22:30 EDT the evening before → 08:00 EST', () => {
    expect(localTime(at('2026-11-01T02:30:00Z'), NY)).toMatchObject({ month: 10, day: 31, hour: 22 });
    expect(next('2026-11-01T02:30:00Z', NY)).toBe('2026-11-01T13:00:00.000Z'); // UTC-5, not -4
    // 01:30 happens twice; both go to the same 08:00 EST.
    expect(next('2026-11-01T05:30:00Z', NY)).toBe('2026-11-01T13:00:00.000Z');
    expect(next('2026-11-01T06:30:00Z', NY)).toBe('2026-11-01T13:00:00.000Z');
    expect(isQuietTime(at('2026-11-01T12:59:59Z'), NY)).toBe(true); // 07:59:59 EST
    expect(isQuietTime(at('2026-11-01T13:00:00Z'), NY)).toBe(false);
  });

  it('moves an opening hour that does not exist on by the gap, and takes the first of a doubled one', () => {
    // 02:00 does not exist in New York on 2026-03-08: the window opens at 03:00 EDT.
    const two = { startHour: 2, endHour: 21 };
    expect(nextAllowedTime(at('2026-03-08T06:30:00Z'), NY, two).toISOString()).toBe(
      '2026-03-08T07:00:00.000Z',
    );
    // 01:00 happens twice on 2026-11-01: the first (EDT) is taken.
    const one = { startHour: 1, endHour: 21 };
    expect(nextAllowedTime(at('2026-11-01T04:30:00Z'), NY, one).toISOString()).toBe(
      '2026-11-01T05:00:00.000Z',
    );
  });

  it('keeps Arizona on UTC-7 all year', () => {
    const phoenix = 'America/Phoenix';
    expect(next('2026-03-08T05:30:00Z', phoenix)).toBe('2026-03-08T15:00:00.000Z'); // 22:30 MST, 7 Mar
    expect(next('2026-07-01T04:00:00Z', phoenix)).toBe('2026-07-01T15:00:00.000Z'); // 21:00 MST, 30 Jun
    expect(next('2026-11-01T05:30:00Z', phoenix)).toBe('2026-11-01T15:00:00.000Z');
    // Same instant as the New York spring-forward case: Denver moved, Phoenix did not.
    expect(next('2026-03-08T05:30:00Z', 'America/Denver')).toBe('2026-03-08T14:00:00.000Z');
  });

  it('works east of UTC', () => {
    // Tokyo (UTC+9, no DST): 21:30 JST on 15 Jan → 08:00 JST on 16 Jan.
    expect(next('2026-01-15T12:30:00Z', 'Asia/Tokyo')).toBe('2026-01-15T23:00:00.000Z');
    expect(next('2026-01-15T22:00:00Z', 'Asia/Tokyo')).toBe('2026-01-15T23:00:00.000Z'); // 07:00 JST
    // London springs forward on 2026-03-29: 22:30 GMT on the 28th → 08:00 BST.
    expect(next('2026-03-28T22:30:00Z', 'Europe/London')).toBe('2026-03-29T07:00:00.000Z');
    expect(nextAllowedTime(at('2026-03-29T07:00:00Z'), 'Europe/London').toISOString()).toBe(
      '2026-03-29T07:00:00.000Z',
    );
  });

  it('reads an invalid zone as New York instead of throwing', () => {
    expect(resolveTimeZone('Mars/Olympus')).toBe(FALLBACK_TIME_ZONE);
    expect(resolveTimeZone('')).toBe(FALLBACK_TIME_ZONE);
    expect(resolveTimeZone(LA)).toBe(LA);
    expect(next('2026-06-16T01:00:00Z', 'Mars/Olympus')).toBe('2026-06-16T12:00:00.000Z');
    expect(isQuietTime(at('2026-06-16T01:00:00Z'), 'not a zone')).toBe(true);
    expect(localHour(at('2026-06-16T01:00:00Z'), '')).toBe(21);
  });

  it('takes another window and rejects a malformed one', () => {
    const nine = { startHour: 9, endHour: 20 };
    expect(next('2026-06-15T12:30:00Z', NY)).toBe('2026-06-15T12:30:00.000Z');
    expect(nextAllowedTime(at('2026-06-15T12:30:00Z'), NY, nine).toISOString()).toBe(
      '2026-06-15T13:00:00.000Z',
    );
    expect(isQuietTime(at('2026-06-16T00:30:00Z'), NY, nine)).toBe(true); // 20:30
    expect(() => nextAllowedTime(at('2026-06-15T12:00:00Z'), NY, { startHour: 21, endHour: 8 })).toThrow(
      RangeError,
    );
    expect(() => isQuietTime(at('2026-06-15T12:00:00Z'), NY, { startHour: 8.5, endHour: 21 })).toThrow(
      RangeError,
    );
    expect(() => nextAllowedTime(new Date(Number.NaN), NY)).toThrow(RangeError);
  });

  it('always lands on the first allowed instant (property)', () => {
    const zones = [
      NY,
      LA,
      'America/Phoenix',
      'America/St_Johns',
      'Europe/London',
      'Asia/Tokyo',
      'Australia/Lord_Howe',
    ];
    const from = Date.UTC(2025, 0, 1);
    const to = Date.UTC(2028, 0, 1);
    fc.assert(
      fc.property(fc.integer({ min: from, max: to }), fc.constantFrom(...zones), (ms, zone) => {
        const now = new Date(ms);
        const result = nextAllowedTime(now, zone);
        expect(isQuietTime(result, zone)).toBe(false);
        if (result === now) return;
        expect(isQuietTime(now, zone)).toBe(true);
        expect(result.getTime()).toBeGreaterThan(ms);
        expect(result.getTime() - ms).toBeLessThanOrEqual(12 * 3_600_000);
        expect(localTime(result, zone)).toMatchObject({ hour: QUIET_HOURS.startHour, minute: 0, second: 0 });
        // A moment earlier is still quiet: nothing allowed was skipped.
        expect(isQuietTime(new Date(result.getTime() - 1000), zone)).toBe(true);
      }),
      { numRuns: 2000, seed: 20260308 },
    );
  });
});
