import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { runInHttpServerSpan, setHttpRoute } from './http-server-span';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';

describe('runInHttpServerSpan', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('test');
  let server: Server;
  let base: string;
  /** What the handler saw as the active span, after an await (context carried by ALS). */
  let seen: { traceId: string; spanId: string } | undefined;
  let handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>;

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    server = createServer((req, res) =>
      runInHttpServerSpan(tracer, req, res, () => void handler(req, res)),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await provider.shutdown();
    context.disable();
    propagation.disable();
  });

  beforeEach(() => {
    exporter.reset();
    seen = undefined;
    handler = async (_req, res) => {
      await sleep(1);
      const active = trace.getActiveSpan()?.spanContext();
      seen = active && { traceId: active.traceId, spanId: active.spanId };
      res.writeHead(200, { 'content-length': '2' }).end('ok');
    };
  });

  async function spans(count: number): Promise<ReadableSpan[]> {
    for (let i = 0; i < 100 && exporter.getFinishedSpans().length < count; i++) await sleep(10);
    return exporter.getFinishedSpans();
  }

  it('continues the caller’s trace with a SERVER span following the HTTP conventions', async () => {
    const res = await fetch(`${base}/things?id=7`, {
      headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, 'user-agent': 'spec/1.0' },
    });
    expect(await res.text()).toBe('ok');

    const [span] = await spans(1);
    expect(span.name).toBe('GET');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(span.parentSpanContext?.spanId).toBe(PARENT_ID);
    expect(span.status).toEqual({ code: SpanStatusCode.UNSET });
    expect(span.attributes).toEqual({
      'http.request.method': 'GET',
      'url.path': '/things',
      'url.query': 'id=7',
      'url.scheme': 'http',
      'network.protocol.version': '1.1',
      'client.address': '127.0.0.1',
      'user_agent.original': 'spec/1.0',
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(base).port),
      'http.response.status_code': 200,
    });
    // The handler, after an await, saw this span as the active one.
    expect(seen).toEqual({ traceId: TRACE_ID, spanId: span.spanContext().spanId });
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });

  it('starts a new trace without a traceparent', async () => {
    await (await fetch(`${base}/`)).text();
    const [span] = await spans(1);
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.spanContext().traceId).not.toBe(TRACE_ID);
  });

  it('takes the route a router found as span name and http.route', async () => {
    handler = async (req, res) => {
      await sleep(1);
      setHttpRoute(res, req.method, '/things/:id');
      res.writeHead(204).end();
    };
    await fetch(`${base}/things/42`, { method: 'DELETE' });
    const [span] = await spans(1);
    expect(span.name).toBe('DELETE /things/:id');
    expect(span.attributes['http.route']).toBe('/things/:id');
    expect(span.attributes['http.response.status_code']).toBe(204);
  });

  it('marks 5xx as an error with error.type, and leaves 4xx to the client', async () => {
    handler = async (req, res) => {
      await sleep(1);
      res.writeHead(req.url === '/fail' ? 503 : 404).end();
    };
    await fetch(`${base}/fail`);
    await fetch(`${base}/missing`);
    const [failed, missing] = await spans(2);
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR });
    expect(failed.attributes['error.type']).toBe('503');
    expect(missing.status).toEqual({ code: SpanStatusCode.UNSET });
    expect(missing.attributes['error.type']).toBeUndefined();
    expect(missing.attributes['http.response.status_code']).toBe(404);
  });

  it('names a response cut before its end an error (_OTHER)', async () => {
    handler = async (_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      await sleep(20);
      res.destroy();
    };
    await expect(fetch(`${base}/`).then((r) => r.text())).rejects.toThrow();
    const [span] = await spans(1);
    expect(span.attributes['error.type']).toBe('_OTHER');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'response not completed' });
  });

  it('bounds the name of an unknown method: HTTP, with the original method kept', async () => {
    await fetch(`${base}/`, { method: 'PURGE' });
    const [span] = await spans(1);
    expect(span.name).toBe('HTTP');
    expect(span.attributes['http.request.method']).toBe('_OTHER');
    expect(span.attributes['http.request.method_original']).toBe('PURGE');
  });

  it('records nothing for an unsampled caller, yet carries its trace id onward', async () => {
    await (
      await fetch(`${base}/`, { headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-00` } })
    ).text();
    await sleep(20);
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(seen?.traceId).toBe(TRACE_ID);
  });
});

describe('runInHttpServerSpan without a tracer provider (no exporter configured)', () => {
  // No global tracer provider is registered in this file: the API's no-op tracer, as NodeSDK
  // leaves it when it has no span processor.
  const tracer = trace.getTracer('none');
  let server: Server;
  let base: string;
  const seen: { traceId: string; spanId: string; traceFlags: number }[] = [];

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const handle = async (res: ServerResponse) => {
      await sleep(1);
      const { traceId, spanId, traceFlags } = trace.getActiveSpan()!.spanContext();
      seen.push({ traceId, spanId, traceFlags });
      res.writeHead(204).end();
    };
    server = createServer((req, res) =>
      runInHttpServerSpan(tracer, req, res, () => void handle(res)),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    context.disable();
    propagation.disable();
  });

  beforeEach(() => {
    seen.length = 0;
  });

  it('gives a request without traceparent a fresh, unsampled trace id of its own', async () => {
    await fetch(`${base}/`);
    await fetch(`${base}/`);
    expect(seen).toEqual([
      {
        traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
        spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
        traceFlags: 0,
      },
      {
        traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
        spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
        traceFlags: 0,
      },
    ]);
    expect(seen[0].traceId).not.toBe(seen[1].traceId);
  });

  it('passes the caller’s context through untouched', async () => {
    await fetch(`${base}/`, { headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` } });
    expect(seen).toEqual([{ traceId: TRACE_ID, spanId: PARENT_ID, traceFlags: 1 }]);
  });
});
