import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../platform/module.ts';
import {
  createTestimonialBody,
  testimonialListSchema,
  testimonialParams,
  testimonialSchema,
  updateTestimonialBody,
} from './branding.schema.ts';
import type { TestimonialRow } from './testimonials.repo.ts';
import {
  createTestimonial,
  deleteTestimonial,
  listTestimonials,
  updateTestimonial,
} from './testimonials.service.ts';

function presentTestimonial(t: TestimonialRow): z.infer<typeof testimonialSchema> {
  return {
    id: t.id,
    authorName: t.authorName,
    quote: t.quote,
    location: t.location,
    rating: t.rating,
    sortOrder: t.sortOrder,
    isPublished: t.isPublished,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

/** Quotes from clients shown on the account's pages: members read, admins change. */
export function registerTestimonialRoutes(app: FastifyInstance, deps: ModuleDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['branding'];

  r.get(
    '/api/v1/testimonials',
    {
      config: { auth: 'member', scope: 'pages:read' },
      schema: {
        tags,
        summary: "The account's testimonials in display order (all of them: at most 100)",
        response: { 200: testimonialListSchema },
      },
    },
    async (request) => {
      const rows = await listTestimonials(deps.db, request.auth!.accountId);
      return { data: rows.map(presentTestimonial), nextCursor: null };
    },
  );

  r.post(
    '/api/v1/testimonials',
    {
      config: { auth: 'admin', scope: 'pages:write', idempotent: true },
      schema: {
        tags,
        summary: 'Add a testimonial',
        body: createTestimonialBody,
        response: { 201: testimonialSchema },
      },
    },
    async (request, reply) => {
      const row = await createTestimonial(deps.db, request.auth!.accountId, request.body);
      return reply.code(201).send(presentTestimonial(row));
    },
  );

  r.patch(
    '/api/v1/testimonials/:id',
    {
      config: { auth: 'admin', scope: 'pages:write' },
      schema: {
        tags,
        summary: 'Change a testimonial',
        params: testimonialParams,
        body: updateTestimonialBody,
        response: { 200: testimonialSchema },
      },
    },
    async (request) => {
      const { accountId } = request.auth!;
      return presentTestimonial(await updateTestimonial(deps.db, accountId, request.params.id, request.body));
    },
  );

  r.delete(
    '/api/v1/testimonials/:id',
    {
      config: { auth: 'admin', scope: 'pages:write' },
      schema: {
        tags,
        summary: 'Delete a testimonial',
        params: testimonialParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deleteTestimonial(deps.db, request.auth!.accountId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
