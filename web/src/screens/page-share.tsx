import type { Page } from '../api.ts';
import { useToast } from '../components/toast.tsx';
import { CopyField } from './settings-ui.tsx';

/** Copies `value`, saying so (or, where the clipboard is blocked, how to copy it by hand). */
export function CopyButton({ value, label, what }: { value: string; label: string; what: string }) {
  const toast = useToast();
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      toast.show(`${what} is copied`);
    } catch {
      toast.show('Copying is blocked here: select the text and copy it yourself', 'error');
    }
  }
  return (
    <button type="button" onClick={copy}>
      {label}
      <span className="sr-only">: {what}</span>
    </button>
  );
}

/**
 * The page's form for another website: a frame of the page itself, so its spam checks,
 * consent record and thank-you page all still apply.
 */
export function embedSnippet(page: Page): string {
  const title = page.title.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<iframe src="${page.url}" title="${title}" loading="lazy" style="width:100%;min-height:760px;border:0"></iframe>`;
}

/** Where the page is and how to put it elsewhere: its link and its embeddable form. */
export function SharePanel({ page }: { page: Page }) {
  return (
    <section className="card page-share" aria-labelledby="share-title">
      <h2 id="share-title">Share this page</h2>
      {page.isActive ? null : (
        <p className="settings-note">This page is a draft: visitors get “not found” until you publish it.</p>
      )}
      <CopyField
        label="Page link"
        value={page.url}
        hint="Use it in ads, emails, your social profiles and QR codes."
      />
      <CopyField
        label="Embed on your website"
        value={embedSnippet(page)}
        hint="Paste this HTML where the form should appear on your own site."
      />
    </section>
  );
}
