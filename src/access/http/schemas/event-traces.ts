import { z } from 'zod';
import { chainTrace, errorResponses, id, json, list, wholeNumberQuery } from './common.js';

export const eventParams = z.strictObject({ eventId: id });
export const exportQuery = z.strictObject({ limit: wholeNumberQuery(1, 100_000, 10_000).meta({ description: 'newest events first' }) });

export const eventTrace = z.object({ eventId: z.string(), chains: list(chainTrace) }).meta({ id: 'EventTrace' });

export const traceRoute = {
  tags: ['events'],
  summary: 'What ran for one event, step by step',
  params: eventParams,
  response: { 200: json('one trace per activity chain', eventTrace), ...errorResponses(400, 404, 503) },
};

export const exportRoute = {
  tags: ['admin'],
  summary: 'Recorded events as NDJSON, one per line, for `strategy-center replay`',
  querystring: exportQuery,
  response: {
    200: {
      description: 'one JSON event per line',
      content: { 'application/x-ndjson': { schema: z.string() } },
    },
    ...errorResponses(400, 503),
  },
};
