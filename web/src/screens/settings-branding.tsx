import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { get, put } from '../api.ts';
import { PagePreview } from '../components/page-preview.tsx';
import { useToast } from '../components/toast.tsx';
import {
  AdminOnly,
  Field,
  type FormErrors,
  LoadFailed,
  Loading,
  useFormErrors,
  useIsAdmin,
} from './settings-ui.tsx';

export type Theme = 'light' | 'dark';

/** GET/PUT /api/v1/branding: how the account's public pages look (the defaults until first saved). */
export type Branding = {
  displayName: string | null;
  brokerage: string | null;
  headline: string | null;
  subheadline: string | null;
  callToAction: string | null;
  logoUrl: string | null;
  photoUrl: string | null;
  primaryColor: string;
  accentColor: string;
  theme: Theme;
  licenseNumber: string | null;
  /** E.164. */
  phone: string | null;
  publicEmail: string | null;
  bio: string | null;
  consentText: string | null;
  /** Null until the branding is first saved. */
  updatedAt: string | null;
};

/** Other screens (the "brand it" checklist) read the same answer under this key. */
export const BRANDING_KEY = ['branding'] as const;

/** The server's defaults, used when a colour is left empty. */
const DEFAULT_COLORS = { primaryColor: '#1f4fd1', accentColor: '#f59e0b' } as const;
const HEX = /^#[0-9a-f]{6}$/i;

type TextKey = Exclude<keyof Branding, 'theme' | 'updatedAt'>;
/** The form's state: every field as typed (null shown as empty). */
type Draft = Record<TextKey, string> & { theme: Theme };

const TEXT_KEYS: TextKey[] = [
  'displayName',
  'brokerage',
  'headline',
  'subheadline',
  'callToAction',
  'logoUrl',
  'photoUrl',
  'primaryColor',
  'accentColor',
  'licenseNumber',
  'phone',
  'publicEmail',
  'bio',
  'consentText',
];
const FIELDS = [...TEXT_KEYS, 'theme'];

function draftOf(b: Branding): Draft {
  const d = { theme: b.theme } as Draft;
  for (const k of TEXT_KEYS) d[k] = b[k] ?? '';
  return d;
}

/**
 * The whole branding for PUT (a field left out is cleared): empty text becomes null; an empty
 * colour is left out, so it goes back to the default.
 */
function bodyOf(d: Draft) {
  const body: Record<string, string | null> = { theme: d.theme };
  for (const k of TEXT_KEYS) {
    const v = d[k].trim();
    if (k === 'primaryColor' || k === 'accentColor') {
      if (v) body[k] = v;
    } else body[k] = v || null;
  }
  return body;
}

export function useBranding() {
  return useQuery({ queryKey: BRANDING_KEY, queryFn: () => get<Branding>('/branding') });
}

export function BrandingSection() {
  const branding = useBranding();
  if (branding.isPending) return <Loading rows={6} label="Loading the branding…" />;
  if (branding.isError) return <LoadFailed error={branding.error} retry={() => branding.refetch()} />;
  return <BrandingForm branding={branding.data} />;
}

function BrandingForm({ branding }: { branding: Branding }) {
  const isAdmin = useIsAdmin();
  const toast = useToast();
  const queryClient = useQueryClient();
  const form = useFormErrors(FIELDS);
  const [saved, setSaved] = useState(() => draftOf(branding));
  const [draft, setDraft] = useState(saved);
  const set = (k: keyof Draft) => (value: string) => setDraft((d) => ({ ...d, [k]: value }));
  const changed = (Object.keys(draft) as (keyof Draft)[]).some((k) => draft[k].trim() !== saved[k]);
  const formRef = useRef<HTMLFormElement>(null);
  // The form is long: a refused save takes the focus to the first field it names.
  useEffect(() => {
    if (form.error) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [form.error]);

  const save = useMutation({
    mutationFn: () => put<Branding>('/branding', bodyOf(draft)),
    onSuccess: (b) => {
      const next = draftOf(b);
      setSaved(next);
      setDraft(next);
      queryClient.setQueryData(BRANDING_KEY, b);
      toast.show('Branding saved: your pages show it now');
      return queryClient.invalidateQueries({ queryKey: BRANDING_KEY });
    },
    onError: form.report,
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    save.mutate();
  }

  const text = (k: TextKey, label: string, opts: TextOpts = {}) => (
    <TextField form={form} name={k} label={label} value={draft[k]} onChange={set(k)} {...opts} />
  );

  return (
    <form ref={formRef} onSubmit={submit} className="settings-form settings-branding" noValidate>
      {isAdmin ? (
        <p className="settings-hint settings-branding-lead">
          Every capture page shows this branding. Where a page has its own headline, button text or consent
          wording, the page’s own wins.
        </p>
      ) : (
        <AdminOnly>Only admins and owners can change the branding.</AdminOnly>
      )}
      <Group title="Identity" disabled={!isAdmin}>
        <div className="settings-grid">
          {text('displayName', 'Name on your pages', {
            max: 120,
            hint: 'Your name or your team’s; else the business name.',
            autoComplete: 'name',
          })}
          {text('brokerage', 'Brokerage', { max: 120, autoComplete: 'organization' })}
        </div>
        {text('licenseNumber', 'License number', {
          max: 60,
          hint: 'Shown in your pages’ footer (else the account’s license number).',
        })}
      </Group>

      <Group title="Look" disabled={!isAdmin}>
        {text('logoUrl', 'Logo address', {
          max: 2048,
          type: 'url',
          hint: 'An https:// link to the image, such as https://example.com/logo.png.',
        })}
        {text('photoUrl', 'Photo address', {
          max: 2048,
          type: 'url',
          hint: 'An https:// link to your headshot or a photo of a home.',
        })}
        <div className="settings-grid">
          <ColorField
            form={form}
            name="primaryColor"
            label="Main colour"
            hint="The top of your pages, and links."
            value={draft.primaryColor}
            onChange={set('primaryColor')}
          />
          <ColorField
            form={form}
            name="accentColor"
            label="Accent colour"
            hint="The form’s button, check marks and stars."
            value={draft.accentColor}
            onChange={set('accentColor')}
          />
        </div>
        <Field form={form} name="theme" label="Page theme">
          {(p) => (
            <select
              {...p}
              className="settings-inline-select"
              value={draft.theme}
              onChange={(e) => set('theme')(e.target.value)}
            >
              <option value="light">Light (dark text on white)</option>
              <option value="dark">Dark (light text on near-black)</option>
            </select>
          )}
        </Field>
        <Preview draft={draft} />
      </Group>

      <Group title="Contact" disabled={!isAdmin}>
        <div className="settings-grid">
          {text('phone', 'Phone on your pages', {
            max: 40,
            type: 'tel',
            hint: 'Written any way; saved in international form.',
            autoComplete: 'tel',
          })}
          {text('publicEmail', 'Email on your pages', {
            max: 254,
            type: 'email',
            autoComplete: 'email',
          })}
        </div>
      </Group>

      <Group title="Words on your pages" disabled={!isAdmin}>
        {text('headline', 'Headline', {
          max: 200,
          hint: 'The big line at the top of a page. Empty: each kind of page has its own.',
        })}
        {text('subheadline', 'Subheadline', { max: 400, rows: 2 })}
        {text('callToAction', 'Button text', {
          max: 60,
          hint: 'The form’s button, such as “Get my home’s value”.',
        })}
        {text('bio', 'About you', { max: 4000, rows: 5, hint: 'A few sentences under your photo.' })}
        {text('consentText', 'Consent wording', {
          max: 2000,
          rows: 4,
          hint: 'Shown beside a checkbox a visitor ticks to agree to be contacted, and saved with each lead. Empty: the forms ask for no consent (unless a page has its own wording).',
        })}
      </Group>

      {isAdmin ? (
        <div className="settings-actions">
          <button type="submit" className="primary" disabled={save.isPending || !changed}>
            {save.isPending ? 'Saving…' : 'Save branding'}
          </button>
          {changed && !save.isPending ? (
            <button
              type="button"
              onClick={() => {
                form.clear();
                setDraft(saved);
              }}
            >
              Undo changes
            </button>
          ) : null}
        </div>
      ) : null}
      <div className="settings-branding-live">
        <PagePreview
          label="Your home-valuation page with this branding"
          draft={{
            page: { kind: 'home_valuation', title: 'What is your home worth?' },
            branding: bodyOf(draft),
          }}
        />
      </div>
    </form>
  );
}

function Group({ title, disabled, children }: { title: string; disabled: boolean; children: ReactNode }) {
  return (
    <fieldset disabled={disabled} className="settings-fieldset settings-group">
      <legend>{title}</legend>
      {children}
    </fieldset>
  );
}

type TextOpts = {
  max?: number;
  hint?: string;
  type?: 'text' | 'url' | 'tel' | 'email';
  rows?: number;
  autoComplete?: string;
};

function TextField(
  props: TextOpts & {
    form: FormErrors;
    name: TextKey;
    label: string;
    value: string;
    onChange: (v: string) => void;
  },
) {
  const { type = 'text', autoComplete = 'off' } = props;
  return (
    <Field form={props.form} name={props.name} label={props.label} hint={props.hint}>
      {(p) =>
        props.rows ? (
          <textarea
            {...p}
            value={props.value}
            onChange={(e) => props.onChange(e.target.value)}
            rows={props.rows}
            maxLength={props.max}
          />
        ) : (
          <input
            {...p}
            type={type}
            inputMode={
              type === 'tel' ? 'tel' : type === 'email' ? 'email' : type === 'url' ? 'url' : undefined
            }
            value={props.value}
            onChange={(e) => props.onChange(e.target.value)}
            maxLength={props.max}
            autoComplete={autoComplete}
            spellCheck={type === 'text' ? undefined : false}
          />
        )
      }
    </Field>
  );
}

/** A colour as a picker and as #rrggbb text, kept in step; the picker shows the default while the text is not a colour. */
function ColorField(props: {
  form: FormErrors;
  name: 'primaryColor' | 'accentColor';
  label: string;
  hint: string;
  value: string;
  onChange: (v: string) => void;
}) {
  const fallback = DEFAULT_COLORS[props.name];
  const valid = HEX.test(props.value.trim());
  return (
    <Field
      form={props.form}
      name={props.name}
      label={`${props.label} (#rrggbb)`}
      hint={`${props.hint} Empty uses the default, ${fallback}.`}
    >
      {(p) => (
        <div className="settings-color">
          <label htmlFor={`${p.id}-picker`} className="sr-only">
            {props.label}: picker
          </label>
          <input
            id={`${p.id}-picker`}
            type="color"
            value={valid ? props.value.trim().toLowerCase() : fallback}
            onChange={(e) => props.onChange(e.target.value)}
          />
          <input
            {...p}
            value={props.value}
            onChange={(e) => props.onChange(e.target.value)}
            onBlur={(e) => {
              // "1f4fd1" becomes "#1f4fd1".
              const v = e.target.value.trim();
              if (/^[0-9a-f]{6}$/i.test(v)) props.onChange(`#${v}`);
            }}
            maxLength={7}
            autoComplete="off"
            spellCheck={false}
            placeholder={fallback}
          />
        </div>
      )}
    </Field>
  );
}

/** The colours and the logo as the pages will use them (the draft, before it is saved). */
function Preview({ draft }: { draft: Draft }) {
  const color = (k: 'primaryColor' | 'accentColor') => {
    const v = draft[k].trim();
    return HEX.test(v) ? v.toLowerCase() : v ? null : DEFAULT_COLORS[k];
  };
  const primary = color('primaryColor');
  const accent = color('accentColor');
  const logo = draft.logoUrl.trim();
  return (
    <div className="settings-branding-preview">
      <p className="settings-hint">Preview</p>
      <div className={`settings-branding-sample ${draft.theme === 'dark' ? 'dark' : ''}`}>
        <ul className="settings-swatches">
          <Swatch label="Main" color={primary} />
          <Swatch label="Accent" color={accent} />
        </ul>
        {/^https:\/\/./i.test(logo) ? <Logo key={logo} src={logo} /> : null}
      </div>
    </div>
  );
}

function Swatch({ label, color }: { label: string; color: string | null }) {
  return (
    <li>
      <span
        className="settings-swatch"
        aria-hidden="true"
        style={color ? { background: color } : { background: 'transparent', borderStyle: 'dashed' }}
      />
      <span>
        {label} <code>{color ?? 'not a colour'}</code>
      </span>
    </li>
  );
}

function Logo({ src }: { src: string }) {
  const [broken, setBroken] = useState(false);
  return broken ? (
    <span className="settings-hint">The logo could not be loaded from that address.</span>
  ) : (
    <img className="settings-branding-logo" src={src} alt="Your logo" onError={() => setBroken(true)} />
  );
}
