// Writes the OpenAPI document the routes generate to openapi.json (`npm run openapi`, after a build).
// test/access/openapi.test.ts fails when the committed file differs from what the code generates.
import { writeFileSync } from 'node:fs';
import { formatOpenApiDocument, openApiDocument } from '../dist/access/http/openapi-document.js';

writeFileSync(new URL('../openapi.json', import.meta.url), formatOpenApiDocument(await openApiDocument()));
console.log('wrote openapi.json');
