import { z } from 'zod';
import { json } from './common.js';

export const health = z
  .object({
    status: z.literal('ok'),
    backends: z.object({ state: z.string(), records: z.string(), broker: z.string() }),
  })
  .meta({ id: 'Health', examples: [{ status: 'ok', backends: { state: 'memory', records: 'memory', broker: 'in-process' } }] });

export const healthRoute = {
  tags: ['operations'],
  summary: 'Liveness, and which backends this process runs on',
  response: { 200: json('alive', health) },
};

export const metricsRoute = {
  tags: ['operations'],
  summary: 'Prometheus metrics of this process',
  response: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: z.string() } } } },
};
