import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { App } from '../../app.js';
import { checkTemplateChains } from '../../config/compile-config.js';
import { templateSchema } from '../../config/config-schema.js';
import { InvalidInputError } from '../../domain/errors.js';
import type { TemplateDeclaration } from '../../domain/strategy-template.js';
import { formatTemplateRef } from '../../domain/template-ref.js';
import { parseRequest } from './request-schemas.js';

/** Who made an admin change: the `x-actor` header, else `admin-api`. */
export function requestActor(request: FastifyRequest): string {
  const header = request.headers['x-actor'];
  const actor = (Array.isArray(header) ? header[0] : header)?.trim();
  return actor ? actor.slice(0, 200) : 'admin-api';
}

const templateParams = z.strictObject({ templateId: templateSchema.shape.id, version: templateSchema.shape.version });
/** A config-file template; id and version come from the path and may be repeated in the body. */
const templateBody = templateSchema.partial({ id: true, version: true });

const changesQuery = z.strictObject({
  limit: z.coerce.number({ error: 'expected a whole number' }).int().min(1).max(1000).default(50),
  kind: z.enum(['activity', 'template'], { error: 'expected activity or template' }).optional(),
  id: z.string().min(1).max(200).optional(),
});

/** Templates declared through the admin API, and the change log. Admin routes. */
export function registerLiveConfigRoutes(
  http: FastifyInstance,
  app: App,
  options: { requireAdmin: (request: FastifyRequest) => Promise<void> },
): void {
  const { requireAdmin } = options;

  http.put('/v1/templates/:templateId/:version', { preHandler: requireAdmin }, async (request, reply) => {
    const { templateId, version } = parseRequest(templateParams, request.params, 'params');
    const body = parseRequest(templateBody, request.body, 'body');
    for (const [field, expected] of [
      ['id', templateId],
      ['version', version],
    ] as const) {
      if (body[field] !== undefined && body[field] !== expected) {
        throw new InvalidInputError(`body.${field} must match the template ${field} in the path`, [
          { path: `body.${field}`, message: `expected '${expected}' (from the path), got '${body[field]}'` },
        ]);
      }
    }
    const problems = checkTemplateChains(body.chains, 'body', new Set(app.processors.names()));
    if (problems.length > 0) {
      throw new InvalidInputError(`invalid template: ${problems.map((d) => `${d.path}: ${d.message}`).join('; ')}`, problems);
    }
    const declaration: TemplateDeclaration = {
      id: templateId,
      version,
      ...(body.description === undefined ? {} : { description: body.description }),
      lock: body.lock,
      chains: body.chains,
    };
    const published = await app.templateAdmin.publish(declaration, { path: 'body', actor: requestActor(request) });
    return reply.status(published.created ? 201 : 200).send({
      ref: formatTemplateRef(published.template),
      ...published.template,
      created: published.created,
    });
  });

  http.get('/v1/changes', { preHandler: requireAdmin }, async (request) => {
    const query = parseRequest(changesQuery, request.query, 'query');
    return { changes: await app.changeLog.list(query) };
  });
}
