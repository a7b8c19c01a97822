import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleConfigFile } from '../support/sample-app.js';
import { REDIS_URL, uniqueName } from '../support/services.js';
import { type ChildServer, spawnServer } from '../support/spawn-server.js';
import { eventually } from '../support/timing.js';

interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly service: string;
}

/** A local OTLP/HTTP collector: decodes each JSON export (what exporter-trace-otlp-http sends) into spans. */
async function startReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; paths: string[]; server: Server }> {
  const spans: ReceivedSpan[] = [];
  const paths: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      paths.push(`${request.method} ${request.url} ${request.headers['content-type']}`);
      const exported = JSON.parse(body) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: { stringValue?: string } }[] };
          scopeSpans: { spans: Omit<ReceivedSpan, 'service'>[] }[];
        }[];
      };
      for (const resourceSpans of exported.resourceSpans) {
        const service = resourceSpans.resource.attributes.find((attribute) => attribute.key === 'service.name')?.value.stringValue ?? '';
        for (const scope of resourceSpans.scopeSpans) {
          for (const span of scope.spans) spans.push({ ...span, service });
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, paths, server };
}

let server: ChildServer | undefined;
let receiver: Server | undefined;
let namespace: string | undefined;
afterEach(async () => {
  await server?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
  if (namespace) {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${namespace}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
  server = undefined;
  receiver = undefined;
  namespace = undefined;
});

describe('strategy-center serve with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('exports a click’s spans over OTLP/HTTP to the collector, under the trace id its event trace names', async () => {
    const collector = await startReceiver();
    receiver = collector.server;
    namespace = uniqueName('otlp_e2e');
    server = await spawnServer(sampleConfigFile(), {
      REDIS_URL,
      NAMESPACE: namespace,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: 'sc-otlp-e2e',
      // The SDK's batch delay (default 5 s), shortened so the test need not wait.
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    const url = server.url;
    const post = async (path: string, body: unknown) =>
      (
        await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
      ).json() as Promise<any>;
    for (const [i, itemId] of ['sku-001', 'sku-002', 'sku-001'].entries()) {
      await post('/v1/behaviors', { userId: 'u1', type: 'item_view', itemId, eventId: `v${i}` });
    }
    const get = async (path: string) => (await fetch(`${url}${path}`)).json() as Promise<any>;
    await eventually(async () => (await get('/v1/activities/act-1001/users/u1')).prepared !== undefined, 10_000);
    const click = await post('/v1/channels/home_banner/events', { userId: 'u1', eventId: 'click-otlp' });
    expect(click.outcomes[0].status).toBe('issued');
    const eventTrace = await get('/v1/events/click-otlp/trace');
    const traceId: string = eventTrace.chains[0].traceId;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const names = () => collector.spans.filter((span) => span.traceId === traceId).map((span) => span.name);
    await eventually(
      () => ['POST /v1/channels/:channelCode/events', 'chain act-1001', 'ledger issueNext'].every((name) => names().includes(name)),
      15_000,
      () => `spans of ${traceId}: ${names().join(', ')}; exports: ${collector.paths.join(' | ')}`,
    );
    expect(names()).toEqual(expect.arrayContaining(['processor send-benefit', 'processor build-result']));
    expect(names().some((name) => name.startsWith('redis '))).toBe(true);
    expect(collector.paths[0]).toBe('POST /v1/traces application/json');
    expect(new Set(collector.spans.map((span) => span.service))).toEqual(new Set(['sc-otlp-e2e']));
    // The preparation chain of the third view ran in its own trace, under that request.
    const prepared = collector.spans.find((span) => span.name === 'chain act-1001' && span.traceId !== traceId);
    expect(collector.spans.find((span) => span.spanId === prepared?.parentSpanId)?.name).toBe('behavior process');
  }, 60_000);
});
