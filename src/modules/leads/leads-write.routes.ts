import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AuthContext } from '../../platform/auth.ts';
import type { ModuleDeps } from '../../platform/module.ts';
import type { AiDeps } from '../ai/model-choice.ts';
import { rescoreLead } from './lead-score.service.ts';
import { updateLead } from './lead-update.service.ts';
import { presentEvent, presentLead } from './leads.present.ts';
import {
  createLeadBody,
  leadEventSchema,
  leadParams,
  leadSchema,
  noteBody,
  patchLeadBody,
} from './leads.schema.ts';
import { addLead, addLeadNote } from './leads.service.ts';

/** Who an event names as its actor: the signed-in person; null for a program (API key). */
const actorOf = (auth: AuthContext) => (auth.via === 'session' ? auth.userId : null);

/** Creating and changing leads, notes and re-scoring. The creating POSTs honour Idempotency-Key. */
export function registerLeadWriteRoutes(app: FastifyInstance, deps: ModuleDeps & { ai: AiDeps }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['leads'];

  r.post(
    '/api/v1/leads',
    {
      config: { auth: 'member', scope: 'leads:write', idempotent: true },
      schema: {
        tags,
        summary: 'Create a lead by hand or from a program (source api unless given)',
        body: createLeadBody,
        response: { 201: leadSchema },
      },
    },
    async (request, reply) => {
      const auth = request.auth!;
      const lead = await addLead(deps.db, auth.accountId, request.body, actorOf(auth), { jobs: deps.jobs });
      return reply.code(201).send(presentLead(lead));
    },
  );

  r.patch(
    '/api/v1/leads/:id',
    {
      config: { auth: 'member', scope: 'leads:write' },
      schema: {
        tags,
        summary: "Change a lead's status, assignee or details",
        params: leadParams,
        body: patchLeadBody,
        response: { 200: leadSchema },
      },
    },
    async (request) => {
      const auth = request.auth!;
      const lead = await updateLead(
        deps.db,
        auth.accountId,
        { id: request.params.id, patch: request.body, actorUserId: actorOf(auth) },
        { jobs: deps.jobs },
      );
      return presentLead(lead);
    },
  );

  r.post(
    '/api/v1/leads/:id/notes',
    {
      config: { auth: 'member', scope: 'leads:write', idempotent: true },
      schema: {
        tags,
        summary: "Add a note to a lead's timeline",
        params: leadParams,
        body: noteBody,
        response: { 201: leadEventSchema },
      },
    },
    async (request, reply) => {
      const auth = request.auth!;
      const event = await addLeadNote(deps.db, auth.accountId, {
        leadId: request.params.id,
        body: request.body.body,
        actorUserId: actorOf(auth),
      });
      return reply.code(201).send(presentEvent(event));
    },
  );

  r.post(
    '/api/v1/leads/:id/score',
    {
      config: { auth: 'member', scope: 'leads:write' },
      schema: {
        tags,
        summary: 'Score a lead again now (a `scored` event records it); 409 for a spam lead',
        params: leadParams,
        response: { 200: leadSchema },
      },
    },
    async (request) => {
      const auth = request.auth!;
      const lead = await rescoreLead(deps.db, auth.accountId, {
        leadId: request.params.id,
        actorUserId: actorOf(auth),
        ai: deps.ai,
      });
      return presentLead(lead);
    },
  );
}
