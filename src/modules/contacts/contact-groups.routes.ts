import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../platform/module.ts';
import {
  addContactsToGroup,
  addContactToGroup,
  type ContactGroupWithCount,
  createContactGroup,
  getContactGroup,
  listContactGroups,
  patchContactGroup,
  removeContactFromGroup,
  removeContactGroup,
} from './contact-groups.service.ts';
import {
  addMembersBody,
  addMembersResultSchema,
  contactGroupListQuery,
  contactGroupListSchema,
  contactGroupSchema,
  createContactGroupBody,
  idParams,
  memberParams,
  patchContactGroupBody,
} from './contacts.schema.ts';

function presentGroup(g: ContactGroupWithCount): z.infer<typeof contactGroupSchema> {
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    memberCount: g.memberCount,
    createdAt: new Date(g.createdAt).toISOString(),
    updatedAt: new Date(g.updatedAt).toISOString(),
  };
}

/** Contact groups (name unique in the account) and their members; the members are listed by GET /api/v1/contacts?groupId=. */
export function registerContactGroupRoutes(app: FastifyInstance, deps: ModuleDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['contacts'];
  const read = { auth: 'member', scope: 'contacts:read' } as const;
  const write = { auth: 'member', scope: 'contacts:write' } as const;

  r.get(
    '/api/v1/contact-groups',
    {
      config: read,
      schema: {
        tags,
        summary: 'Contact groups in name order, with member counts',
        querystring: contactGroupListQuery,
        response: { 200: contactGroupListSchema },
      },
    },
    async (request) => {
      const page = await listContactGroups(deps.db, request.auth!.accountId, request.query);
      return { data: page.groups.map(presentGroup), nextCursor: page.nextCursor };
    },
  );

  r.post(
    '/api/v1/contact-groups',
    {
      config: { ...write, idempotent: true },
      schema: {
        tags,
        summary: 'Add a group (409 CONTACT_GROUP_EXISTS for a name in use)',
        body: createContactGroupBody,
        response: { 201: contactGroupSchema },
      },
    },
    async (request, reply) => {
      const group = await createContactGroup(deps.db, request.auth!.accountId, request.body);
      return reply.code(201).send(presentGroup(group));
    },
  );

  r.get(
    '/api/v1/contact-groups/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'A group with its member count',
        params: idParams,
        response: { 200: contactGroupSchema },
      },
    },
    async (request) =>
      presentGroup(await getContactGroup(deps.db, request.auth!.accountId, request.params.id)),
  );

  r.patch(
    '/api/v1/contact-groups/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Rename or redescribe a group',
        params: idParams,
        body: patchContactGroupBody,
        response: { 200: contactGroupSchema },
      },
    },
    async (request) =>
      presentGroup(
        await patchContactGroup(deps.db, request.auth!.accountId, request.params.id, request.body),
      ),
  );

  r.delete(
    '/api/v1/contact-groups/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Delete a group (its contacts stay)',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await removeContactGroup(deps.db, request.auth!.accountId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/v1/contact-groups/:id/members',
    {
      config: { ...write, idempotent: true },
      schema: {
        tags,
        summary: 'Add several contacts to a group (all or none; members already in it stay)',
        params: idParams,
        body: addMembersBody,
        response: { 200: addMembersResultSchema },
      },
    },
    async (request) =>
      addContactsToGroup(deps.db, request.auth!.accountId, request.params.id, request.body.contactIds),
  );

  r.put(
    '/api/v1/contact-groups/:id/members/:contactId',
    {
      config: write,
      schema: {
        tags,
        summary: 'Add a contact to a group (again: no change)',
        params: memberParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await addContactToGroup(deps.db, request.auth!.accountId, request.params.id, request.params.contactId);
      return reply.code(204).send(null);
    },
  );

  r.delete(
    '/api/v1/contact-groups/:id/members/:contactId',
    {
      config: write,
      schema: {
        tags,
        summary: 'Take a contact out of a group',
        params: memberParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await removeContactFromGroup(
        deps.db,
        request.auth!.accountId,
        request.params.id,
        request.params.contactId,
      );
      return reply.code(204).send(null);
    },
  );
}
