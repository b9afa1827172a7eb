import type { PublicPageView } from '../modules/pages/public.service.ts';
import { renderFormPage } from './form.ts';
import { renderThanksPage } from './thanks.ts';
import type { SiteUrls } from './urls.ts';

/**
 * A page rendered by the public site's own templates for the dashboard's live preview (shown
 * in a sandboxed frame): the same HTML a visitor gets, with an inert form (no render token).
 */
export function renderPreview(view: PublicPageView, baseUrl: string, which: 'form' | 'thanks'): string {
  const home = `/p/${view.site.account.slug}`;
  const page = `${home}/${view.page.slug}`;
  const urls: SiteUrls = {
    origin: baseUrl,
    home,
    page,
    thanks: `${page}/thanks`,
    canonical: `${baseUrl}${page}`,
  };
  // The frame runs no script: the nonce only has to be well formed.
  const nonce = 'preview';
  if (which === 'thanks') return renderThanksPage(view, urls, nonce);
  return renderFormPage({ view, urls, nonce, token: '', idempotencyKey: '', values: {}, errors: [] });
}
