import { Writable } from 'node:stream';
import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/access/http/http-server.js';
import { type App, createApp } from '../../src/app/create-app.js';
import { startTracing, type Tracing } from '../../src/app/tracing.js';
import { createBroker } from '../../src/infra/broker/create-broker.js';
import { traceLogFields } from '../../src/service/tracing.js';
import { BROKERS } from '../support/broker-e2e.js';
import { sampleConfigFile } from '../support/sample-app.js';
import { REDIS_URL, uniqueName } from '../support/services.js';
import { eventually } from '../support/timing.js';

const waitFor = (probe: () => boolean | Promise<boolean>, timeoutMs = 10_000) => eventually(probe, timeoutMs);

/** Every span the process ends, kept in memory; one provider for the file (the API's registration is global). */
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
beforeAll(async () => {
  tracing = await startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
});
afterAll(async () => {
  await tracing.shutdown();
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  exporter.reset();
});

/** Log lines as parsed JSON, from a pino logger built as `serve` builds it (with the trace mixin). */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info', mixin: traceLogFields }, sink), lines };
}

async function listening(app: App, logger?: ReturnType<typeof capturedLogger>['logger']) {
  const http: FastifyInstance = buildHttpServer(app, logger ? { logger } : {});
  const url = await http.listen({ port: 0, host: '127.0.0.1' });
  closers.push(() => http.close());
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const get = async (path: string) => (await fetch(`${url}${path}`)).json() as Promise<any>;
  return { post, get };
}

const spanNamed = (spans: readonly ReadableSpan[], name: string) => {
  const found = spans.find((span) => span.name === name);
  if (!found) throw new Error(`no span '${name}' among: ${spans.map((span) => span.name).join(', ')}`);
  return found;
};
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const traceOf = (span: ReadableSpan) => span.spanContext().traceId;

async function viewThreeItems(post: (path: string, body: unknown) => Promise<{ status: number }>, userId: string) {
  for (const [i, itemId] of ['sku-001', 'sku-002', 'sku-001'].entries()) {
    expect((await post('/v1/behaviors', { userId, type: 'item_view', itemId, eventId: `${userId}-v${i}` })).status).toBe(202);
  }
}

describe('OpenTelemetry spans (in-memory exporter)', () => {
  it('one click: the request span holds the chain, its processors, the ledger call and Redis round trips, under one trace id kept in the event trace', async () => {
    const namespace = uniqueName('otel_click');
    const app = await createApp({ configPath: sampleConfigFile(), env: { REDIS_URL, NAMESPACE: namespace } });
    closers.push(() => app.close());
    await app.startConsuming();
    const { post, get } = await listening(app);
    await viewThreeItems(post, 'u1');
    await waitFor(async () => (await get('/v1/activities/act-1001/users/u1')).prepared !== undefined);
    exporter.reset();

    const click = await post('/v1/channels/home_banner/events', { userId: 'u1', eventId: 'click-1' });
    expect(click.body.outcomes[0].status).toBe('issued');
    await waitFor(() => exporter.getFinishedSpans().some((span) => span.name === 'POST /v1/channels/:channelCode/events'));

    const spans = exporter.getFinishedSpans();
    const request = spanNamed(spans, 'POST /v1/channels/:channelCode/events');
    const inTrace = spans.filter((span) => traceOf(span) === traceOf(request));
    const chain = spanNamed(inTrace, 'chain act-1001');
    const sendBenefit = spanNamed(inTrace, 'processor send-benefit');
    const ledger = spanNamed(inTrace, 'ledger issueNext');
    expect(request.attributes).toMatchObject({ 'http.route': '/v1/channels/:channelCode/events', 'http.response.status_code': 200 });
    expect(parentOf(chain)).toBe(idOf(request));
    expect(chain.attributes).toMatchObject({ 'activity.id': 'act-1001', 'chain.status': 'issued', 'event.id': 'click-1' });
    for (const processor of ['check-event', 'query-asset', 'send-benefit', 'build-result']) {
      expect(parentOf(spanNamed(inTrace, `processor ${processor}`))).toBe(idOf(chain));
    }
    expect(parentOf(ledger)).toBe(idOf(sendBenefit));
    expect(ledger.attributes['ledger.result']).toBe('issued');
    // Redis round trips (the prepared offer read, event identity, trace append) hang in the same tree.
    const redis = inTrace.filter((span) => span.name.startsWith('redis '));
    expect(redis.length).toBeGreaterThan(0);
    const ids = new Set(inTrace.map(idOf));
    for (const span of redis) expect(ids.has(parentOf(span) ?? '')).toBe(true);
    expect(
      redis.some((span) => parentOf(span) === idOf(spanNamed(inTrace, 'processor query-asset')) || parentOf(span) === idOf(chain)),
    ).toBe(true);

    const trace = await get('/v1/events/click-1/trace');
    expect(trace.chains[0].traceId).toBe(traceOf(request));
  });

  it('continues a caller’s traceparent, and writes the trace id in the log lines of a failing chain', async () => {
    const { logger, lines } = capturedLogger();
    const app = await createApp({
      configPath: sampleConfigFile(),
      env: { STRATEGY_CENTER_FAULTS: 'poison-users:poison-' },
      logger,
    });
    closers.push(() => app.close());
    const { post, get } = await listening(app, logger);
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const click = await post(
      '/v1/channels/home_banner/events',
      { userId: 'poison-1', eventId: 'click-poisoned' },
      { traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` },
    );
    expect(click.body.outcomes[0].status).toBe('failed');
    await waitFor(() => exporter.getFinishedSpans().some((span) => span.name.startsWith('POST ')));
    const request = spanNamed(exporter.getFinishedSpans(), 'POST /v1/channels/:channelCode/events');
    expect(traceOf(request)).toBe(callerTrace);
    expect(parentOf(request)).toBe('00f067aa0ba902b7');

    const failed = lines.find((line) => line.msg === 'chain failed');
    expect(failed).toMatchObject({ traceId: callerTrace, eventId: 'click-poisoned', activityId: 'act-1001' });
    expect((await get('/v1/events/click-poisoned/trace')).chains[0].traceId).toBe(callerTrace);
    // A line written outside any span carries no trace fields.
    logger.info('outside');
    expect(lines.at(-1)).not.toHaveProperty('traceId');
  });
});

describe('sampling', () => {
  it('a caller’s unsampled traceparent is followed: nothing recorded, the trace id still kept in the event trace', async () => {
    const app = await createApp({ configPath: sampleConfigFile(), env: { REDIS_URL, NAMESPACE: uniqueName('otel_unsampled') } });
    closers.push(() => app.close());
    const { post, get } = await listening(app);
    const callerTrace = '0af7651916cd43dd8448eb211c80319c';
    await post(
      '/v1/channels/home_banner/events',
      { userId: 'u2', eventId: 'click-unsampled' },
      { traceparent: `00-${callerTrace}-b7ad6b7169203331-00` },
    );
    const sampled = await post('/v1/channels/home_banner/events', { userId: 'u3', eventId: 'click-sampled' });
    expect(sampled.status).toBe(200);
    await waitFor(() => exporter.getFinishedSpans().some((span) => span.name.startsWith('POST ')));
    expect(exporter.getFinishedSpans().filter((span) => traceOf(span) === callerTrace)).toEqual([]);
    expect(exporter.getFinishedSpans().some((span) => span.name.startsWith('redis '))).toBe(true);
    expect((await get('/v1/events/click-unsampled/trace')).chains[0].traceId).toBe(callerTrace);
  });
});

describe.each(BROKERS)('a behavior published through $kind', ({ url, kind }) => {
  it('continues its trace in the worker that prepares it (traceparent in the message)', async () => {
    const namespace = uniqueName(`otel_${kind}`);
    const env = { REDIS_URL, NAMESPACE: namespace, BROKER_URL: url };
    const api = await createApp({ configPath: sampleConfigFile(), env });
    closers.push(async () => {
      await api.close();
      const adapter = await createBroker(url, { name: namespace });
      await adapter.deleteTopology();
      await adapter.close();
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${namespace}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });
    const worker = await createApp({ configPath: sampleConfigFile(), env });
    closers.push(() => worker.close());
    await worker.startConsuming({ concurrency: 4 });
    const { post, get } = await listening(api);

    await viewThreeItems(post, 'u7');
    await waitFor(async () => (await get('/v1/activities/act-1001/users/u7')).prepared !== undefined, 15_000);
    await waitFor(() => exporter.getFinishedSpans().some((span) => span.name === 'chain act-1001'));

    const spans = exporter.getFinishedSpans();
    const publish = spanNamed(spans, 'behavior publish');
    const inTrace = spans.filter((span) => traceOf(span) === traceOf(publish));
    const request = spanNamed(inTrace, 'POST /v1/behaviors');
    const consume = spanNamed(inTrace, 'behavior process');
    const chain = spanNamed(inTrace, 'chain act-1001');
    expect(parentOf(publish)).toBe(idOf(request));
    // The worker's span continues the publisher's from the message's headers: a remote parent.
    expect(parentOf(consume)).toBe(idOf(publish));
    expect(consume.parentSpanContext?.isRemote).toBe(true);
    expect(parentOf(chain)).toBe(idOf(consume));
    expect(parentOf(spanNamed(inTrace, 'processor prepare-item-promotion'))).toBe(idOf(chain));
  }, 30_000);
});

describe('a raw behavior from a clickstream relay', () => {
  it('continues the relay’s traceparent through the rule it fires into the preparation chain', async () => {
    const app = await createApp({ configPath: sampleConfigFile(), env: {} });
    closers.push(() => app.close());
    await app.startConsuming({ concurrency: 4 });
    const relayTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const relaySpanId = '00f067aa0ba902b7';
    const headers = { traceparent: `00-${relayTraceId}-${relaySpanId}-01` };
    for (const [i, itemId] of ['sku-001', 'sku-002', 'sku-001'].entries()) {
      const body = JSON.stringify({ userId: 'relay-u1', type: 'item_view', itemId, eventId: `relay-v${i}` });
      // As a relay instrumented with OpenTelemetry publishes: inside its own span's context.
      await context.with(propagation.extract(ROOT_CONTEXT, headers), () => app.rawBehaviors.publishRaw(body));
    }
    await waitFor(
      () => exporter.getFinishedSpans().some((span) => span.name === 'chain act-1001' && traceOf(span) === relayTraceId),
      15_000,
    );

    const inTrace = exporter.getFinishedSpans().filter((span) => traceOf(span) === relayTraceId);
    const sent = inTrace.filter((span) => span.name === 'raw behavior publish');
    expect(sent.map(parentOf)).toEqual([relaySpanId, relaySpanId, relaySpanId]);
    const received = inTrace.filter((span) => span.name === 'raw behavior process');
    expect(received).toHaveLength(3);
    // Each delivery continues from the headers of its message, not from the publisher's context.
    expect(received.every((span) => span.parentSpanContext?.isRemote)).toBe(true);
    expect(new Set(received.map(parentOf))).toEqual(new Set(sent.map(idOf)));
    // The third view fires the rule: its message and the chain it runs stay in the relay's trace.
    const publish = spanNamed(inTrace, 'behavior publish');
    expect(received.map(idOf)).toContain(parentOf(publish));
    expect(parentOf(spanNamed(inTrace, 'behavior process'))).toBe(idOf(publish));
  }, 30_000);
});
