import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../platform/module.ts';
import { registerContactGroupRoutes } from './contact-groups.routes.ts';
import {
  type ContactView,
  contactDetailSchema,
  contactListQuery,
  contactListSchema,
  createContactBody,
  idParams,
  patchContactBody,
} from './contacts.schema.ts';
import {
  type Contact,
  type ContactDetail,
  createContact,
  getContactDetail,
  listContacts,
  patchContact,
  removeContact,
} from './contacts.service.ts';

export function presentContact(c: Contact): ContactView {
  return {
    id: c.id,
    fullName: c.fullName,
    email: c.email,
    phone: c.phoneE164,
    type: c.type,
    company: c.company,
    notes: c.notes,
    createdAt: new Date(c.createdAt).toISOString(),
    updatedAt: new Date(c.updatedAt).toISOString(),
  };
}

const presentDetail = (d: ContactDetail) => ({ ...presentContact(d.contact), groups: d.groups });

/**
 * Contacts of the active account: people who are not leads (sphere of influence, past clients,
 * vendors, report recipients), and (contact-groups.routes.ts) the groups they are filed in.
 * Members and API keys with `contacts:read` / `contacts:write` may use them.
 */
export function registerContactRoutes(app: FastifyInstance, deps: ModuleDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['contacts'];

  r.get(
    '/api/v1/contacts',
    {
      config: { auth: 'member', scope: 'contacts:read' },
      schema: {
        tags,
        summary: 'Contacts, newest first; search by name, email or phone; filter by group or type',
        querystring: contactListQuery,
        response: { 200: contactListSchema },
      },
    },
    async (request) => {
      const page = await listContacts(deps.db, request.auth!.accountId, request.query);
      return { data: page.contacts.map(presentContact), nextCursor: page.nextCursor };
    },
  );

  r.post(
    '/api/v1/contacts',
    {
      config: { auth: 'member', scope: 'contacts:write', idempotent: true },
      schema: {
        tags,
        summary:
          'Add a contact (a name, an email or a phone); 409 CONTACT_EXISTS names the contact that has the email or phone',
        body: createContactBody,
        response: { 201: contactDetailSchema },
      },
    },
    async (request, reply) => {
      const created = await createContact(deps.db, request.auth!.accountId, request.body);
      return reply.code(201).send(presentDetail(created));
    },
  );

  r.get(
    '/api/v1/contacts/:id',
    {
      config: { auth: 'member', scope: 'contacts:read' },
      schema: {
        tags,
        summary: 'A contact with its groups',
        params: idParams,
        response: { 200: contactDetailSchema },
      },
    },
    async (request) =>
      presentDetail(await getContactDetail(deps.db, request.auth!.accountId, request.params.id)),
  );

  r.patch(
    '/api/v1/contacts/:id',
    {
      config: { auth: 'member', scope: 'contacts:write' },
      schema: {
        tags,
        summary: 'Change a contact (null clears a field)',
        params: idParams,
        body: patchContactBody,
        response: { 200: contactDetailSchema },
      },
    },
    async (request) =>
      presentDetail(await patchContact(deps.db, request.auth!.accountId, request.params.id, request.body)),
  );

  r.delete(
    '/api/v1/contacts/:id',
    {
      config: { auth: 'member', scope: 'contacts:write' },
      schema: { tags, summary: 'Delete a contact', params: idParams, response: { 204: z.null() } },
    },
    async (request, reply) => {
      await removeContact(deps.db, request.auth!.accountId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  registerContactGroupRoutes(app, deps);
}
