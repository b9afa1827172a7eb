/**
 * A lead's time zone, for quiet hours (see quiet-hours.ts): from its postal code, else its
 * phone's area code, else the account's zone.
 *
 * Data: hand-written tables (no npm package was small, dependency-free and well kept enough),
 * from USPS 3-digit ZIP prefix (sectional center) assignments, the NANP area code list and
 * state/province time-zone boundaries; area codes were cross-checked against the NPA-level
 * zones of libphonenumber's public timezone map. Granularity limits:
 * - US ZIPs are read by 3-digit prefix. A prefix that straddles a zone line takes the zone
 *   of most of its people, so e.g. western Kansas, Nebraska 691, South Dakota 576, Starke and
 *   Jasper counties (Indiana) and parts of Kentucky/Tennessee near the line can be an hour
 *   off. Michigan 498–499 is mostly Eastern; only the main towns of the four Central-time
 *   counties are listed by 5-digit ZIP. Unassigned prefixes inside a state's block read as
 *   that state; military (APO/FPO) prefixes give null.
 * - Canadian codes are read by first letter, with a few whole forward sortation areas
 *   (first three characters) on the far side of a zone line.
 * - An area code names where the number was issued, not where the lead lives now, and one
 *   spanning zones takes the zone of most of its people (850 → Chicago, 812 → Indiana/Eastern,
 *   208 → Boise, 867 → Yellowknife). New overlays are added as they are announced.
 */

const ET = 'America/New_York';
const ET_MI = 'America/Detroit';
const ET_IN = 'America/Indiana/Indianapolis';
const CT = 'America/Chicago';
const MT = 'America/Denver';
const MT_ID = 'America/Boise';
const AZ = 'America/Phoenix';
const PT = 'America/Los_Angeles';
const AK = 'America/Anchorage';
const HI = 'Pacific/Honolulu';
const PR = 'America/Puerto_Rico';
const VI = 'America/St_Thomas';
const GU = 'Pacific/Guam';
const CA_ET = 'America/Toronto';
const CA_CT = 'America/Winnipeg';
const CA_MT = 'America/Edmonton';
const CA_PT = 'America/Vancouver';

/** [first, last, zone] over 3-digit ZIP prefixes; later rows override earlier ones. */
const ZIP3_RANGES: ReadonlyArray<readonly [number, number, string]> = [
  [5, 5, ET], // Holtsville NY
  [6, 7, PR],
  [8, 8, VI],
  [9, 9, PR],
  [10, 89, ET], // New England, New Jersey (090–099 are military AE)
  [100, 339, ET], // NY, PA, DE, DC, MD, VA, WV, NC, SC, GA, Florida
  [324, 325, CT], // Florida panhandle: Panama City, Pensacola (340 is military AA)
  [341, 349, ET], // Florida
  [350, 385, CT], // Alabama, Tennessee
  [373, 374, ET], // Chattanooga
  [376, 379, ET], // Johnson City, Knoxville
  [386, 397, CT], // Mississippi
  [398, 427, ET], // Georgia, Kentucky
  [420, 424, CT], // western Kentucky: Paducah, Bowling Green, Owensboro
  [430, 459, ET], // Ohio
  [460, 479, ET_IN], // Indiana
  [463, 464, CT], // Gary
  [476, 477, CT], // Evansville
  [480, 499, ET_MI], // Michigan
  [500, 567, CT], // Iowa, Wisconsin, Minnesota
  [569, 569, ET], // Washington DC (parcel returns)
  [570, 588, CT], // the Dakotas
  [577, 577, MT], // Rapid City (West River SD)
  [586, 586, MT], // Dickinson (southwest ND)
  [590, 599, MT], // Montana
  [600, 693, CT], // Illinois, Missouri, Kansas, Nebraska
  [693, 693, MT], // Nebraska panhandle (Alliance, Scottsbluff)
  [700, 799, CT], // Louisiana, Arkansas, Oklahoma, Texas
  [798, 799, MT], // El Paso
  [800, 831, MT], // Colorado, Wyoming
  [832, 838, MT_ID], // Idaho
  [835, 835, PT], // Lewiston
  [838, 838, PT], // Coeur d'Alene, Moscow (north Idaho)
  [840, 847, MT], // Utah
  [850, 864, AZ], // Arizona (no DST)
  [865, 865, MT], // Navajo Nation in Arizona keeps DST
  [870, 885, MT], // New Mexico, 885 El Paso
  [889, 961, PT], // Nevada, California
  [967, 968, HI],
  [969, 969, GU], // Guam, Northern Marianas
  [970, 994, PT], // Oregon, Washington
  [979, 979, MT_ID], // Malheur County, Oregon (served from Boise)
  [995, 999, AK],
];

const ZIP3 = (() => {
  const table: (string | undefined)[] = new Array(1000);
  for (const [first, last, zone] of ZIP3_RANGES) table.fill(zone, first, last + 1);
  return table;
})();

/** 5-digit ZIPs whose zone differs from their prefix's. */
const ZIP5: Readonly<Record<string, string>> = {
  '96799': 'Pacific/Pago_Pago', // American Samoa
  '99546': 'America/Adak', // Adak (Aleutians, Hawaii–Aleutian time)
  // Michigan's Central-time counties (Dickinson, Gogebic, Iron, Menominee): main towns
  ...Object.fromEntries(
    ['49801', '49802', '49858', '49870', '49911', '49920', '49935', '49938', '49968', '49969'].map((zip) => [
      zip,
      'America/Menominee',
    ]),
  ),
};

/** Canadian postal districts (first letter). */
const CA_DISTRICT: Readonly<Record<string, string>> = {
  A: 'America/St_Johns', // Newfoundland and Labrador
  B: 'America/Halifax', // Nova Scotia
  C: 'America/Halifax', // Prince Edward Island
  E: 'America/Moncton', // New Brunswick
  G: CA_ET, // Quebec (America/Montreal is an alias of Toronto)
  H: CA_ET,
  J: CA_ET,
  K: CA_ET, // Ontario
  L: CA_ET,
  M: CA_ET,
  N: CA_ET,
  P: CA_ET,
  R: CA_CT, // Manitoba
  S: 'America/Regina', // Saskatchewan (CST all year)
  T: CA_MT, // Alberta
  V: CA_PT, // British Columbia
  X: 'America/Yellowknife', // NWT; Nunavut regions below
  Y: 'America/Whitehorse', // Yukon (MST all year)
};

/** Forward sortation areas on the other side of a zone line from their district. */
const CA_FSA: Readonly<Record<string, string>> = {
  A0P: 'America/Goose_Bay', // Labrador
  A0R: 'America/Goose_Bay',
  A2V: 'America/Goose_Bay', // Labrador City
  G4T: 'America/Halifax', // Magdalen Islands
  P0V: CA_CT, // Kenora District
  P0W: CA_CT, // Rainy River District
  P8N: CA_CT, // Dryden
  P8T: CA_CT, // Sioux Lookout
  P9A: CA_CT, // Fort Frances
  P9N: CA_CT, // Kenora
  S9V: CA_MT, // Lloydminster keeps Alberta time
  V1C: CA_MT, // Cranbrook (East Kootenay)
  V1G: 'America/Dawson_Creek', // Dawson Creek (MST all year)
  V1J: 'America/Dawson_Creek', // Fort St. John
  X0A: 'America/Iqaluit', // Qikiqtaaluk
  X0B: 'America/Cambridge_Bay', // Kitikmeot
  X0C: 'America/Rankin_Inlet', // Kivalliq
};

/** NANP area codes by zone (US, its territories, Canada, and the Caribbean members). */
const AREA_CODES_BY_ZONE: Readonly<Record<string, string>> = {
  [ET]: [
    '203 475 860 959', // CT
    '302', // DE
    '202 771', // DC
    '239 305 321 352 386 407 561 645 656 689 727 728 754 772 786 813 863 904 941 954', // FL
    '229 404 470 478 678 706 762 770 912 943', // GA
    '502 606 859', // KY
    '207', // ME
    '227 240 301 410 443 667', // MD
    '339 351 413 508 617 774 781 857 978', // MA
    '603', // NH
    '201 551 609 640 732 848 856 862 908 973', // NJ
    '212 315 329 332 347 363 516 518 585 607 624 631 646 680 716 718 838 845 914 917 929 934', // NY
    '252 336 472 704 743 828 910 919 980 984', // NC
    '216 220 234 283 326 330 380 419 436 440 513 567 614 740 937', // OH
    '215 223 267 272 412 445 484 570 582 610 717 724 814 835 878', // PA
    '401', // RI
    '803 821 839 843 854 864', // SC
    '423 865', // TN (east)
    '802', // VT
    '276 434 540 571 686 703 757 804 826 948', // VA
    '304 681', // WV
  ].join(' '),
  [ET_MI]: '231 248 269 313 517 586 616 679 734 810 906 947 989',
  [ET_IN]: '260 317 463 574 765 812 930',
  [CT]: [
    '205 251 256 334 659 938', // AL
    '327 479 501 870', // AR
    '448 850', // FL panhandle
    '217 224 309 312 331 447 464 618 630 708 730 773 779 815 847 861 872', // IL
    '219', // IN (northwest)
    '319 515 563 641 712', // IA
    '316 620 785 913', // KS
    '270 364', // KY (west)
    '225 318 337 504 985', // LA
    '218 320 507 612 651 763 924 952', // MN
    '228 601 662 769', // MS
    '235 314 417 557 573 636 660 816', // MO
    '308 402 531', // NE
    '701', // ND
    '405 539 572 580 918', // OK
    '605', // SD
    '615 629 731 901 931', // TN
    '210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 903 936 940 945 956 972 979', // TX
    '262 274 353 414 534 608 715 920', // WI
  ].join(' '),
  [MT]: '303 719 720 970 983 406 505 575 385 435 801 307 915', // CO MT NM UT WY, El Paso
  [MT_ID]: '208 986',
  [AZ]: '480 520 602 623 928',
  [PT]: [
    '209 213 279 310 323 341 350 369 408 415 424 442 510 530 559 562 619 626 628 650 657 661 669', // CA
    '707 714 747 760 805 818 820 831 840 858 909 916 925 949 951', // CA
    '702 725 775', // NV
    '458 503 541 971', // OR
    '206 253 360 425 509 564', // WA
  ].join(' '),
  [AK]: '907',
  [HI]: '808',
  [PR]: '787 939',
  [VI]: '340',
  [GU]: '671',
  'Pacific/Saipan': '670',
  'Pacific/Pago_Pago': '684',
  [CA_ET]: [
    '226 249 289 343 365 382 416 437 519 548 613 647 683 705 742 753 807 905 942', // ON
    '263 354 367 418 438 450 468 514 579 581 819 873', // QC
  ].join(' '),
  [CA_CT]: '204 431 584', // MB
  'America/Regina': '306 474 639', // SK
  [CA_MT]: '368 403 587 780 825', // AB
  [CA_PT]: '236 250 257 604 672 778', // BC
  'America/Moncton': '428 506', // NB
  'America/Halifax': '782 902', // NS, PE
  'America/St_Johns': '709 879', // NL
  'America/Yellowknife': '867', // YT, NT, NU
  'America/Nassau': '242',
  'America/Barbados': '246',
  'America/Anguilla': '264',
  'America/Antigua': '268',
  'America/Tortola': '284',
  'America/Cayman': '345',
  'Atlantic/Bermuda': '441',
  'America/Grenada': '473',
  'America/Grand_Turk': '649',
  'America/Jamaica': '658 876',
  'America/Montserrat': '664',
  'America/Lower_Princes': '721',
  'America/St_Lucia': '758',
  'America/Dominica': '767',
  'America/St_Vincent': '784',
  'America/Santo_Domingo': '809 829 849',
  'America/Port_of_Spain': '868',
  'America/St_Kitts': '869',
};

const AREA_CODES: ReadonlyMap<string, string> = new Map(
  Object.entries(AREA_CODES_BY_ZONE).flatMap(([zone, codes]) =>
    codes.split(' ').map((code) => [code, zone] as const),
  ),
);

const US_COUNTRIES = new Set(['US', 'USA', 'UNITED STATES', 'PR', 'VI', 'GU', 'AS', 'MP']);
const CA_COUNTRIES = new Set(['CA', 'CAN', 'CANADA']);

/**
 * The IANA zone of a US ZIP (`12345`, `12345-6789`) or Canadian postal code (`A1A 1A1`, or
 * just `A1A`), or null when it is neither or unknown. `country` (ISO alpha-2 or name) only
 * matters when it is another country, which gives null: a 5-digit code there is no ZIP. US
 * and Canadian formats cannot be mistaken for each other, so for those the format decides.
 */
export function timeZoneForPostalCode(postalCode: string | null, country?: string): string | null {
  if (!postalCode) return null;
  const c = country?.trim().toUpperCase();
  if (c && !US_COUNTRIES.has(c) && !CA_COUNTRIES.has(c)) return null;
  const code = postalCode.trim().toUpperCase();
  const zip = /^(\d{5})(?:[\s-]?\d{4})?$/.exec(code);
  if (zip) {
    const five = zip[1]!;
    return ZIP5[five] ?? ZIP3[Number(five.slice(0, 3))] ?? null;
  }
  const ca = /^([A-Z]\d[A-Z])(?:[\s-]*\d[A-Z]\d)?$/.exec(code);
  if (ca) {
    const fsa = ca[1]!;
    return CA_FSA[fsa] ?? CA_DISTRICT[fsa[0]!] ?? null;
  }
  return null;
}

/**
 * The IANA zone of a North American (+1) phone number's area code, or null for other
 * countries, toll-free and other non-geographic codes, and malformed numbers. Spaces,
 * dashes, dots and brackets are tolerated, as is a bare 10-digit or 1+10-digit number.
 */
export function timeZoneForPhone(e164: string | null): string | null {
  if (!e164) return null;
  const compact = e164.replace(/[\s().-]/g, '');
  const nanp = /^(?:\+?1)?([2-9]\d{2})[2-9]\d{6}$/.exec(compact);
  return nanp ? (AREA_CODES.get(nanp[1]!) ?? null) : null;
}

/** Which signal gave a lead its zone. */
export type LeadTimeZoneSource = 'postal_code' | 'area_code' | 'account';

/** The parts of a lead that say where it is. */
export type LeadPlace = {
  postalCode?: string | null;
  phoneE164?: string | null;
  /** The address's country, ISO alpha-2; another country than US/CA skips the postal code. */
  country?: string | null;
};

/**
 * The zone quiet hours are kept in for a lead. The postal code wins, since it is where the
 * lead lives; the area code is only where the number was issued; the account's zone is the
 * last resort. The account zone is returned as given (quiet-hours reads an invalid one as
 * New York).
 */
export function leadTimeZone(
  lead: LeadPlace,
  accountTimeZone: string,
): { zone: string; from: LeadTimeZoneSource } {
  const byPostal = timeZoneForPostalCode(lead.postalCode ?? null, lead.country ?? undefined);
  if (byPostal) return { zone: byPostal, from: 'postal_code' };
  const byPhone = timeZoneForPhone(lead.phoneE164 ?? null);
  if (byPhone) return { zone: byPhone, from: 'area_code' };
  return { zone: accountTimeZone, from: 'account' };
}
