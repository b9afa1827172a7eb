import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { PAGE_KINDS, type Page, type PageKind, pagesQuery, post } from '../api.ts';
import { useSession } from '../components/session.tsx';
import { useToast } from '../components/toast.tsx';
import { PAGE_KIND_INFO, slugify } from './page-kinds.ts';
import { CopyButton } from './page-share.tsx';
import { Field, LoadFailed, Loading, useFormErrors, useIsAdmin, When } from './settings-ui.tsx';
import './settings.css';
import './pages.css';

export { PageEditor } from './page-editor.tsx';

/** The capture pages: each with its state and address, and a form to start a new one. */
export function Pages() {
  const pages = useQuery(pagesQuery);
  const isAdmin = useIsAdmin();
  const [creating, setCreating] = useState(false);
  const list = pages.data?.data ?? [];

  return (
    <div className="pages">
      <div className="pages-head">
        <h1>Pages</h1>
        {isAdmin && !creating && list.length > 0 ? (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New page
          </button>
        ) : null}
      </div>
      <p className="muted pages-intro">
        Capture pages turn visitors into leads: share a page's link in your ads, emails and social posts, or
        embed its form on your own website.
      </p>
      {pages.isPending ? (
        <Loading rows={3} label="Loading your pages" />
      ) : pages.isError ? (
        <LoadFailed error={pages.error} retry={() => void pages.refetch()} />
      ) : (
        <>
          {creating || (isAdmin && list.length === 0) ? (
            <NewPage
              first={list.length === 0}
              onCancel={list.length ? () => setCreating(false) : undefined}
            />
          ) : null}
          {list.length === 0 && !isAdmin ? (
            <p className="settings-note">No pages yet. An admin of this account can create the first one.</p>
          ) : null}
          {list.length ? (
            <ul className="pages-list">
              {list.map((p) => (
                <PageRow key={p.id} page={p} />
              ))}
            </ul>
          ) : null}
        </>
      )}
    </div>
  );
}

function PageRow({ page }: { page: Page }) {
  return (
    <li className="card pages-row">
      <div className="pages-row-main">
        <Link to={`/pages/${page.id}`} className="pages-row-title">
          {page.title}
        </Link>
        <span className="muted pages-row-meta">
          {PAGE_KIND_INFO[page.kind].label} · changed <When iso={page.updatedAt} />
        </span>
        <span className="pages-row-url">{page.url}</span>
      </div>
      <span className={`badge ${page.isActive ? 'badge-live' : 'badge-off'}`}>
        {page.isActive ? 'Live' : 'Draft'}
      </span>
      <div className="pages-row-actions">
        <CopyButton value={page.url} label="Copy link" what={`The link to ${page.title}`} />
        {page.isActive ? (
          <a className="button" href={page.url} target="_blank" rel="noreferrer">
            Open<span className="sr-only"> {page.title} in a new tab</span>
          </a>
        ) : null}
        <Link className="button" to={`/pages/${page.id}`}>
          Edit<span className="sr-only"> {page.title}</span>
        </Link>
      </div>
    </li>
  );
}

/**
 * A new page: its kind, title and address. It starts as a draft (not yet public) and opens in
 * the editor, where its words are written against the preview and it is published.
 */
function NewPage({ first, onCancel }: { first: boolean; onCancel?: (() => void) | undefined }) {
  const { me, accountId } = useSession();
  const account = me.memberships.find((m) => m.account.id === accountId)?.account;
  const [kind, setKind] = useState<PageKind>('home_valuation');
  const [title, setTitle] = useState(PAGE_KIND_INFO.home_valuation.title);
  const [slug, setSlug] = useState<string | null>(null);
  const form = useFormErrors(['kind', 'title', 'slug']);
  const queryClient = useQueryClient();
  const toast = useToast();
  const navigate = useNavigate();
  const shownSlug = slug ?? PAGE_KIND_INFO[kind].slug;
  const create = useMutation({
    mutationFn: () => post<Page>('/pages', { kind, title, slug: slugify(shownSlug), isActive: false }),
    onSuccess: (page) => {
      queryClient.setQueryData(['page', page.id], page);
      void queryClient.invalidateQueries({ queryKey: ['pages'] });
      toast.show('Page created as a draft: write its words, then publish it');
      navigate(`/pages/${page.id}`);
    },
    onError: form.report,
  });
  function chooseKind(k: PageKind) {
    // The suggested title and address follow the kind until they are changed by hand.
    if (title === PAGE_KIND_INFO[kind].title) setTitle(PAGE_KIND_INFO[k].title);
    setKind(k);
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    create.mutate();
  }
  return (
    <form className="card pages-new" onSubmit={submit} aria-labelledby="new-page-title">
      <h2 id="new-page-title">{first ? 'Create your first page' : 'New page'}</h2>
      <fieldset className="pages-kinds">
        <legend>What should the page ask for?</legend>
        {PAGE_KINDS.map((k) => (
          <label key={k} className="pages-kind">
            <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => chooseKind(k)} />
            <span>
              <strong>{PAGE_KIND_INFO[k].label}</strong>
              <span className="muted">{PAGE_KIND_INFO[k].about}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <Field form={form} name="title" label="Title" hint="The form's heading and the browser tab's title.">
        {(input) => (
          <input
            {...input}
            value={title}
            maxLength={120}
            required
            onChange={(e) => setTitle(e.target.value)}
          />
        )}
      </Field>
      <Field
        form={form}
        name="slug"
        label="Address"
        hint={
          <>
            The page will be at {window.location.origin}/p/{account?.slug ?? 'your-account'}/
            <strong>{shownSlug || '…'}</strong>
          </>
        }
      >
        {(input) => (
          <input
            {...input}
            value={shownSlug}
            maxLength={63}
            spellCheck={false}
            autoCapitalize="none"
            onChange={(e) => setSlug(slugify(e.target.value, true))}
          />
        )}
      </Field>
      <div className="settings-actions">
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create page'}
        </button>
        {onCancel ? (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
