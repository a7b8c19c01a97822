import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RouteOptions } from '../../http-services.js';
import { listDeadLettersRoute, replayDeadLetterRoute } from '../../schemas/dead-letters.js';

/** `/v1/dead-letters` (admin) → the dead-letter store, service/dead-letter-replay.ts. */
export const deadLetterAdminRoutes: FastifyPluginAsyncZod<RouteOptions> = async (http, { services }) => {
  http.get('/v1/dead-letters', { schema: listDeadLettersRoute }, async (request) => ({
    deadLetters: [...(await services.deadLetters.list(request.query))],
  }));

  http.post('/v1/dead-letters/:id/replay', { schema: replayDeadLetterRoute }, async (request) =>
    services.deadLetterReplay.replay(request.params.id),
  );
};
