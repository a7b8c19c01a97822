import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { type Logger, pino } from 'pino';
import type { App } from '../../app.js';
import { compileActivity } from '../../config/compile-config.js';
import { activitySchema, rolloutSchema } from '../../config/config-schema.js';
import { issuesToDetails } from '../../config/issue-path.js';
import { toPublicAsset } from '../../domain/asset.js';
import { InvalidInputError, NotFoundError, UnauthorizedError } from '../../domain/errors.js';
import type { Outcome } from '../../domain/outcome.js';
import { formatTemplateRef, parseTemplateRef, type TemplateRef } from '../../domain/template-ref.js';
import { MAX_BATCH_BODY_BYTES, parseBehaviorBatch, recordBehaviorBatch } from '../behavior-batch.js';
import { exportEvents } from '../event-export.js';
import { sendError } from './error-response.js';
import { registerLiveConfigRoutes, requestActor } from './live-config-routes.js';
import {
  activityParams,
  assetParams,
  behaviorBody,
  channelEventBody,
  channelEventQuery,
  channelParams,
  deadLetterParams,
  deadLetterQuery,
  eventParams,
  explainQuery,
  exportQuery,
  instanceParams,
  parseRequest,
} from './request-schemas.js';

const EVENT_PATHS = { channelCode: 'params.channelCode', userId: 'body.userId', payload: 'body.payload' };

export interface HttpServerOptions {
  readonly logger?: Logger;
  /** Largest accepted request body. */
  readonly bodyLimitBytes?: number;
}

/** The public HTTP contract of the brief, over one App. Validation and status codes live here. */
export function buildHttpServer(app: App, options: HttpServerOptions = {}): FastifyInstance {
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

  http.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  http.setNotFoundHandler((request, reply) =>
    sendError(new NotFoundError('route', `${request.method} ${request.url.split('?')[0]}`), request, reply),
  );
  http.addHook('onResponse', async (request, reply) => {
    app.metrics.httpSeconds.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  const requireAdmin = async (request: FastifyRequest) => {
    if (!app.adminToken) return;
    if (request.headers.authorization !== `Bearer ${app.adminToken}`) throw new UnauthorizedError();
  };
  const now = () => Date.now();
  const publicOutcome = (outcome: Outcome) => (outcome.asset ? { ...outcome, asset: toPublicAsset(outcome.asset, now()) } : outcome);

  http.post('/v1/channels/:channelCode/events', async (request) => {
    const { channelCode } = parseRequest(channelParams, request.params, 'params');
    const body = parseRequest(channelEventBody, request.body, 'body');
    const query = parseRequest(channelEventQuery, request.query, 'query');
    if (query.dryRun) {
      const nowMs = query.now === undefined ? undefined : Date.parse(query.now);
      const result = await app.dryRunDispatcher.dispatch({ channelCode, ...body }, nowMs === undefined ? {} : { nowMs });
      return { ...result, outcomes: result.outcomes.map(publicOutcome), dryRun: true };
    }
    // The event id is the client's idempotency handle: reusing it for other content is a 409.
    if (body.eventId !== undefined) await app.eventIdentity.claim({ channelCode, ...body, eventId: body.eventId }, EVENT_PATHS);
    const { traces: _traces, ...result } = await app.dispatcher.dispatch({ channelCode, ...body });
    return { ...result, outcomes: result.outcomes.map(publicOutcome) };
  });

  http.post('/v1/behaviors', async (request, reply) => {
    const body = parseRequest(behaviorBody, request.body, 'body');
    const { at, ...behavior } = body;
    const result = await app.intake.record({ ...behavior, ...(at === undefined ? {} : { atMs: Date.parse(at) }) });
    app.metrics.behaviors.inc({ type: body.type, fired: String(result.fired.length > 0) });
    return reply.status(202).send(result);
  });

  // NDJSON arrives as text; the batch route splits and validates it line by line.
  http.addContentTypeParser('application/x-ndjson', { parseAs: 'string', bodyLimit: MAX_BATCH_BODY_BYTES }, (_request, body, done) =>
    done(null, body),
  );
  http.post('/v1/behaviors/batch', { bodyLimit: MAX_BATCH_BODY_BYTES }, async (request, reply) => {
    const format = request.headers['content-type']?.startsWith('application/x-ndjson') ? 'ndjson' : 'json';
    const items = parseBehaviorBatch(request.body, format);
    const answer = await recordBehaviorBatch(app.intake, items);
    items.forEach((item, i) => {
      const result = answer.results[i];
      if ('behavior' in item && result?.status === 'accepted') {
        app.metrics.behaviors.inc({ type: item.behavior.type, fired: String(result.fired.length > 0) });
      }
    });
    return reply.status(answer.failed === 0 ? 202 : 207).send(answer);
  });

  http.get('/v1/activities/:activityId/users/:userId', async (request) => {
    const { activityId, userId } = parseRequest(instanceParams, request.params, 'params');
    if (!(await app.activities.get(activityId))) throw new NotFoundError('activity', activityId);
    const { prepared, assets } = await app.rights.instanceOf(activityId, userId);
    return { prepared, assets: assets.map((asset) => toPublicAsset(asset, now())) };
  });

  http.get('/v1/activities/:activityId/users/:userId/explain', async (request) => {
    const { activityId, userId } = parseRequest(instanceParams, request.params, 'params');
    const { limit } = parseRequest(explainQuery, request.query, 'query');
    if (!(await app.activities.get(activityId))) throw new NotFoundError('activity', activityId);
    const explanation = await app.explainer.explain(activityId, userId, limit);
    return { ...explanation, assets: explanation.assets.map((asset) => toPublicAsset(asset, now())) };
  });

  http.post('/v1/assets/:assetId/redeem', async (request) => {
    const { assetId } = parseRequest(assetParams, request.params, 'params');
    return toPublicAsset(await app.rights.redeem(assetId), now());
  });

  http.get('/v1/events/export', { preHandler: requireAdmin }, async (request, reply) => {
    const { limit } = parseRequest(exportQuery, request.query, 'query');
    const traces = await app.traces.recent(limit);
    reply.header('content-type', 'application/x-ndjson');
    return exportEvents(traces);
  });

  http.get('/v1/events/:eventId/trace', async (request) => {
    const { eventId } = parseRequest(eventParams, request.params, 'params');
    const chains = await app.traces.byEvent(eventId);
    if (chains.length === 0) throw new NotFoundError('event trace', eventId);
    return { eventId, chains };
  });

  http.get('/v1/activities', { preHandler: requireAdmin }, async () => ({ activities: await app.activities.list() }));

  http.put('/v1/activities/:activityId', { preHandler: requireAdmin }, async (request) => {
    const { activityId } = parseRequest(activityParams, request.params, 'params');
    const parsed = activitySchema.safeParse(request.body);
    if (!parsed.success) {
      const details = issuesToDetails(parsed.error.issues, 'body', request.body);
      throw new InvalidInputError(`invalid activity: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
    }
    if (parsed.data.id !== activityId) {
      throw new InvalidInputError('body.id must match the activity id in the path', [
        { path: 'body.id', message: `expected '${activityId}' (the id in the path), got '${parsed.data.id}'` },
      ]);
    }
    if (Date.parse(parsed.data.window.end) <= Date.parse(parsed.data.window.start)) {
      throw new InvalidInputError('body.window.end must be after body.window.start', [
        { path: 'body.window.end', message: 'must be after window.start' },
      ]);
    }
    return app.admin.publish(compileActivity(parsed.data), 'body', { actor: requestActor(request) });
  });

  http.put('/v1/activities/:activityId/rollout', { preHandler: requireAdmin }, async (request) => {
    const { activityId } = parseRequest(activityParams, request.params, 'params');
    const body = parseRequest(rolloutSchema, request.body, 'body');
    const rollout = { template: parseTemplateRef(body.template) as TemplateRef, percent: body.percent };
    return app.admin.rollOut(activityId, rollout, { actor: requestActor(request) });
  });

  http.delete('/v1/activities/:activityId/rollout', { preHandler: requireAdmin }, async (request) => {
    const { activityId } = parseRequest(activityParams, request.params, 'params');
    return app.admin.rollBack(activityId, { actor: requestActor(request) });
  });

  http.get('/v1/templates', { preHandler: requireAdmin }, async () => ({
    templates: app.templates.list().map((template) => ({
      ref: formatTemplateRef(template),
      id: template.id,
      version: template.version,
      description: template.description,
      lock: template.lock,
      chains: Object.fromEntries(template.channels.map((channel) => [channel, template.chainFor(channel)])),
    })),
  }));

  http.get('/v1/dead-letters', { preHandler: requireAdmin }, async (request) => {
    const query = parseRequest(deadLetterQuery, request.query, 'query');
    return { deadLetters: await app.deadLetters.list(query) };
  });

  http.post('/v1/dead-letters/:id/replay', { preHandler: requireAdmin }, async (request) => {
    const { id } = parseRequest(deadLetterParams, request.params, 'params');
    return app.replayDeadLetter(id);
  });

  registerLiveConfigRoutes(http, app, { requireAdmin });

  http.get('/healthz', async () => ({ status: 'ok', backends: app.backends }));

  http.get('/metrics', async (_request: FastifyRequest, reply: FastifyReply) => {
    reply.header('content-type', app.metrics.registry.contentType);
    return app.metrics.registry.metrics();
  });

  return http;
}
