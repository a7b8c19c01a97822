import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { checkIdMatchesPath } from '../../../../config/declaration-checks.js';
import { InvalidInputError } from '../../../../domain/errors.js';
import type { TemplateDeclaration } from '../../../../domain/strategy-template.js';
import { formatTemplateRef } from '../../../../domain/template-ref.js';
import type { RouteOptions } from '../../http-services.js';
import { requestActor } from '../../request-actor.js';
import { listTemplatesRoute, putTemplateRoute } from '../../schemas/templates.js';

/** `/v1/templates` (admin) → service/template-registry.ts, service/template-admin.ts (which checks the chains like the file). */
export const templateAdminRoutes: FastifyPluginAsyncZod<RouteOptions> = async (http, { services }) => {
  http.get('/v1/templates', { schema: listTemplatesRoute }, async () => ({
    templates: services.templates.list().map((template) => ({
      ref: formatTemplateRef(template),
      id: template.id,
      version: template.version,
      ...(template.description === undefined ? {} : { description: template.description }),
      lock: template.lock,
      chains: Object.fromEntries(template.channels.map((channel) => [channel, [...template.chainFor(channel)]])),
    })),
  }));

  http.put('/v1/templates/:templateId/:version', { schema: putTemplateRoute }, async (request, reply) => {
    const { templateId, version } = request.params;
    const { body } = request;
    for (const [field, expected] of [
      ['id', templateId],
      ['version', version],
    ] as const) {
      const mismatch = checkIdMatchesPath(field, body[field], expected, 'body');
      if (mismatch.length > 0) throw new InvalidInputError(`body.${field} must match the template ${field} in the path`, mismatch);
    }
    const declaration: TemplateDeclaration = {
      id: templateId,
      version,
      ...(body.description === undefined ? {} : { description: body.description }),
      lock: body.lock,
      chains: body.chains,
    };
    const published = await services.templateAdmin.publish(declaration, { path: 'body', actor: requestActor(request) });
    return reply.status(published.created ? 201 : 200).send({
      ref: formatTemplateRef(published.template),
      ...published.template,
      created: published.created,
    });
  });
};
