import { describe, expect, it } from 'vitest';
import { leadSources } from '../../db/schema/index.ts';
import { findSignals, heuristicScorer, scoreHeuristically } from './heuristic.ts';
import type { ScoringInput } from './scorer.ts';
import { timelineCodeOf } from './signals.ts';
import { BASE_SCORE, HEURISTIC_VERSION, WEIGHTS, type Weight } from './weights.ts';

// 22:30 in Chicago: neither daytime nor the small hours.
const EVENING = new Date('2026-12-02T04:30:00Z');
const UK_LANDLINE = '+442071838750'; // a landline: worth 0, so `contact` can be read alone

/** A lead that trips as little as possible: an email, nothing else, from the API (0). */
const NEUTRAL: ScoringInput = {
  source: 'api',
  pageKind: null,
  fullName: null,
  email: 'sam@example.com',
  phoneE164: null,
  addressLine: null,
  city: null,
  state: null,
  postalCode: null,
  message: null,
  timeline: null,
  urgency: null,
  priceMinCents: null,
  priceMaxCents: null,
  details: {},
  consentGiven: false,
  submissionCount: 1,
  submittedAt: EVENING,
  timeZone: 'America/Chicago',
};

const lead = (patch: Partial<ScoringInput> = {}): ScoringInput => ({ ...NEUTRAL, ...patch });
const scoreOf = (input: ScoringInput) => scoreHeuristically(input).score;
const pointsOf = (signal: keyof typeof WEIGHTS, option: string) =>
  (WEIGHTS[signal] as Record<string, Weight>)[option]!.points;

type Case = {
  signal: keyof typeof WEIGHTS;
  option: string;
  /** The lead without the signal (NEUTRAL when left out)… */
  from?: Partial<ScoringInput>;
  /** …and with it. */
  to: Partial<ScoringInput>;
  /** The option `from` already had, for signals that always give one (name, source). */
  fromOption?: string;
};

const NAMED = { fullName: 'Sam Rivera' };
const WITH_PHONE = { phoneE164: UK_LANDLINE };

const CASES: Case[] = [
  { signal: 'contact', option: 'both', to: WITH_PHONE },
  { signal: 'contact', option: 'phone_only', to: { email: null, phoneE164: UK_LANDLINE } },
  { signal: 'name', option: 'full', to: NAMED, fromOption: 'missing' },
  { signal: 'name', option: 'partial', to: { fullName: 'Sam' }, fromOption: 'missing' },
  {
    signal: 'name',
    option: 'missing',
    from: { fullName: 'Sam' },
    to: { fullName: '  ' },
    fromOption: 'partial',
  },
  { signal: 'phone_type', option: 'mobile', from: WITH_PHONE, to: { phoneE164: '+33612345678' } },
  { signal: 'phone_type', option: 'mobile_or_landline', from: WITH_PHONE, to: { phoneE164: '+15125550142' } },
  { signal: 'phone_type', option: 'voip', from: WITH_PHONE, to: { phoneE164: '+445612345678' } },
  { signal: 'phone_type', option: 'non_personal', from: WITH_PHONE, to: { phoneE164: '+18005551234' } },
  { signal: 'phone_type', option: 'non_personal', from: WITH_PHONE, to: { phoneE164: '+19005551234' } },
  { signal: 'phone_type', option: 'invalid', from: WITH_PHONE, to: { phoneE164: '+447700900123' } },
  { signal: 'email', option: 'disposable', to: { email: 'sam@mailinator.com' } },
  { signal: 'email', option: 'disposable', to: { email: 'sam@eu.yopmail.com' } },
  { signal: 'email', option: 'shared', to: { email: 'info@rivera-homes.com' } },
  { signal: 'consent', option: 'given', to: { consentGiven: true } },
  { signal: 'timeline', option: 'asap', to: { timeline: 'asap' } },
  { signal: 'timeline', option: '1_3_months', to: { timeline: '1_3_months' } },
  { signal: 'timeline', option: '3_6_months', to: { timeline: '3_6_months' } },
  { signal: 'timeline', option: '6_12_months', to: { timeline: '6_12_months' } },
  { signal: 'timeline', option: 'over_12_months', to: { timeline: 'over_12_months' } },
  { signal: 'timeline', option: 'just_curious', to: { timeline: 'just_curious' } },
  { signal: 'timeline', option: '1_3_months', to: { timeline: '0-3 months' } },
  { signal: 'pre_approved', option: 'yes', to: { details: { preApproved: true } } },
  { signal: 'pre_approved', option: 'yes', to: { message: 'We are pre-approved' } },
  { signal: 'price_range', option: 'both', to: { priceMinCents: 30_000_000, priceMaxCents: 45_000_000 } },
  { signal: 'price_range', option: 'one', to: { priceMaxCents: 45_000_000 } },
  { signal: 'address', option: 'street', to: { addressLine: '12 Oak Street' } },
  { signal: 'address', option: 'area', to: { postalCode: '78701' } },
  { signal: 'home_details', option: 'given', to: { details: { beds: 3, baths: 2.5 } } },
  { signal: 'areas', option: 'given', to: { details: { areas: 'Midtown, Oak Park' } } },
  { signal: 'intent_sell', option: 'found', to: { message: 'Want to sell' } },
  { signal: 'intent_buy', option: 'found', to: { message: 'Looking to buy' } },
  { signal: 'intent_cash', option: 'found', to: { message: 'Can pay cash' } },
  { signal: 'intent_relocating', option: 'found', to: { message: 'Relocating for work' } },
  { signal: 'urgency', option: 'found', to: { message: 'Need help ASAP' } },
  { signal: 'urgency', option: 'found', to: { urgency: 'Emergency' } },
  { signal: 'browsing', option: 'found', to: { message: 'Just looking for now' } },
  {
    signal: 'detailed_message',
    option: 'found',
    to: { message: 'We have a small yard and two dogs and would like a fence around it' },
  },
  { signal: 'shouting', option: 'found', to: { message: 'PLEASE CALL ME BACK' } },
  { signal: 'gibberish', option: 'found', to: { message: 'sdkjfhskdjfh' } },
  { signal: 'gibberish', option: 'found', from: NAMED, to: { fullName: 'Sam Asdfgh' } },
  { signal: 'gibberish', option: 'found', to: { message: 'hellooooo' } },
  { signal: 'links', option: 'found', to: { message: 'See http://x.co' } },
  ...leadSources
    .filter((source) => WEIGHTS.source[source].points !== 0)
    .map((source): Case => ({ signal: 'source', option: source, to: { source }, fromOption: 'api' })),
  { signal: 'repeat', option: 'twice', to: { submissionCount: 2 } },
  { signal: 'repeat', option: 'three_plus', to: { submissionCount: 3 } },
  { signal: 'repeat', option: 'three_plus', to: { submissionCount: 12 } },
  { signal: 'time_of_day', option: 'daytime', to: { submittedAt: new Date('2026-12-01T16:00:00Z') } },
  { signal: 'time_of_day', option: 'small_hours', to: { submittedAt: new Date('2026-12-01T09:30:00Z') } },
  // The same instant is daytime in Tokyo.
  { signal: 'time_of_day', option: 'daytime', to: { timeZone: 'Asia/Tokyo' } },
];

describe('heuristic scorer: each signal moves the score in its stated direction', () => {
  for (const c of CASES) {
    const points = pointsOf(c.signal, c.option);
    const direction = points > 0 ? 'raises' : 'lowers';
    it(`${c.signal}.${c.option} ${direction} it by ${Math.abs(points)} (${JSON.stringify(c.to)})`, () => {
      const before = scoreHeuristically(lead(c.from));
      const after = scoreHeuristically(lead({ ...c.from, ...c.to }));
      const expected = points - (c.fromOption ? pointsOf(c.signal, c.fromOption) : 0);
      expect(after.score - before.score).toBe(expected);
      expect(Math.sign(after.score - before.score)).toBe(Math.sign(expected));
      // Only this signal changed, and its reason carries the table's points and label.
      const reason = after.reasons.find((r) => r.signal === c.signal);
      expect(reason).toMatchObject({ points, label: pointsLabel(c.signal, c.option) });
      const others = (r: typeof after) =>
        r.reasons.filter((x) => x.signal !== c.signal).map((x) => [x.signal, x.points]);
      expect(others(after)).toEqual(others(before));
    });
  }

  it('covers every option of the table that is worth something', () => {
    const covered = new Set(CASES.map((c) => `${c.signal}.${c.option}`));
    const table = Object.entries(WEIGHTS).flatMap(([signal, options]) =>
      Object.entries(options as Record<string, Weight>)
        .filter(([, w]) => w.points !== 0)
        .map(([option]) => `${signal}.${option}`),
    );
    expect(table.filter((key) => !covered.has(key))).toEqual([]);
  });

  it('an option worth nothing (a landline, the API, a form of your own) gives no reason', () => {
    const { reasons } = scoreHeuristically(lead({ phoneE164: UK_LANDLINE, source: 'custom' }));
    expect(reasons.map((r) => r.signal)).not.toContain('phone_type');
    expect(reasons.map((r) => r.signal)).not.toContain('source');
  });

  it('"just curious" counts once, as the timeline, not again as browsing words', () => {
    const input = lead({ timeline: 'just_curious', message: 'Just curious what it is worth' });
    const signals = findSignals(input).map((h) => h.signal);
    expect(signals).toContain('timeline');
    expect(signals).not.toContain('browsing');
  });

  it('a zone Intl does not know gives no time-of-day signal, and no error', () => {
    const signals = findSignals(lead({ timeZone: 'Mars/Olympus_Mons' })).map((h) => h.signal);
    expect(signals).not.toContain('time_of_day');
  });
});

function pointsLabel(signal: keyof typeof WEIGHTS, option: string): string {
  return (WEIGHTS[signal] as Record<string, Weight>)[option]!.label;
}

const STRONG: ScoringInput = {
  ...NEUTRAL,
  source: 'home_valuation',
  pageKind: 'home_valuation',
  fullName: 'Maria Lopez',
  email: 'maria.lopez@example.com',
  phoneE164: '+15125550142',
  addressLine: '12 Oak Street',
  city: 'Austin',
  state: 'TX',
  postalCode: '78701',
  timeline: '1_3_months',
  details: { beds: 3, baths: 2 },
  message: 'We are relocating for a new job and want to sell quickly, ideally this month.',
  consentGiven: true,
  submissionCount: 2,
  submittedAt: new Date('2026-12-01T16:00:00Z'),
};

describe('heuristic scorer: the result', () => {
  it('the same input gives the same score, reasons and summary', () => {
    const first = scoreHeuristically(STRONG);
    const again = scoreHeuristically(structuredClone(STRONG));
    expect(again).toEqual(first);
    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
  });

  it('the scorer object answers what the function does, under its name and version', async () => {
    expect(heuristicScorer).toMatchObject({ name: 'heuristic', version: HEURISTIC_VERSION, model: null });
    expect(await heuristicScorer.score(STRONG)).toEqual(scoreHeuristically(STRONG));
  });

  it('reasons start with the base, then go biggest effect first, and add up to the score', () => {
    const { score, reasons } = scoreHeuristically(lead({ email: 'x@mailinator.com', consentGiven: true }));
    expect(reasons[0]).toEqual({ signal: 'base', label: 'Starting score', points: BASE_SCORE });
    const rest = reasons.slice(1).map((r) => Math.abs(r.points));
    expect(rest).toEqual([...rest].sort((a, b) => b - a));
    expect(reasons.reduce((sum, r) => sum + r.points, 0)).toBe(score);
    expect(new Set(reasons.map((r) => r.signal)).size).toBe(reasons.length);
  });

  it('is a whole number clamped to 0–100', () => {
    const best = scoreHeuristically({
      ...STRONG,
      source: 'referral',
      timeline: 'asap',
      details: { preApproved: true, beds: 3 },
      priceMinCents: 1,
      priceMaxCents: 2,
      submissionCount: 5,
      message: 'Relocating, must sell and buy asap, cash ready, pre-approved.',
    });
    expect(best.score).toBe(100);
    const worst = scoreHeuristically({
      ...NEUTRAL,
      source: 'import',
      email: 'qqqq@mailinator.com',
      phoneE164: '+447700900123',
      timeline: 'just_curious',
      message: 'VISIT WWW.CHEAP-PILLS.COM ASDFGHJKL',
      submittedAt: new Date('2026-12-01T09:30:00Z'),
    });
    expect(worst.score).toBe(0);
    for (const r of [best, worst]) expect(Number.isInteger(r.score)).toBe(true);
  });

  it('reads a strong seller lead as strong and an empty one as weak', () => {
    expect(scoreOf(STRONG)).toBeGreaterThanOrEqual(80);
    expect(scoreOf(NEUTRAL)).toBe(BASE_SCORE + WEIGHTS.name.missing.points);
  });
});

describe('heuristic scorer: the summary', () => {
  it('is one plain paragraph built from the fields', () => {
    const { summary } = scoreHeuristically(STRONG);
    expect(summary).not.toMatch(/\n/);
    expect(summary).toContain('Maria Lopez asked what their home at 12 Oak Street, Austin is worth.');
    expect(summary).toContain('They might sell in 1–3 months.');
    expect(summary).toContain('They left an email and a phone number, and agreed to be contacted.');
    expect(summary).toContain('They have reached out 2 times.');
    expect(summary).toContain('Their message mentions selling, relocating and urgency.');
    expect(summary).toMatch(/Scored \d+ of 100, mostly because of: a timeline within 3 months \(\+12\)/);
  });

  it('never repeats the email address or the phone number', () => {
    const { summary } = scoreHeuristically(STRONG);
    expect(summary).not.toContain('maria.lopez');
    expect(summary).not.toContain('5550142');
  });

  it("describes a buyer's areas and price range, and a throwaway address", () => {
    const { summary } = scoreHeuristically({
      ...NEUTRAL,
      source: 'buyer_interest',
      pageKind: 'buyer_interest',
      email: 'buyer@mailinator.com',
      details: { areas: 'Midtown', preApproved: true },
      priceMinCents: 30_000_000,
      priceMaxCents: 45_000_000,
      timeline: '3_6_months',
    });
    expect(summary).toContain('This lead is looking to buy in Midtown, between $300,000 and $450,000.');
    expect(summary).toContain('They plan to move in 3–6 months. They are pre-approved for a mortgage.');
    expect(summary).toContain('They left a throwaway email address but no phone number.');
  });

  it('names calls, texts and spam-like messages for what they are', () => {
    expect(
      scoreHeuristically(lead({ source: 'missed_call', email: null, phoneE164: '+15125550142' })).summary,
    ).toMatch(/^This lead called you and the call was missed\. They left a phone number but no email\./);
    expect(scoreHeuristically(lead({ message: 'Buy now at http://spam.example' })).summary).toContain(
      'Their message mentions buying. It has links, as spam often does.',
    );
  });
});

describe('timelines as free text', () => {
  it.each([
    ['As soon as possible', 'asap'],
    ['ASAP please', 'asap'],
    ['within 90 days', '1_3_months'],
    ['0–3 months', '1_3_months'],
    ['3 to 6 months', '3_6_months'],
    ['6-12 months', '6_12_months'],
    ['next year', 'over_12_months'],
    ['not right now', 'just_curious'],
    ['not sure', 'just_curious'],
    ['whenever', null],
  ])('%s → %s', (text, code) => {
    expect(timelineCodeOf(text)).toBe(code);
  });
});
