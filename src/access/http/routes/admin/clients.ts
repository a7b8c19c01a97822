import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { compileRateLimit } from '../../../../config/compile-config.js';
import type { RouteOptions } from '../../http-services.js';
import { requestActor } from '../../request-actor.js';
import { deleteClientRoute, listClientsRoute, putClientRoute } from '../../schemas/clients.js';

/** `/v1/clients` (admin) → service/client-admin.ts. No answer carries a secret. */
export const clientAdminRoutes: FastifyPluginAsyncZod<RouteOptions> = async (http, { services }) => {
  http.get('/v1/clients', { schema: listClientsRoute }, async () => ({ clients: [...(await services.clientAdmin.list())] }));

  http.put('/v1/clients/:clientId', { schema: putClientRoute }, async (request) => {
    const { scopes, rateLimit, secretEnv, secrets } = request.body;
    return services.clientAdmin.put(
      {
        id: request.params.clientId,
        scopes,
        ...(rateLimit ? { rateLimit: compileRateLimit(rateLimit) } : {}),
        ...(secretEnv === undefined ? {} : { secretEnv }),
        ...(secrets === undefined ? {} : { secrets }),
      },
      { actor: requestActor(request) },
    );
  });

  http.delete('/v1/clients/:clientId', { schema: deleteClientRoute }, async (request) =>
    services.clientAdmin.delete(request.params.clientId, { actor: requestActor(request) }),
  );
};
