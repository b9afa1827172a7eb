import type { pageKinds } from '../../db/schema/index.ts';

export type PageKind = (typeof pageKinds)[number];

/** One input of a capture form. The renderer draws it; intake validates against it. */
export type FieldSpec = {
  /** The form field name, the same key the JSON intake endpoint takes. */
  name: string;
  label: string;
  type: 'text' | 'email' | 'tel' | 'number' | 'select' | 'textarea' | 'checkbox';
  required?: boolean;
  autocomplete?: string;
  /** Select options: stored value and what the visitor reads. */
  options?: readonly { value: string; label: string }[];
  hint?: string;
  /** Inputs of one row on wide screens share a group. */
  group?: string;
};

export const TIMELINES = [
  { value: 'asap', label: 'As soon as possible' },
  { value: '1_3_months', label: 'In 1–3 months' },
  { value: '3_6_months', label: 'In 3–6 months' },
  { value: '6_12_months', label: 'In 6–12 months' },
  { value: 'over_12_months', label: 'In more than a year' },
  { value: 'just_curious', label: 'Just curious' },
] as const;

const contact: FieldSpec[] = [
  { name: 'fullName', label: 'Your name', type: 'text', autocomplete: 'name' },
  { name: 'email', label: 'Email', type: 'email', autocomplete: 'email', group: 'contact' },
  { name: 'phone', label: 'Phone', type: 'tel', autocomplete: 'tel', group: 'contact' },
];

/**
 * The fields each kind of page shows, in order. Every form also asks for a name, an email and a
 * phone (at least one of email or phone is required), and shows the consent checkbox when the
 * page or the account's branding has consent text.
 */
export const PAGE_FIELDS: Record<PageKind, FieldSpec[]> = {
  home_valuation: [
    {
      name: 'addressLine',
      label: 'Property address',
      type: 'text',
      required: true,
      autocomplete: 'address-line1',
    },
    { name: 'city', label: 'City', type: 'text', autocomplete: 'address-level2', group: 'place' },
    { name: 'state', label: 'State', type: 'text', autocomplete: 'address-level1', group: 'place' },
    { name: 'postalCode', label: 'ZIP code', type: 'text', autocomplete: 'postal-code', group: 'place' },
    { name: 'beds', label: 'Bedrooms', type: 'number', group: 'rooms', hint: 'Optional' },
    { name: 'baths', label: 'Bathrooms', type: 'number', group: 'rooms', hint: 'Optional' },
    { name: 'timeline', label: 'When might you sell?', type: 'select', options: TIMELINES },
    ...contact,
  ],
  buyer_interest: [
    {
      name: 'areas',
      label: 'Areas or neighborhoods',
      type: 'text',
      hint: 'For example: Midtown, Oak Park, 30307',
    },
    { name: 'priceMin', label: 'Lowest price ($)', type: 'number', group: 'price' },
    { name: 'priceMax', label: 'Highest price ($)', type: 'number', group: 'price' },
    { name: 'timeline', label: 'When do you want to move?', type: 'select', options: TIMELINES },
    { name: 'preApproved', label: 'I am pre-approved for a mortgage', type: 'checkbox' },
    ...contact,
  ],
  contact: [...contact, { name: 'message', label: 'How can we help?', type: 'textarea' }],
  custom: [...contact, { name: 'message', label: 'Message', type: 'textarea' }],
};

/** The honeypot: hidden from people, filled by bots. */
export const HONEYPOT_FIELD = 'website';
