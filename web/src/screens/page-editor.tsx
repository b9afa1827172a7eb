import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Link, useBlocker, useNavigate, useParams } from 'react-router';
import { ApiError, del, get, type Page, type PageCopy, type PageStats, patch } from '../api.ts';
import { PagePreview } from '../components/page-preview.tsx';
import { useToast } from '../components/toast.tsx';
import { PAGE_KIND_INFO, slugify } from './page-kinds.ts';
import { SharePanel } from './page-share.tsx';
import {
  ConfirmButton,
  Field,
  type FormErrors,
  LoadFailed,
  Loading,
  useFormErrors,
  useIsAdmin,
} from './settings-ui.tsx';
import './settings.css';
import './pages.css';

type Draft = Record<keyof PageCopy | 'slug', string>;
const FIELDS = [
  'title',
  'slug',
  'headline',
  'subheadline',
  'callToAction',
  'description',
  'consentText',
  'thankYouHeadline',
  'thankYouMessage',
] as const satisfies readonly (keyof Draft)[];

type FieldDef = { name: keyof Draft; label: string; max: number; multiline?: boolean; hint?: string };

/** The editor's fields, in the order a visitor meets them. */
const GROUPS: { legend: string; fields: FieldDef[] }[] = [
  {
    legend: 'The form',
    fields: [
      { name: 'title', label: 'Title', max: 120, hint: "The form's heading and the browser tab's title." },
      { name: 'headline', label: 'Headline', max: 200 },
      { name: 'subheadline', label: 'Subheadline', max: 400, multiline: true },
      { name: 'callToAction', label: 'Button', max: 60, hint: 'The words on the send button.' },
    ],
  },
  {
    legend: 'After sending',
    fields: [
      { name: 'thankYouHeadline', label: 'Thank-you headline', max: 200 },
      { name: 'thankYouMessage', label: 'Thank-you message', max: 2000, multiline: true },
    ],
  },
  {
    legend: 'Consent, search and sharing',
    fields: [
      {
        name: 'consentText',
        label: 'Consent wording',
        max: 2000,
        multiline: true,
        hint: "What a visitor agrees to by ticking the box. Empty: your account's wording (Settings › Branding); with none there either, the form asks for no consent.",
      },
      { name: 'description', label: 'Description for search and link previews', max: 300, multiline: true },
      {
        name: 'slug',
        label: 'Address',
        max: 63,
        hint: "The last part of the page's link. Changing it breaks links you have already shared.",
      },
    ],
  },
];

const draftOf = (page: Page): Draft => Object.fromEntries(FIELDS.map((f) => [f, page[f] ?? ''])) as Draft;

/** The fields that differ from the saved page; an emptied text is cleared (its default shows). */
function changesOf(page: Page, draft: Draft): Partial<Record<keyof Draft, string | null>> {
  const saved = draftOf(page);
  const out: Partial<Record<keyof Draft, string | null>> = {};
  for (const f of FIELDS) {
    if (draft[f] === saved[f]) continue;
    out[f] = f === 'slug' ? slugify(draft[f]) : draft[f].trim() === '' && f !== 'title' ? null : draft[f];
  }
  return out;
}

/** One page: its words beside a live preview, its state (draft or live), its link and its figures. */
export function PageEditor() {
  const { id = '' } = useParams();
  const page = useQuery({ queryKey: ['page', id], queryFn: () => get<Page>(`/pages/${id}`) });
  if (page.isPending) return <Loading rows={6} label="Loading the page" />;
  if (page.isError) {
    if (page.error instanceof ApiError && page.error.status === 404) {
      return (
        <div>
          <h1>Page not found</h1>
          <p>
            It may have been deleted, or it belongs to another account.{' '}
            <Link to="/pages">Back to your pages</Link>
          </p>
        </div>
      );
    }
    return <LoadFailed error={page.error} retry={() => void page.refetch()} />;
  }
  // A new draft for each page opened (and again after it is saved elsewhere).
  return <Editor key={`${page.data.id}`} page={page.data} />;
}

function Editor({ page }: { page: Page }) {
  const isAdmin = useIsAdmin();
  const [draft, setDraft] = useState<Draft>(() => draftOf(page));
  const form = useFormErrors([...FIELDS]);
  const queryClient = useQueryClient();
  const toast = useToast();
  const navigate = useNavigate();
  const changes = changesOf(page, draft);
  const dirty = Object.keys(changes).length > 0;

  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) => patch<Page>(`/pages/${page.id}`, body),
    onSuccess: (saved, body) => {
      queryClient.setQueryData(['page', page.id], saved);
      void queryClient.invalidateQueries({ queryKey: ['pages'] });
      setDraft(draftOf(saved));
      form.clear();
      if (body.isActive === true) toast.show(`${saved.title} is live`);
      else if (body.isActive === false)
        toast.show(`${saved.title} is a draft again: visitors no longer see it`);
      else toast.show('Page saved');
    },
    onError: form.report,
  });
  const deleted = useRef(false);
  const remove = useMutation({
    mutationFn: () => del(`/pages/${page.id}`),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['pages'] });
      queryClient.removeQueries({ queryKey: ['page', page.id] });
      toast.show(`${page.title} deleted`);
      deleted.current = true; // nothing left to save: leave without asking
      navigate('/pages');
    },
    onError: (e) => toast.error(e),
  });

  // Unsaved words are not lost to a stray click: leaving asks first (and so does closing the tab).
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) =>
      dirty && !save.isPending && !deleted.current && currentLocation.pathname !== nextLocation.pathname,
  );
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const set = (field: keyof Draft) => (value: string) => setDraft((d) => ({ ...d, [field]: value }));
  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    save.mutate(changes);
  }

  return (
    <div className="page-editor">
      <div className="pages-head">
        <div>
          <p className="muted page-editor-crumb">
            <Link to="/pages">Pages</Link> / {PAGE_KIND_INFO[page.kind].label}
          </p>
          <h1>{page.title}</h1>
        </div>
        <span className={`badge ${page.isActive ? 'badge-live' : 'badge-off'}`}>
          {page.isActive ? 'Live' : 'Draft'}
        </span>
        {isAdmin ? (
          <div className="page-editor-state">
            {page.isActive ? (
              <button
                type="button"
                disabled={save.isPending}
                onClick={() => save.mutate({ isActive: false })}
              >
                Unpublish
              </button>
            ) : (
              <button
                type="button"
                className="primary"
                disabled={save.isPending}
                onClick={() => save.mutate({ ...changes, isActive: true })}
              >
                {dirty ? 'Save and publish' : 'Publish'}
              </button>
            )}
          </div>
        ) : null}
      </div>

      {blocker.state === 'blocked' ? (
        <div className="settings-note page-editor-leave" role="alertdialog" aria-labelledby="leave-title">
          <p id="leave-title">This page has unsaved changes. Leave without saving them?</p>
          <div className="settings-actions">
            <button type="button" onClick={() => blocker.proceed()}>
              Leave without saving
            </button>
            {/* biome-ignore lint/a11y/noAutofocus: the question needs the focus */}
            <button type="button" className="primary" autoFocus onClick={() => blocker.reset()}>
              Stay and keep editing
            </button>
          </div>
        </div>
      ) : null}
      <div className="page-editor-grid">
        <div className="page-editor-side">
          <form onSubmit={submit} aria-label="The page's words" noValidate>
            {isAdmin ? null : (
              <p className="settings-note">Only admins of this account can change its pages.</p>
            )}
            {GROUPS.map((group) => (
              <fieldset key={group.legend} className="settings-fieldset settings-group" disabled={!isAdmin}>
                <legend>{group.legend}</legend>
                {group.fields.map((f) => (
                  <TextField key={f.name} form={form} draft={draft} set={set} {...f} />
                ))}
              </fieldset>
            ))}
            <p className="settings-hint">Empty fields use the wording shown in the preview.</p>
            {isAdmin ? (
              <div className="settings-actions page-editor-actions">
                <button type="submit" className="primary" disabled={!dirty || save.isPending}>
                  {save.isPending ? 'Saving…' : 'Save changes'}
                </button>
                <button
                  type="button"
                  disabled={!dirty || save.isPending}
                  onClick={() => {
                    form.clear();
                    setDraft(draftOf(page));
                  }}
                >
                  Discard changes
                </button>
                <span className="muted" role="status">
                  {dirty ? 'Unsaved changes' : ''}
                </span>
              </div>
            ) : null}
          </form>
          <SharePanel page={page} />
          <PageFigures page={page} />
          {isAdmin ? (
            <section className="card page-danger" aria-labelledby="page-danger-title">
              <h2 id="page-danger-title">Delete this page</h2>
              <p className="settings-hint">
                A page that brought in leads is archived instead, so each lead keeps where it came from.
              </p>
              <ConfirmButton
                label="Delete page"
                question={`Delete ${page.title}? Its link stops working.`}
                confirmLabel="Delete"
                busyLabel="Deleting…"
                onConfirm={() => remove.mutateAsync()}
              />
            </section>
          ) : null}
        </div>
        <div className="page-editor-preview">
          <PagePreview
            draft={{
              page: {
                kind: page.kind,
                ...Object.fromEntries(FIELDS.filter((f) => f !== 'slug').map((f) => [f, draft[f]])),
                slug: slugify(draft.slug),
              },
            }}
          />
        </div>
      </div>
    </div>
  );
}

function TextField(
  props: FieldDef & {
    form: FormErrors;
    draft: Draft;
    set: (field: keyof Draft) => (value: string) => void;
  },
) {
  const onChange = (value: string) =>
    props.set(props.name)(props.name === 'slug' ? slugify(value, true) : value);
  return (
    <Field form={props.form} name={props.name} label={props.label} hint={props.hint}>
      {(input) =>
        props.multiline ? (
          <textarea
            {...input}
            value={props.draft[props.name]}
            maxLength={props.max}
            rows={3}
            onChange={(e) => onChange(e.target.value)}
          />
        ) : (
          <input
            {...input}
            value={props.draft[props.name]}
            maxLength={props.max}
            spellCheck={props.name !== 'slug'}
            onChange={(e) => onChange(e.target.value)}
          />
        )
      }
    </Field>
  );
}

const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });

/** The last 30 days: views, people, leads and how many of the people became leads. */
function PageFigures({ page }: { page: Page }) {
  const stats = useQuery({
    queryKey: ['page', page.id, 'stats'],
    queryFn: () => get<PageStats>(`/pages/${page.id}/stats`),
  });
  const t = stats.data?.totals;
  const figures: [string, string][] = [
    ['Views', t ? String(t.views) : '–'],
    ['Visitors', t ? String(t.uniqueVisitors) : '–'],
    ['Leads', t ? String(t.submissions) : '–'],
    ['Conversion', t ? percent.format(t.conversionRate) : '–'],
  ];
  return (
    <section
      className="card page-figures"
      aria-labelledby="figures-title"
      aria-busy={stats.isPending || undefined}
    >
      <h2 id="figures-title">Last 30 days</h2>
      {stats.isError ? <p className="form-error">{stats.error.message}</p> : null}
      <dl>
        {figures.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
