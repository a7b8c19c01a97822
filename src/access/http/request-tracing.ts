import type { FastifyInstance, FastifyRequest } from 'fastify';
import { contextFromHeaders, type OpenSpan, openSpan, SpanKind, SpanStatusCode, withSpanContext } from '../../service/tracing.js';

/**
 * A server span per HTTP request (continuing a caller's `traceparent`), named after the route, with
 * everything the request runs — authentication, the chains, the ledger, Redis — beneath it. Fastify
 * parses the body between hooks, outside any context we set, so each hook phase re-enters the
 * span's context before handing on; the handler runs inside preHandler's.
 */
export function traceRequests(http: FastifyInstance): void {
  const spans = new WeakMap<FastifyRequest, OpenSpan>();
  const enter = (request: FastifyRequest, done: () => void) => {
    const open = spans.get(request);
    if (open) withSpanContext(open, done);
    else done();
  };
  http.addHook('onRequest', (request, _reply, done) => {
    const open = openSpan(request.method, {
      kind: SpanKind.SERVER,
      parent: contextFromHeaders(request.headers),
      attributes: { 'http.request.method': request.method, 'url.path': request.url.split('?')[0] ?? '' },
    });
    if (open) spans.set(request, open);
    enter(request, done);
  });
  http.addHook('preValidation', (request, _reply, done) => enter(request, done));
  http.addHook('preHandler', (request, _reply, done) => enter(request, done));
  http.addHook('onError', (request, _reply, error, done) => {
    const open = spans.get(request);
    // The exception as an event; whether the request failed is the status's to say (a 4xx is the caller's).
    open?.span.recordException(error);
    done();
  });
  http.addHook('onResponse', (request, reply, done) => {
    const open = spans.get(request);
    if (open) {
      const route = request.routeOptions.url;
      if (route) open.span.updateName(`${request.method} ${route}`).setAttribute('http.route', route);
      open.span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) open.span.setStatus({ code: SpanStatusCode.ERROR });
      open.span.end();
      spans.delete(request);
    }
    done();
  });
}
