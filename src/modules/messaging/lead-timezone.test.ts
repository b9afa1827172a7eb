import { describe, expect, it } from 'vitest';
import { leadTimeZone, timeZoneForPhone, timeZoneForPostalCode } from './lead-timezone.ts';

describe('timeZoneForPostalCode: US ZIPs', () => {
  it.each([
    ['10001', 'America/New_York'], // Manhattan
    ['02108', 'America/New_York'], // Boston
    ['33101', 'America/New_York'], // Miami
    ['32301', 'America/New_York'], // Tallahassee
    ['32501', 'America/Chicago'], // Pensacola
    ['32401', 'America/Chicago'], // Panama City
    ['60601', 'America/Chicago'], // Chicago
    ['78701', 'America/Chicago'], // Austin
    ['79901', 'America/Denver'], // El Paso
    ['80202', 'America/Denver'], // Denver
    ['85004', 'America/Phoenix'], // Phoenix
    ['86515', 'America/Denver'], // Window Rock (Navajo Nation keeps DST)
    ['83702', 'America/Boise'], // Boise
    ['83814', 'America/Los_Angeles'], // Coeur d'Alene
    ['83501', 'America/Los_Angeles'], // Lewiston
    ['97914', 'America/Boise'], // Ontario, Oregon
    ['97201', 'America/Los_Angeles'], // Portland
    ['90012', 'America/Los_Angeles'], // Los Angeles
    ['96813', 'Pacific/Honolulu'], // Honolulu
    ['99501', 'America/Anchorage'], // Anchorage
    ['00901', 'America/Puerto_Rico'], // San Juan
    ['46204', 'America/Indiana/Indianapolis'], // Indianapolis
    ['46402', 'America/Chicago'], // Gary
    ['47708', 'America/Chicago'], // Evansville
    ['40202', 'America/New_York'], // Louisville
    ['42101', 'America/Chicago'], // Bowling Green
    ['37203', 'America/Chicago'], // Nashville
    ['37902', 'America/New_York'], // Knoxville
    ['48226', 'America/Detroit'], // Detroit
    ['49855', 'America/Detroit'], // Marquette (UP, Eastern)
    ['49801', 'America/Menominee'], // Iron Mountain (UP, Central)
    ['57701', 'America/Denver'], // Rapid City
    ['57104', 'America/Chicago'], // Sioux Falls
    ['58601', 'America/Denver'], // Dickinson ND
    ['69361', 'America/Denver'], // Scottsbluff
    ['68102', 'America/Chicago'], // Omaha
    ['96799', 'Pacific/Pago_Pago'], // American Samoa
  ])('%s → %s', (zip, zone) => {
    expect(timeZoneForPostalCode(zip)).toBe(zone);
  });

  it('reads ZIP+4 with a dash, a space or none', () => {
    expect(timeZoneForPostalCode('85004-1234')).toBe('America/Phoenix');
    expect(timeZoneForPostalCode('79901 1234')).toBe('America/Denver');
    expect(timeZoneForPostalCode('968131234')).toBe('Pacific/Honolulu');
    expect(timeZoneForPostalCode('  10001  ')).toBe('America/New_York');
  });

  it('gives null for military, malformed and empty codes', () => {
    expect(timeZoneForPostalCode('09012')).toBeNull(); // APO AE
    expect(timeZoneForPostalCode('96201')).toBeNull(); // APO AP
    expect(timeZoneForPostalCode('1234')).toBeNull();
    expect(timeZoneForPostalCode('123456')).toBeNull();
    expect(timeZoneForPostalCode('abcde')).toBeNull();
    expect(timeZoneForPostalCode('')).toBeNull();
    expect(timeZoneForPostalCode(null)).toBeNull();
  });

  it('gives null for a postal code of another country', () => {
    expect(timeZoneForPostalCode('75008', 'FR')).toBeNull();
    expect(timeZoneForPostalCode('75008', 'US')).toBe('America/Chicago');
    expect(timeZoneForPostalCode('75008', 'us')).toBe('America/Chicago');
    expect(timeZoneForPostalCode('00901', 'PR')).toBe('America/Puerto_Rico');
  });
});

describe('timeZoneForPostalCode: Canadian postal codes', () => {
  it.each([
    ['V6B 1A1', 'America/Vancouver'],
    ['T2P 1J9', 'America/Edmonton'],
    ['S4P 3Y2', 'America/Regina'],
    ['R3C 4T3', 'America/Winnipeg'],
    ['M5V 3L9', 'America/Toronto'],
    ['K1A 0B1', 'America/Toronto'],
    ['H3B 4W8', 'America/Toronto'], // Montreal
    ['G1R 4P5', 'America/Toronto'], // Quebec City
    ['E1C 4M3', 'America/Moncton'],
    ['B3H 4R2', 'America/Halifax'],
    ['C1A 7N8', 'America/Halifax'],
    ['A1C 5M2', 'America/St_Johns'],
    ['X1A 2L9', 'America/Yellowknife'],
    ['X0A 0H0', 'America/Iqaluit'],
    ['Y1A 1B2', 'America/Whitehorse'],
    ['P7B 5E1', 'America/Toronto'], // Thunder Bay
    ['P9N 1A1', 'America/Winnipeg'], // Kenora
    ['V1C 4H4', 'America/Edmonton'], // Cranbrook
    ['S9V 0A1', 'America/Edmonton'], // Lloydminster
  ])('%s → %s', (code, zone) => {
    expect(timeZoneForPostalCode(code)).toBe(zone);
  });

  it('reads lower case, no space, a dash, or the first three characters alone', () => {
    expect(timeZoneForPostalCode('v6b1a1')).toBe('America/Vancouver');
    expect(timeZoneForPostalCode('T2P-1J9', 'CA')).toBe('America/Edmonton');
    expect(timeZoneForPostalCode('R3C')).toBe('America/Winnipeg');
  });

  it('gives null for letters no district uses and for bad shapes', () => {
    expect(timeZoneForPostalCode('D1A 1A1')).toBeNull();
    expect(timeZoneForPostalCode('V6B 1A')).toBeNull();
    expect(timeZoneForPostalCode('V6B 1A1', 'GB')).toBeNull();
  });
});

describe('timeZoneForPhone', () => {
  it.each([
    ['+12125550100', 'America/New_York'],
    ['+12135550100', 'America/Los_Angeles'],
    ['+13125550100', 'America/Chicago'],
    ['+13035550100', 'America/Denver'],
    ['+16025550100', 'America/Phoenix'],
    ['+18085550100', 'Pacific/Honolulu'],
    ['+19075550100', 'America/Anchorage'],
    ['+17875550100', 'America/Puerto_Rico'],
    ['+14165550100', 'America/Toronto'],
    ['+16045550100', 'America/Vancouver'],
    ['+19155550100', 'America/Denver'], // El Paso
    ['+18505550100', 'America/Chicago'], // Florida panhandle, mostly Central
    ['+13325550100', 'America/New_York'], // 212/646 overlay
    ['+19435550100', 'America/New_York'], // Atlanta overlay
    ['+14375550100', 'America/Toronto'], // Toronto overlay
    ['+13065550100', 'America/Regina'],
    ['+12425550100', 'America/Nassau'],
  ])('%s → %s', (phone, zone) => {
    expect(timeZoneForPhone(phone)).toBe(zone);
  });

  it('tolerates formatting and a missing +1', () => {
    expect(timeZoneForPhone('+1 (212) 555-0100')).toBe('America/New_York');
    expect(timeZoneForPhone('2135550100')).toBe('America/Los_Angeles');
    expect(timeZoneForPhone('1.604.555.0100')).toBe('America/Vancouver');
  });

  it('gives null for other countries, toll-free, unassigned and malformed numbers', () => {
    expect(timeZoneForPhone('+442071838750')).toBeNull();
    expect(timeZoneForPhone('+33142685300')).toBeNull();
    expect(timeZoneForPhone('+18005550100')).toBeNull();
    expect(timeZoneForPhone('+19995550100')).toBeNull();
    expect(timeZoneForPhone('+1212555010')).toBeNull();
    expect(timeZoneForPhone('+12120550100')).toBeNull(); // exchange cannot start with 0
    expect(timeZoneForPhone('')).toBeNull();
    expect(timeZoneForPhone(null)).toBeNull();
  });
});

describe('leadTimeZone', () => {
  it('prefers the postal code over the area code', () => {
    // A New York number, but the lead lives in Phoenix.
    expect(leadTimeZone({ postalCode: '85004', phoneE164: '+12125550100' }, 'America/Chicago')).toEqual({
      zone: 'America/Phoenix',
      from: 'postal_code',
    });
  });

  it('uses the area code when the postal code is missing or unknown', () => {
    expect(leadTimeZone({ postalCode: null, phoneE164: '+16045550100' }, 'America/Chicago')).toEqual({
      zone: 'America/Vancouver',
      from: 'area_code',
    });
    expect(leadTimeZone({ postalCode: '09012', phoneE164: '+13035550100' }, 'America/Chicago')).toEqual({
      zone: 'America/Denver',
      from: 'area_code',
    });
    expect(
      leadTimeZone({ postalCode: '75008', phoneE164: '+13125550100', country: 'FR' }, 'America/Denver'),
    ).toEqual({ zone: 'America/Chicago', from: 'area_code' });
  });

  it("falls back to the account's zone", () => {
    expect(leadTimeZone({ postalCode: null, phoneE164: null }, 'America/Chicago')).toEqual({
      zone: 'America/Chicago',
      from: 'account',
    });
    expect(leadTimeZone({ phoneE164: '+442071838750' }, 'America/Halifax')).toEqual({
      zone: 'America/Halifax',
      from: 'account',
    });
    expect(leadTimeZone({}, 'Europe/London')).toEqual({ zone: 'Europe/London', from: 'account' });
  });
});
