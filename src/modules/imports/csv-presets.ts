import type { ImportKind } from '../../db/schema/index.ts';
import type { FieldError } from '../../platform/errors.ts';

/**
 * How a CSV's columns become a lead's or a contact's fields: a preset per vendor export layout
 * (Follow Up Boss, Zillow Premier Agent, kvCORE), `generic` (common header synonyms) and
 * `porchlight` (our own export's headers). Headers are compared folded (lower case, letters and
 * digits only), so "E-mail", "email" and "Email Address" meet. A column no preset knows is kept:
 * in a lead's `details`, appended to a contact's notes. Pure: no database.
 */

export const importPresets = ['follow_up_boss', 'zillow', 'kvcore', 'generic', 'porchlight'] as const;
export type ImportPreset = (typeof importPresets)[number];

/** The fields a lead column can feed; `ignore` drops the column. */
export const leadImportFields = [
  'fullName',
  'firstName',
  'lastName',
  'email',
  'phone',
  'addressLine',
  'city',
  'state',
  'postalCode',
  'message',
  'timeline',
  'priceMin',
  'priceMax',
  'status',
  'source',
  'utmSource',
  'utmMedium',
  'utmCampaign',
  'utmTerm',
  'utmContent',
  'referrer',
  'pageId',
  'assignedUserEmail',
  'aiScore',
  'aiSummary',
  'lostReason',
  'details',
  'createdAt',
  'updatedAt',
  'ignore',
] as const;

export const contactImportFields = [
  'fullName',
  'firstName',
  'lastName',
  'email',
  'phone',
  'type',
  'company',
  'notes',
  'createdAt',
  'updatedAt',
  'ignore',
] as const;

export type ImportField = (typeof leadImportFields)[number] | (typeof contactImportFields)[number];

/** "E-mail Address" → "emailaddress". */
export function foldHeader(header: string): string {
  return header.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Header synonyms every preset understands (folded), for leads and contacts alike. */
const COMMON: Record<string, ImportField> = {
  name: 'fullName',
  fullname: 'fullName',
  contactname: 'fullName',
  clientname: 'fullName',
  leadname: 'fullName',
  firstname: 'firstName',
  first: 'firstName',
  givenname: 'firstName',
  lastname: 'lastName',
  last: 'lastName',
  surname: 'lastName',
  familyname: 'lastName',
  email: 'email',
  emails: 'email',
  emailaddress: 'email',
  email1: 'email',
  primaryemail: 'email',
  phone: 'phone',
  phones: 'phone',
  phonenumber: 'phone',
  phone1: 'phone',
  primaryphone: 'phone',
  mobile: 'phone',
  mobilephone: 'phone',
  mobilenumber: 'phone',
  cell: 'phone',
  cellphone: 'phone',
  telephone: 'phone',
  tel: 'phone',
  createdat: 'createdAt',
  created: 'createdAt',
  datecreated: 'createdAt',
  createddate: 'createdAt',
  dateadded: 'createdAt',
  datereceived: 'createdAt',
  updatedat: 'updatedAt',
};

const LEAD_COMMON: Record<string, ImportField> = {
  ...COMMON,
  address: 'addressLine',
  addressline: 'addressLine',
  street: 'addressLine',
  streetaddress: 'addressLine',
  propertyaddress: 'addressLine',
  city: 'city',
  town: 'city',
  propertycity: 'city',
  state: 'state',
  province: 'state',
  region: 'state',
  propertystate: 'state',
  zip: 'postalCode',
  zipcode: 'postalCode',
  postalcode: 'postalCode',
  postcode: 'postalCode',
  propertyzip: 'postalCode',
  message: 'message',
  comments: 'message',
  comment: 'message',
  inquiry: 'message',
  notes: 'message',
  note: 'message',
  timeline: 'timeline',
  timeframe: 'timeline',
  pricemin: 'priceMin',
  minprice: 'priceMin',
  pricemax: 'priceMax',
  maxprice: 'priceMax',
  status: 'status',
  leadstatus: 'status',
  stage: 'status',
  source: 'source',
  leadsource: 'source',
  utmsource: 'utmSource',
  utmmedium: 'utmMedium',
  utmcampaign: 'utmCampaign',
  utmterm: 'utmTerm',
  utmcontent: 'utmContent',
  referrer: 'referrer',
  lostreason: 'lostReason',
};

const CONTACT_COMMON: Record<string, ImportField> = {
  ...COMMON,
  type: 'type',
  contacttype: 'type',
  category: 'type',
  relationship: 'type',
  company: 'company',
  companyname: 'company',
  organization: 'company',
  organisation: 'company',
  business: 'company',
  employer: 'company',
  notes: 'notes',
  note: 'notes',
  comments: 'notes',
  background: 'notes',
};

/** Our own export's headers (export.service.ts writes exactly these). */
export const PORCHLIGHT_LEAD_HEADERS = [
  'id',
  'status',
  'source',
  'fullName',
  'email',
  'phone',
  'addressLine',
  'city',
  'state',
  'postalCode',
  'message',
  'timeline',
  'priceMin',
  'priceMax',
  'utmSource',
  'utmMedium',
  'utmCampaign',
  'utmTerm',
  'utmContent',
  'referrer',
  'pageId',
  'assignedUserEmail',
  'isHeld',
  'aiScore',
  'aiSummary',
  'lostReason',
  'details',
  'createdAt',
  'updatedAt',
] as const;

export const PORCHLIGHT_CONTACT_HEADERS = [
  'id',
  'fullName',
  'email',
  'phone',
  'type',
  'company',
  'notes',
  'createdAt',
  'updatedAt',
] as const;

/** Vendor columns that differ from the common synonyms (folded header → field). */
const VENDOR: Record<Exclude<ImportPreset, 'generic' | 'porchlight'>, Record<string, ImportField>> = {
  // Follow Up Boss "Export people": Stage is its pipeline, "Assigned To" an agent's name (kept in
  // details), Emails/Phones may list several.
  follow_up_boss: { stage: 'status', assignedto: 'ignore', background: 'message' },
  // Zillow Premier Agent contacts: "Contact Name", "Property Address", "Lead Type" (kept).
  zillow: { contactname: 'fullName', propertyaddress: 'addressLine', leadtype: 'ignore' },
  // kvCORE leads: "Cell Phone" first, "Home Phone" and "Work Phone" kept when a cell is present.
  kvcore: { cellphone: 'phone', homephone: 'phone', workphone: 'phone', leadtype: 'ignore' },
};

/** Headers that identify a vendor's layout: all of one set present picks that preset. */
const SIGNATURES: [ImportPreset, string[]][] = [
  ['porchlight', ['id', 'fullname', 'createdat', 'updatedat']],
  ['follow_up_boss', ['firstname', 'lastname', 'stage', 'assignedto']],
  ['zillow', ['contactname', 'leadtype']],
  ['kvcore', ['firstname', 'lastname', 'cellphone']],
];

/** The preset whose signature the headers carry, else `generic`. */
export function detectPreset(headers: string[]): ImportPreset {
  const folded = new Set(headers.map(foldHeader));
  for (const [preset, signature] of SIGNATURES) {
    if (signature.every((h) => folded.has(h))) return preset;
  }
  return 'generic';
}

function allowedFields(kind: ImportKind): readonly string[] {
  return kind === 'leads' ? leadImportFields : contactImportFields;
}

/**
 * Header → field for a file's headers: the preset's synonyms, then the caller's `override`
 * (header → field, or `ignore`). Vendor "ignore" entries are columns kept whole in details, not
 * dropped: they are left unmapped. Errors name the override's header when its field is unknown.
 */
export function buildMapping(
  kind: ImportKind,
  preset: ImportPreset,
  headers: string[],
  override: Record<string, string> = {},
): { ok: true; mapping: Record<string, string> } | { ok: false; errors: FieldError[] } {
  const base = kind === 'leads' ? LEAD_COMMON : CONTACT_COMMON;
  const vendor = preset === 'generic' || preset === 'porchlight' ? {} : VENDOR[preset];
  const fields = allowedFields(kind);
  const mapping: Record<string, string> = {};
  for (const header of headers) {
    const key = foldHeader(header);
    const field = key in vendor ? vendor[key] : base[key];
    if (field && field !== 'ignore' && fields.includes(field)) mapping[header] = field;
    // Our own export's columns map one to one.
    else if (preset === 'porchlight' && fields.includes(header) && header !== 'ignore')
      mapping[header] = header;
    // What only we set (ids, the held flag) is not taken back.
    else if (preset === 'porchlight' && (header === 'id' || header === 'isHeld')) mapping[header] = 'ignore';
  }
  const errors: FieldError[] = [];
  for (const [header, field] of Object.entries(override)) {
    if (!headers.includes(header)) {
      errors.push({ path: `mapping.${header}`, message: 'is not a column of this file' });
    } else if (!fields.includes(field)) {
      errors.push({ path: `mapping.${header}`, message: `must be one of ${fields.join(', ')}` });
    } else mapping[header] = field;
  }
  if (errors.length) return { ok: false, errors };
  return { ok: true, mapping };
}

/** True when the mapping reaches something that can identify a person. */
export function canIdentify(kind: ImportKind, mapping: Record<string, string>): boolean {
  const wanted =
    kind === 'leads' ? ['email', 'phone'] : ['email', 'phone', 'fullName', 'firstName', 'lastName'];
  return Object.values(mapping).some((f) => wanted.includes(f));
}
