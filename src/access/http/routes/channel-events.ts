import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { toPublicAsset } from '../../../domain/asset.js';
import type { Outcome } from '../../../domain/outcome.js';
import { eventsScope } from '../../auth/scopes.js';
import type { RouteOptions } from '../http-services.js';
import type { RouteScope } from '../request-credentials.js';
import { channelEventRoute } from '../schemas/channel-events.js';

/** A client sends events on the channels its `events:<channelCode>` (or `events:*`) scopes name. */
const channelScope: RouteScope = (params) => eventsScope(params.channelCode ?? '');

/** Where a refused event id names the caller's fields. */
const EVENT_PATHS = { channelCode: 'params.channelCode', userId: 'body.userId', payload: 'body.payload' };

const publicOutcome = (outcome: Outcome) => (outcome.asset ? { ...outcome, asset: toPublicAsset(outcome.asset, Date.now()) } : outcome);

/** `POST /v1/channels/:channelCode/events` → service/channel-events.ts. */
export const channelEventRoutes: FastifyPluginAsyncZod<RouteOptions> = async (http, { services }) => {
  http.post(
    '/v1/channels/:channelCode/events',
    { schema: channelEventRoute, config: { scope: channelScope, limitPerUser: true } },
    async (request) => {
      const { channelCode } = request.params;
      const event = { channelCode, ...request.body, click: true };
      const { dryRun, now } = request.query;
      if (dryRun) {
        const result = await services.channelEvents.dryRun(event, now === undefined ? undefined : Date.parse(now));
        return { ...result, outcomes: result.outcomes.map(publicOutcome), dryRun: true as const };
      }
      const result = await services.channelEvents.handle(event, EVENT_PATHS);
      return { ...result, outcomes: result.outcomes.map(publicOutcome) };
    },
  );
};
