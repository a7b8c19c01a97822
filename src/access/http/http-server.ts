import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { type Logger, pino } from 'pino';
import { InvalidInputError, NotFoundError } from '../../domain/errors.js';
import { tracingEnabled } from '../../service/tracing.js';
import { registerConsole } from './console.js';
import { sendError } from './error-response.js';
import type { HttpServices } from './http-services.js';
import { registerOpenApi } from './openapi.js';
import { traceRequests } from './request-tracing.js';
import { requestValidator } from './request-validation.js';
import { registerRoutes } from './router.js';

export interface HttpServerOptions {
  readonly logger?: Logger;
  /** Largest accepted request body. */
  readonly bodyLimitBytes?: number;
}

/** The version in the OpenAPI document: the contract's, not the package's. */
export const API_VERSION = '1.0.0';

/**
 * The public HTTP contract over the services: the routes (router.ts), their schemas (validation and
 * the OpenAPI document), the one error shape and the admin scope. HTTP statuses are chosen here only.
 */
export function buildHttpServer(services: HttpServices, options: HttpServerOptions = {}): FastifyInstance {
  const http = Fastify({
    loggerInstance: (options.logger ?? pino({ level: 'silent' })) as FastifyBaseLogger,
    bodyLimit: options.bodyLimitBytes ?? 256 * 1024,
    // One log line per request is noise at thousands of requests per second; metrics cover them.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // The router's own refusals (a malformed or over-long URL) answer in the same error shape as any other 4xx.
    frameworkErrors: (error, request, reply) =>
      sendError(
        error.statusCode !== undefined && error.statusCode < 500
          ? new InvalidInputError(`invalid URL: ${error.message}`, [{ path: 'url', message: error.message }])
          : error,
        request,
        reply,
      ),
  });
  http.setValidatorCompiler(requestValidator);
  // Response schemas document the contract (and a test checks real answers against them); at run
  // time answers are written as they are, without a second validation on the hot path.
  http.setSerializerCompiler(() => (data) => JSON.stringify(data));
  http.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  http.setNotFoundHandler((request, reply) =>
    sendError(new NotFoundError('route', `${request.method} ${request.url.split('?')[0]}`), request, reply),
  );
  http.addHook('onResponse', async (request, reply) => {
    services.metrics.httpSeconds.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  if (tracingEnabled()) traceRequests(http);
  registerOpenApi(http, API_VERSION);
  registerConsole(http);
  registerRoutes(http, services);
  return http;
}
