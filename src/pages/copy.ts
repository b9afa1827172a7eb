import crypto from 'node:crypto';
import type { PageKind } from '../modules/intake/fields.ts';
import type { PublicPageView } from '../modules/pages/public.service.ts';

/** The words a page shows when neither the page nor the account's branding sets them. */
type KindCopy = {
  headline: string;
  subheadline: string;
  callToAction: string;
  /** Short reassurances beside the form. */
  points: string[];
  thankYouHeadline: string;
  thankYouMessage: string;
};

const COPY: Record<PageKind, KindCopy> = {
  home_valuation: {
    headline: 'What is your home worth today?',
    subheadline:
      'Get a free, no-obligation home value estimate based on recent sales in your neighborhood — prepared by a local agent, not an algorithm.',
    callToAction: 'Get my home value',
    points: [
      'Free and no obligation',
      'Based on recent local sales',
      'Personal estimate from a local expert',
    ],
    thankYouHeadline: 'Thank you — your home value estimate is on its way',
    thankYouMessage:
      'I am reviewing recent sales near your property and will send you a personal estimate shortly, usually within one business day.',
  },
  buyer_interest: {
    headline: 'Find your next home before everyone else',
    subheadline:
      'Tell me what you are looking for and get matching homes as soon as they hit the market, with local advice on every one.',
    callToAction: 'Start my home search',
    points: [
      'New listings as they come up',
      'Honest advice on neighborhoods and prices',
      'No pressure, no obligation',
    ],
    thankYouHeadline: 'Thank you — let’s find your next home',
    thankYouMessage:
      'I will put together homes that match what you are looking for and reach out shortly to talk about your search.',
  },
  contact: {
    headline: 'Let’s talk about your move',
    subheadline:
      'Buying, selling or just curious about the market? Send a message and I will get back to you shortly.',
    callToAction: 'Send message',
    points: [
      'A personal reply, usually the same day',
      'Local market knowledge',
      'No pressure, no obligation',
    ],
    thankYouHeadline: 'Thank you for reaching out',
    thankYouMessage: 'Your message is on its way. I will get back to you shortly.',
  },
  custom: {
    headline: '',
    subheadline: '',
    callToAction: 'Send',
    points: [],
    thankYouHeadline: 'Thank you',
    thankYouMessage: 'We received your details and will be in touch soon.',
  },
};

export type PageCopy = {
  headline: string;
  subheadline: string | null;
  callToAction: string;
  points: string[];
  description: string;
  thankYouHeadline: string;
  thankYouMessage: string;
  consentText: string | null;
};

function pick(...values: (string | null | undefined)[]): string | null {
  for (const value of values) if (value?.trim()) return value.trim();
  return null;
}

/** The page's own words, else the account's branding, else the defaults for its kind. */
export function pageCopy(view: PublicPageView): PageCopy {
  const { page, site } = view;
  const kind = COPY[page.kind];
  const headline = pick(page.headline, site.branding.headline, kind.headline, page.title)!;
  const subheadline = pick(page.subheadline, site.branding.subheadline, kind.subheadline);
  return {
    headline,
    subheadline,
    callToAction: pick(page.callToAction, site.branding.callToAction, kind.callToAction)!,
    points: kind.points,
    description: pick(page.description, subheadline, headline)!,
    thankYouHeadline: pick(page.thankYouHeadline, kind.thankYouHeadline)!,
    thankYouMessage: pick(page.thankYouMessage, kind.thankYouMessage)!,
    consentText: pick(page.consentText, site.branding.consentText),
  };
}

/**
 * A short tag of the consent text a form shows, posted back as `_c`: a submission can tell
 * whether the text it is recorded with is the one the visitor saw. Empty when there is none.
 */
export function consentTag(text: string | null): string {
  return text ? crypto.createHash('sha256').update(text).digest('base64url').slice(0, 16) : '';
}
