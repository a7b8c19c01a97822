import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, RateLimitedError, StrategyCenterError } from '../../domain/errors.js';

/** HTTP statuses are chosen here and nowhere else. */
const STATUS_BY_CODE: Record<ErrorCode, number> = {
  invalid_input: 400,
  invalid_config: 400,
  not_found: 404,
  conflict: 409,
  unauthorized: 401,
  missing_signature: 401,
  bad_signature: 401,
  expired: 401,
  replayed: 401,
  unknown_client: 401,
  forbidden_scope: 403,
  rate_limited: 429,
  lock_lost: 503,
  fenced_write: 409,
  unavailable: 503,
  timeout: 504,
  internal: 500,
};

export interface ErrorBody {
  error: { code: string; message: string; details: { path: string; message: string }[] };
}

export function errorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof StrategyCenterError) {
    return {
      status: STATUS_BY_CODE[error.code],
      body: { error: { code: error.code, message: error.message, details: [...error.details] } },
    };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.statusCode === 415) {
    const message = `unsupported content type: send the body as JSON with content-type: application/json`;
    return {
      status: 415,
      body: {
        error: {
          code: 'unsupported_media_type',
          message,
          details: [{ path: 'headers.content-type', message: 'expected application/json' }],
        },
      },
    };
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode < 500) {
    // Fastify's own refusals: malformed JSON, body too large.
    return {
      status: fastifyError.statusCode,
      body: {
        error: {
          code: fastifyError.statusCode === 413 ? 'payload_too_large' : 'invalid_input',
          message: fastifyError.message ?? 'invalid request',
          details: [{ path: 'body', message: fastifyError.message ?? 'invalid request' }],
        },
      },
    };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error; see the server log', details: [] } } };
}

export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body } = errorResponse(error);
  if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterS));
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  return reply.status(status).send(body);
}
