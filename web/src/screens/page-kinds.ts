import type { PageKind } from '../api.ts';

/** How each kind of page is offered when one is created. */
export const PAGE_KIND_INFO: Record<PageKind, { label: string; about: string; title: string; slug: string }> =
  {
    home_valuation: {
      label: 'Home valuation',
      about: 'Sellers ask what their home is worth and give you its address.',
      title: 'What is your home worth?',
      slug: 'home-value',
    },
    buyer_interest: {
      label: 'Buyer interest',
      about: 'Buyers tell you what they are looking for, where and their budget.',
      title: 'Find your next home',
      slug: 'buy',
    },
    contact: {
      label: 'Contact',
      about: 'A short "get in touch" form for anyone.',
      title: 'Get in touch',
      slug: 'contact',
    },
    custom: {
      label: 'Custom',
      about: 'A general inquiry form with your own words.',
      title: 'Ask me anything',
      slug: 'ask',
    },
  };

/**
 * "My Home Value!" → "my-home-value": what the API accepts as a page's address. While it is
 * typed (`typing`), a trailing dash stays so the next word can follow it.
 */
export function slugify(text: string, typing = false): string {
  const s = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63);
  return typing ? s : s.replace(/-+$/, '');
}
