import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { MAX_BATCH_BODY_BYTES, parseBehaviorBatch, recordBehaviorBatch } from '../../behavior-batch.js';
import type { RouteOptions } from '../http-services.js';
import { behaviorBatchRoute } from '../schemas/behavior-batch.js';

/** `POST /v1/behaviors/batch` → access/behavior-batch.ts over the behavior intake. */
export const behaviorBatchRoutes: FastifyPluginAsyncZod<RouteOptions> = async (http, { services }) => {
  // NDJSON arrives as text (in this plugin's scope only); the route splits and validates it line by line.
  http.addContentTypeParser('application/x-ndjson', { parseAs: 'string', bodyLimit: MAX_BATCH_BODY_BYTES }, (_request, body, done) =>
    done(null, body),
  );
  http.post(
    '/v1/behaviors/batch',
    { schema: behaviorBatchRoute, bodyLimit: MAX_BATCH_BODY_BYTES, config: { scope: 'behaviors:write' } },
    async (request, reply) => {
      const format = request.headers['content-type']?.startsWith('application/x-ndjson') ? 'ndjson' : 'json';
      const items = parseBehaviorBatch(request.body, format);
      const answer = await recordBehaviorBatch(services.intake, items);
      items.forEach((item, i) => {
        const result = answer.results[i];
        if ('behavior' in item && result?.status === 'accepted') {
          services.metrics.behaviors.inc({ type: item.behavior.type, fired: String(result.fired.length > 0) });
        }
      });
      return reply.status(answer.failed === 0 ? 202 : 207).send(answer);
    },
  );
};
