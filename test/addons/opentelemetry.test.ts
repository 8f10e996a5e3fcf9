import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTelemetry } from '../../src/addons/opentelemetry.js';
import { bearerToken, createScimServer, MemoryStore, type ScimServerOptions, silentLogger } from '../../src/index.js';

const TOKEN = 'otel-test-token-0123456789-0123456789-ab';
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** A reader whose collect() the test calls. */
class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => void context.setGlobalContextManager(contextManager.enable()));
afterAll(() => {
  contextManager.disable();
  context.disable();
});

function setup(options: Partial<ScimServerOptions> = {}) {
  const spans = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }).getTracer('test');
  const reader = new TestReader();
  const meter = new MeterProvider({ readers: [reader] }).getMeter('test');
  const server = createScimServer({ authenticate: bearerToken(TOKEN), telemetry: openTelemetry({ tracer, meter }), logger: silentLogger, ...options });
  const call = (method: string, target: string, body?: unknown) =>
    server.handle({
      method,
      path: target.split('?')[0]!,
      query: target.split('?')[1] ?? '',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  /** Every data point of a metric, as [attributes, value]. */
  const points = async (name: string) => {
    await server.activity.flush();
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
    return (metric?.dataPoints ?? []).map((p) => [p.attributes, p.value] as const);
  };
  return { server, call, spans, points, tracer };
}

describe('OpenTelemetry', () => {
  it('a span per request with SCIM attributes, and a child span per store call', async () => {
    const { call, spans } = setup();
    const created = await call('POST', '/Users', { schemas: [U], userName: 'otel@acme.io' });
    expect(created.status).toBe(201);
    const finished = spans.getFinishedSpans();
    const request = finished.find((s) => s.name === 'scim create User')!;
    expect(request).toBeDefined();
    expect(request.attributes).toMatchObject({
      'scim.tenant': 'default',
      'scim.resource_type': 'User',
      'scim.operation': 'create',
      'http.response.status_code': 201,
      'scim.request_id': created.headers['x-request-id'],
    });
    const store = finished.filter((s) => s.name.startsWith('scim.store '));
    expect(store.map((s) => s.name)).toContain('scim.store create');
    for (const s of store) expect(s.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
  });

  it('spans carry no token and no password', async () => {
    const { call, spans } = setup();
    await call('POST', '/Users', { schemas: [U], userName: 'secret@acme.io', password: 'Pa55w0rd!' });
    const all = JSON.stringify(spans.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
    expect(all).not.toContain('Pa55w0rd!');
    expect(all).not.toContain(TOKEN);
  });

  it('a 4xx carries scim.error.type; a 5xx is an error span with the exception', async () => {
    const store = new MemoryStore();
    store.get = async () => {
      throw new Error('db gone');
    };
    const { call, spans } = setup({ store });
    await call('GET', '/Users?filter=bad%20filter');
    await call('GET', '/Users/x');
    const [bad, failed] = spans.getFinishedSpans().filter((s) => s.name.startsWith('scim ') && !s.name.startsWith('scim.store'));
    expect(bad!.attributes).toMatchObject({ 'scim.operation': 'list', 'http.response.status_code': 400, 'scim.error.type': 'invalidFilter' });
    expect(failed!.status.code).toBe(2);
    expect(failed!.events.some((e) => e.name === 'exception')).toBe(true);
    const storeSpan = spans.getFinishedSpans().find((s) => s.name === 'scim.store get')!;
    expect(storeSpan.status.code).toBe(2);
  });

  it('the request span is a child of the HTTP span that is active when handle runs', async () => {
    const { server, tracer, spans } = setup();
    await tracer.startActiveSpan('GET /scim/v2/Users', async (http) => {
      await server.handle({ method: 'GET', path: '/Users', headers: { authorization: `Bearer ${TOKEN}` } });
      http.end();
    });
    const http = spans.getFinishedSpans().find((s) => s.name === 'GET /scim/v2/Users')!;
    const scim = spans.getFinishedSpans().find((s) => s.name === 'scim list User')!;
    expect(scim.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
    expect(trace.getActiveSpan()).toBeUndefined();
  });

  it('metrics: requests and durations by tenant, operation, resource type and status; 429s', async () => {
    const { call, points } = setup({ rateLimits: { perTenant: { burst: 2, perSecond: 0.001 } } });
    await call('GET', '/Users');
    await call('GET', '/Users');
    await call('GET', '/Users');
    const counts = await points('scim.server.requests');
    const byStatus = Object.fromEntries(counts.map(([a, v]) => [String(a['http.response.status_code']), v]));
    expect(byStatus).toEqual({ 200: 2, 429: 1 });
    expect(counts[0]![0]).toMatchObject({ 'scim.tenant': 'default', 'scim.operation': 'list', 'scim.resource_type': 'User' });
    const durations = await points('scim.server.request.duration');
    expect(durations.reduce((n, [, v]) => n + (v as { count: number }).count, 0)).toBe(3);
    expect((await points('scim.server.rate_limited')).map(([, v]) => v)).toEqual([1]);
  });

  it('a refused request adds no tenant to metrics or spans: its path could name any', async () => {
    const { server, points, spans } = setup({ tenantInPath: true, authenticate: bearerToken(TOKEN, { tenant: 'acme' }) });
    for (const t of ['x1', 'x2', 'x3']) await server.handle({ method: 'GET', path: `/${t}/Users`, headers: { authorization: 'Bearer nope' } });
    const counts = await points('scim.server.requests');
    expect(counts.map(([a]) => a['scim.tenant'])).toEqual([undefined]);
    expect(spans.getFinishedSpans().every((s) => s.attributes['scim.tenant'] === undefined)).toBe(true);
  });

  it('metrics: events delivered and dead-lettered', async () => {
    let fail = false;
    const { call, points } = setup({
      hooks: {
        onEvent: () => {
          if (fail) throw new Error('consumer down');
        },
      },
      events: { mode: 'beforeResponse', maxAttempts: 1 },
      logger: { info: () => {}, warn: () => {}, error: () => {} },
    });
    await call('POST', '/Users', { schemas: [U], userName: 'ev1' });
    fail = true;
    await call('POST', '/Users', { schemas: [U], userName: 'ev2' });
    await expect.poll(async () => (await points('scim.events.dead_lettered')).map(([, v]) => v)).toEqual([1]);
    expect(await points('scim.events.delivered')).toEqual([[{ 'scim.event.type': 'user.created', 'scim.tenant': 'default' }, 1]]);
  });
});
