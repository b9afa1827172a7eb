import type { LeadSource } from '../../db/schema/index.ts';

/**
 * The heuristic scorer's whole table: a lead starts at BASE_SCORE and each signal that applies
 * adds or takes away its points; the sum is clamped to 0–100. A signal gives at most one of its
 * options (a lead has one timeline), and an option worth 0 is not listed among the reasons.
 *
 * The points are judgement, not a fitted model: what a listing agent or a contractor would look at
 * first (can I reach them, do they mean it, how soon), so that the agent can read why a lead got
 * its score and disagree. Change a number here and bump HEURISTIC_VERSION: stored scores name the
 * version that made them.
 */
export const HEURISTIC_VERSION = '1';

export const BASE_SCORE = 30;

export type Weight = { readonly points: number; readonly label: string };
const w = (points: number, label: string): Weight => ({ points, label });

const SOURCE: Record<LeadSource, Weight> = {
  referral: w(12, 'Referred to you'),
  phone_call: w(10, 'Called you'),
  missed_call: w(8, 'Called you (the call was missed)'),
  sms: w(8, 'Texted you'),
  voice_assistant: w(8, 'Spoke with your voice assistant'),
  home_valuation: w(6, 'Asked what their home is worth (a possible listing)'),
  buyer_interest: w(4, 'Asked about buying'),
  property_report: w(4, 'Asked from a property report'),
  consumer_report: w(4, 'Asked from a home value report'),
  marketplace: w(4, 'Posted a job'),
  contact: w(2, 'Used your contact form'),
  google_ads: w(2, 'Came from your Google ad'),
  website: w(2, 'Came from your website'),
  property_search: w(2, 'Came from a property search'),
  custom: w(0, 'Used one of your forms'),
  api: w(0, 'Added through the API'),
  import: w(-4, 'Imported from a list'),
};

export const WEIGHTS = {
  // Can they be reached?
  contact: {
    both: w(10, 'Gave both an email and a phone number'),
    phone_only: w(5, 'Gave a phone number but no email'),
  },
  name: {
    full: w(4, 'Gave a first and last name'),
    partial: w(1, 'Gave one name'),
    missing: w(-3, 'Gave no name'),
  },
  phone_type: {
    mobile: w(5, 'A mobile number: can take texts'),
    // libphonenumber cannot tell mobiles from landlines in the North American plan (+1).
    mobile_or_landline: w(2, 'A valid phone number (mobile or landline)'),
    landline: w(0, 'A landline'),
    voip: w(-3, 'An internet (VoIP) number'),
    non_personal: w(-8, 'A toll-free, premium-rate or shared number'),
    invalid: w(-10, 'The phone number does not look real'),
  },
  email: {
    disposable: w(-15, 'A throwaway email address'),
    shared: w(-3, 'A shared mailbox rather than a person'),
  },
  consent: {
    given: w(3, 'Agreed to be contacted'),
  },
  // How soon, and how ready?
  timeline: {
    asap: w(15, 'Ready as soon as possible'),
    '1_3_months': w(12, 'A timeline within 3 months'),
    '3_6_months': w(6, 'A timeline of 3–6 months'),
    '6_12_months': w(2, 'A timeline of 6–12 months'),
    over_12_months: w(-4, 'A timeline of more than a year'),
    just_curious: w(-8, 'Says they are just curious'),
  },
  pre_approved: {
    yes: w(12, 'Pre-approved for a mortgage'),
  },
  price_range: {
    both: w(5, 'Gave a price range'),
    one: w(3, 'Gave a price limit'),
  },
  address: {
    street: w(6, 'Gave the property address'),
    area: w(2, 'Gave a city or ZIP code'),
  },
  home_details: {
    given: w(2, 'Described the home'),
  },
  areas: {
    given: w(2, 'Named the areas they want'),
  },
  // What they wrote.
  intent_sell: { found: w(8, 'Mentions selling') },
  intent_buy: { found: w(6, 'Mentions buying') },
  intent_cash: { found: w(6, 'Mentions cash') },
  intent_relocating: { found: w(6, 'Is relocating or moving') },
  urgency: { found: w(8, 'Sounds urgent') },
  browsing: { found: w(-6, 'Sounds like they are only browsing') },
  detailed_message: { found: w(4, 'Wrote a detailed message') },
  shouting: { found: w(-5, 'Wrote in capital letters') },
  gibberish: { found: w(-12, 'The name or message looks like random keys') },
  links: { found: w(-8, 'The message has links, as spam does') },
  // Where, how often and when.
  source: SOURCE,
  repeat: {
    twice: w(6, 'Reached out twice'),
    three_plus: w(10, 'Reached out three times or more'),
  },
  time_of_day: {
    daytime: w(2, 'Came in during the day (8 am–9 pm)'),
    small_hours: w(-4, 'Came in between 2 and 5 am'),
  },
} as const satisfies Record<string, Record<string, Weight>>;

export type Signal = keyof typeof WEIGHTS;
export type OptionOf<S extends Signal> = keyof (typeof WEIGHTS)[S] & string;

/** One signal that applied: which option, and the value behind it. */
export type Hit = { [S in Signal]: { signal: S; option: OptionOf<S>; detail?: string } }[Signal];

export function weightOf(hit: Hit): Weight {
  return (WEIGHTS[hit.signal] as Record<string, Weight>)[hit.option]!;
}
