import { type ComponentType, useEffect, useRef } from 'react';
import { Link, useLocation, useSearchParams } from 'react-router';
import { AccountSection } from './settings-account.tsx';
import { ApiKeysSection } from './settings-api-keys.tsx';
import { BrandingSection } from './settings-branding.tsx';
import { CredentialsSection } from './settings-credentials.tsx';
import { DataSection } from './settings-data.tsx';
import { DomainsSection } from './settings-domains.tsx';
import { NotificationsSection } from './settings-notifications.tsx';
import { PhoneSection } from './settings-phone.tsx';
import { PhoneNumbersSection } from './settings-phone-numbers.tsx';
import { TeamSection } from './settings-team.tsx';
import { TemplatesSection } from './settings-templates.tsx';
import { TestimonialsSection } from './settings-testimonials.tsx';
import { WebhooksSection } from './settings-webhooks.tsx';
import './settings.css';

type SectionDef = { id: string; title: string; intro: string; Body: ComponentType };

const SECTIONS: SectionDef[] = [
  {
    id: 'account',
    title: 'Account',
    intro: 'Your business name, the time zone your reports and quiet hours follow, and your license.',
    Body: AccountSection,
  },
  {
    id: 'branding',
    title: 'Branding',
    intro: 'How your public pages look and read: your name, logo, colours, contact details and wording.',
    Body: BrandingSection,
  },
  {
    id: 'testimonials',
    title: 'Testimonials',
    intro: 'Quotes from happy clients, shown on your pages in the order you set here.',
    Body: TestimonialsSection,
  },
  {
    id: 'phone',
    title: 'Your phone and alerts',
    intro: 'Where Porchlight texts or rings you the moment a new lead comes in.',
    Body: PhoneSection,
  },
  {
    id: 'notifications',
    title: 'Notifications',
    intro: 'Which new leads you are emailed about, and the inbox chime on this browser.',
    Body: NotificationsSection,
  },
  {
    id: 'team',
    title: 'Team',
    intro: 'Who works in this account, what each person may do, and who is invited.',
    Body: TeamSection,
  },
  {
    id: 'api-keys',
    title: 'API keys',
    intro: 'Keys let your own programs and integrations use the Porchlight API for this account.',
    Body: ApiKeysSection,
  },
  {
    id: 'webhooks',
    title: 'Webhooks',
    intro: 'Porchlight posts each new lead and change to your own systems the moment it happens, signed.',
    Body: WebhooksSection,
  },
  {
    id: 'data',
    title: 'Import and export',
    intro: 'Bring leads and contacts in from another CRM or a spreadsheet, and take everything out.',
    Body: DataSection,
  },
  {
    id: 'provider-keys',
    title: 'Provider keys',
    intro: 'Your own keys for outside services (OpenAI, Twilio, email providers…), kept encrypted.',
    Body: CredentialsSection,
  },
  {
    id: 'phone-numbers',
    title: 'Phone numbers',
    intro: 'Numbers whose calls and texts reach this account (and the number texts are sent from).',
    Body: PhoneNumbersSection,
  },
  {
    id: 'templates',
    title: 'Message templates',
    intro:
      'The wording of the automatic replies a new lead gets and of the missed-call text-back, and the team’s saved replies for writing to a lead.',
    Body: TemplatesSection,
  },
  {
    id: 'domains',
    title: 'Domains',
    intro: 'Serve your capture pages on your own hostname, such as homes.example.com.',
    Body: DomainsSection,
  },
];

/** The section named by `?section=` (or, for old links, the URL's hash); the first one otherwise. */
function useActiveSection(): SectionDef {
  const [params] = useSearchParams();
  const { hash } = useLocation();
  const wanted = params.get('section') ?? hash.replace(/^#/, '');
  return SECTIONS.find((s) => s.id === wanted) ?? SECTIONS[0]!;
}

/**
 * Settings: a sub-navigation of sections, one shown at a time, each linkable as
 * `/settings?section=<id>`. Choosing a section moves focus to its heading.
 */
export function Settings() {
  const active = useActiveSection();
  const heading = useRef<HTMLHeadingElement>(null);
  const shown = useRef(active.id);
  const nav = useRef<HTMLUListElement>(null);
  useEffect(() => {
    // On a phone the list scrolls sideways: bring the current section's link into view.
    const list = nav.current;
    const link = list?.querySelector('[aria-current="page"]');
    if (list && link) {
      const l = link.getBoundingClientRect();
      const box = list.getBoundingClientRect();
      if (l.left < box.left || l.right > box.right) list.scrollLeft += l.left - box.left - 16;
    }
    if (shown.current === active.id) return;
    shown.current = active.id;
    heading.current?.focus();
  }, [active.id]);

  const Body = active.Body;
  return (
    <div className="settings">
      <h1>Settings</h1>
      <div className="settings-layout">
        <nav className="settings-nav" aria-label="Settings sections">
          <ul ref={nav}>
            {SECTIONS.map((s) => (
              <li key={s.id}>
                <Link
                  to={{ search: `?section=${s.id}` }}
                  aria-current={s.id === active.id ? 'page' : undefined}
                  preventScrollReset
                >
                  {s.title}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <section className="settings-panel" aria-labelledby="settings-section-title">
          <h2 id="settings-section-title" ref={heading} tabIndex={-1}>
            {active.title}
          </h2>
          <p className="settings-intro">{active.intro}</p>
          <Body key={active.id} />
        </section>
      </div>
    </div>
  );
}
