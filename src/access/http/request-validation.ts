import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { issuesToDetails } from '../../config/issue-path.js';
import { InvalidInputError } from '../../domain/errors.js';

const PARTS: Record<string, 'body' | 'query' | 'params' | 'headers'> = {
  body: 'body',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
};

/**
 * Body schemas a route validates itself, item by item (a batch where a bad item fails alone): they
 * document the body in the OpenAPI document, and the request passes to the handler as it came.
 */
export const validatedByTheRoute = new WeakSet<z.ZodType>();

/**
 * Validates params, body and query against the zod schemas in the route options (fastify runs them
 * in that order, before the handler). A refusal is an InvalidInputError whose details name each
 * bad field as `body.userId`, `query.now`, `params.channelCode`: the error shape of the contract.
 */
export const requestValidator: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (value) => {
    const part = PARTS[httpPart ?? 'body'] ?? 'body';
    if (part === 'body' && validatedByTheRoute.has(schema)) return { value };
    const parsed = schema.safeParse(value ?? (part === 'body' ? undefined : {}));
    if (parsed.success) return { value: parsed.data };
    const details = issuesToDetails(parsed.error.issues, part, value);
    return {
      error: new InvalidInputError(`invalid request ${part}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details),
    };
  };
