import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isUnsubscribeLink, unsubscribeByMessage } from '../modules/messaging/unsubscribe.ts';
import type { ModuleDeps } from '../platform/module.ts';
import { newNonce, sendHtml, sendNotFound } from './handlers.ts';
import { attr, html } from './html.ts';
import { renderDocument } from './layout.ts';

type Params = { accountId: string; messageId: string; sig: string };

function page(reply: FastifyReply, title: string, body: ReturnType<typeof html>) {
  const nonce = newNonce();
  const document = renderDocument({
    title,
    description: title,
    canonical: null,
    image: null,
    siteName: 'Porchlight',
    site: null,
    nonce,
    body: html`<main id="main" tabindex="-1"><div class="plain"><div class="card">${body}</div></div></main>`,
    isIndexable: false,
  });
  return sendHtml(reply, 200, document, nonce);
}

/**
 * `/u/:accountId/:messageId/:sig`, the link in every email to a lead (modules/messaging/
 * unsubscribe.ts): GET asks, POST (the mail client's one-click, or the button) unsubscribes at
 * once. Public: no login. A link whose signature does not match is not found.
 */
export async function registerUnsubscribeRoutes(app: FastifyInstance, deps: ModuleDeps): Promise<void> {
  await app.register(async (scope) => {
    // One-click posts `List-Unsubscribe=One-Click` (urlencoded or multipart): the body does not matter.
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, _body, done) => done(null, {}));
    const checked = (request: FastifyRequest) => {
      const p = request.params as Params;
      return isUnsubscribeLink(deps.pepper, p.accountId, p.messageId, p.sig) ? p : null;
    };
    const path = '/u/:accountId/:messageId/:sig';

    scope.get(path, { config: { auth: 'public' }, schema: { hide: true } }, async (request, reply) => {
      const p = checked(request);
      const found = p && (await unsubscribeByMessage(deps.db, p.accountId, p.messageId, false));
      if (!found) return sendNotFound(reply);
      return page(
        reply,
        'Unsubscribe',
        html`<h1>Stop emails from ${found.from}?</h1>
<p>You will get no more emails from them through Porchlight. Nothing else changes.</p>
<form method="post"${attr('action', request.url)}><button type="submit" class="btn">Unsubscribe</button></form>`,
      );
    });

    scope.post(path, { config: { auth: 'public' }, schema: { hide: true } }, async (request, reply) => {
      const p = checked(request);
      const found = p && (await unsubscribeByMessage(deps.db, p.accountId, p.messageId, true));
      if (!found) return sendNotFound(reply);
      return page(
        reply,
        'Unsubscribed',
        html`<h1>You are unsubscribed</h1><p>${found.from} will not email you again from Porchlight.</p>`,
      );
    });
  });
}
