import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, type FieldError, kindForStatus, type Problem, problemFor } from './errors.ts';

export const PROBLEM_JSON = 'application/problem+json';

function sendProblem(reply: FastifyReply, problem: Problem, headers: Record<string, string> = {}) {
  return reply
    .code(problem.status)
    .headers(headers)
    .type(PROBLEM_JSON)
    .send({ ...problem, requestId: reply.request.id });
}

function zodPath(instancePath: string, missingProperty?: unknown): string {
  const base = instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (typeof missingProperty === 'string') return base ? `${base}.${missingProperty}` : missingProperty;
  return base;
}

/**
 * One place turns every error into `application/problem+json`: AppError by its kind,
 * request validation as 422 naming each field, Fastify's own client errors (bad JSON, size,
 * media type) by their status; anything else is a bare 500 and a full log entry.
 */
export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof AppError) {
      if (error.status >= 500) request.log.error({ err: error }, 'request failed');
      return sendProblem(
        reply,
        problemFor(error.kind, error.message, {
          code: error.code,
          ...(error.errors.length ? { errors: error.errors } : {}),
        }),
        error.headers,
      );
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'body';
      const errors: FieldError[] = error.validation.map((v) => ({
        path: [where, zodPath(v.instancePath, (v.params as { missingProperty?: unknown })?.missingProperty)]
          .filter(Boolean)
          .join('.'),
        message: v.message ?? 'is invalid',
      }));
      return sendProblem(
        reply,
        problemFor('unprocessable', `Invalid ${where}`, { code: 'VALIDATION_FAILED', errors }),
      );
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error }, 'response did not match its schema');
      return sendProblem(
        reply,
        problemFor('unavailable', undefined, { status: 500, title: 'Internal error' }),
      );
    }
    const status = error.statusCode ?? 500;
    const kind = status >= 400 && status < 500 ? kindForStatus(status) : undefined;
    if (kind) {
      const detail =
        error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError
          ? 'The body is not valid JSON'
          : error.message;
      return sendProblem(reply, problemFor(kind, detail, { code: error.code ?? 'BAD_REQUEST' }));
    }
    if (status >= 400 && status < 500) {
      return sendProblem(reply, { ...problemFor('bad_request', error.message), status });
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, {
      type: 'about:blank',
      title: 'Internal error',
      status: 500,
    });
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      problemFor('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}
