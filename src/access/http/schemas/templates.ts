import { z } from 'zod';
import { templateSchema } from '../../../config/config-schema.js';
import { errorResponses, json, list } from './common.js';

export const templateParams = z.strictObject({ templateId: templateSchema.shape.id, version: templateSchema.shape.version });

/** A config-file template; id and version come from the path and may be repeated in the body. */
export const templateBody = templateSchema.partial({ id: true, version: true }).meta({
  examples: [
    {
      description: 'item promotion with a shorter chain',
      lock: true,
      chains: {
        browse_3_items: ['query-activity', 'prepare-item-promotion', 'store-prepared'],
        home_banner: ['query-activity', 'check-event', 'rule-check', 'query-asset', 'send-benefit', 'build-result'],
      },
    },
  ],
});

const templateFields = {
  ref: z.string().meta({ description: '`id@version`' }),
  id: z.string(),
  version: z.string(),
  description: z.string().optional(),
  lock: z.boolean(),
  chains: z.record(z.string(), list(z.string())).meta({ description: 'channel code → processor names, in order' }),
};

export const templateSummary = z.object(templateFields).meta({ id: 'Template' });
export const publishedTemplate = z
  .object({ ...templateFields, created: z.boolean().meta({ description: 'false: the same content was published already' }) })
  .meta({ id: 'PublishedTemplate' });

export const listTemplatesRoute = {
  tags: ['admin'],
  summary: 'Every registered template version, with its chains',
  response: { 200: json('the templates', z.object({ templates: list(templateSummary) })) },
};

export const putTemplateRoute = {
  tags: ['admin'],
  summary: 'Publish a template version; a published version never changes (other content under it is a 409)',
  params: templateParams,
  body: templateBody,
  response: {
    200: json('the same content was published already: nothing changed', publishedTemplate),
    201: json('published', publishedTemplate),
    ...errorResponses(400, 409, 415, 503),
  },
};
