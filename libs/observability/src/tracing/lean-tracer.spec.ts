import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  context,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { LeanTracerProvider } from './lean-tracer';
import type { SpanRecord } from './otlp-proto';
import { samplerFromEnv } from './sampler';

const traceId = '0af7651916cd43dd8448eb211c80319c';
const parentId = 'b7ad6b7169203331';
const parentCtx = (traceFlags: number) =>
  trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: parentId, traceFlags, isRemote: true });

describe('LeanTracerProvider', () => {
  let ended: SpanRecord[];
  const sink = { add: (span: SpanRecord) => ended.push(span) };
  beforeEach(() => (ended = []));
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => context.disable());

  it('records a sampled child of the caller with everything set on it', () => {
    const tracer = new LeanTracerProvider(samplerFromEnv(undefined, undefined), sink).getTracer(
      'scope-a',
      '1.2.3',
    );
    const before = performance.now();
    const attributes = { 'http.request.method': 'GET' };
    const span = tracer.startSpan(
      'GET',
      { kind: SpanKind.SERVER, attributes },
      parentCtx(TraceFlags.SAMPLED),
    );
    attributes['http.request.method'] = 'changed by the caller afterwards';
    expect(span.isRecording()).toBe(true);
    span.setAttribute('http.response.status_code', 500);
    span.setAttributes({ 'http.route': '/' });
    span.updateName('GET /');
    span.recordException(new TypeError('bad'));
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
    span.setStatus({ code: SpanStatusCode.UNSET });
    span.end();
    span.end();
    span.setAttribute('after', 'end');
    expect(span.isRecording()).toBe(false);

    expect(ended).toHaveLength(1);
    const [record] = ended;
    expect(record).toEqual({
      traceId,
      spanId: span.spanContext().spanId,
      parentSpanId: parentId,
      traceState: undefined,
      name: 'GET /',
      kind: 2,
      start: expect.any(Number),
      end: expect.any(Number),
      attributes: {
        'http.request.method': 'GET',
        'http.response.status_code': 500,
        'http.route': '/',
      },
      events: [
        {
          name: 'exception',
          time: expect.any(Number),
          attributes: {
            'exception.type': 'TypeError',
            'exception.message': 'bad',
            'exception.stacktrace': expect.stringContaining('TypeError: bad'),
          },
        },
      ],
      statusCode: 2,
      statusMessage: 'failed',
      flags: TraceFlags.SAMPLED,
      scope: { name: 'scope-a', version: '1.2.3' },
    });
    expect(span.spanContext().spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.spanContext().spanId).not.toBe(parentId);
    expect(record.start).toBeGreaterThanOrEqual(before);
    expect(record.end).toBeGreaterThanOrEqual(record.start);
    expect(record.end).toBeLessThanOrEqual(performance.now());
  });

  it('follows the caller: an unsampled parent gives a non-recording span in its trace', () => {
    const tracer = new LeanTracerProvider(samplerFromEnv(undefined, undefined), sink).getTracer(
      's',
    );
    const span = tracer.startSpan('GET', {}, parentCtx(TraceFlags.NONE));
    expect(span.isRecording()).toBe(false);
    expect(span.spanContext()).toMatchObject({ traceId, traceFlags: TraceFlags.NONE });
    span.end();
    expect(ended).toEqual([]);
  });

  it('starts a new trace at the root, sampled per the ratio on the trace id', () => {
    const none = new LeanTracerProvider(samplerFromEnv('traceidratio', 0), sink).getTracer('s');
    const all = new LeanTracerProvider(samplerFromEnv('traceidratio', 1), sink).getTracer('s');
    const half = new LeanTracerProvider(
      samplerFromEnv('parentbased_traceidratio', 0.5),
      sink,
    ).getTracer('s');
    const roots = Array.from({ length: 2000 }, () => half.startSpan('x', {}, ROOT_CONTEXT));
    const sampled = roots.filter((s) => s.isRecording()).length;
    expect(sampled).toBeGreaterThan(850);
    expect(sampled).toBeLessThan(1150);
    expect(none.startSpan('x', {}, ROOT_CONTEXT).isRecording()).toBe(false);
    const root = all.startSpan('x', {}, ROOT_CONTEXT);
    expect(root.isRecording()).toBe(true);
    root.end();
    expect(ended[0].parentSpanId).toBeUndefined();
    expect(ended[0].traceId).toMatch(/^[0-9a-f]{32}$/);
    // Parent-based: a sampled caller is followed whatever the ratio.
    const zero = new LeanTracerProvider(
      samplerFromEnv('parentbased_traceidratio', 0),
      sink,
    ).getTracer('s');
    expect(zero.startSpan('x', {}, parentCtx(TraceFlags.SAMPLED)).isRecording()).toBe(true);
    expect(
      new LeanTracerProvider(samplerFromEnv('always_off', undefined), sink)
        .getTracer('s')
        .startSpan('x', {}, parentCtx(TraceFlags.SAMPLED))
        .isRecording(),
    ).toBe(false);
  });

  it('propagates only without a sink: the caller’s context passes through untouched', () => {
    const tracer = new LeanTracerProvider(
      samplerFromEnv(undefined, undefined),
      undefined,
    ).getTracer('s');
    const through = tracer.startSpan('GET', {}, parentCtx(TraceFlags.SAMPLED));
    expect(through.isRecording()).toBe(false);
    expect(through.spanContext()).toMatchObject({
      traceId,
      spanId: parentId,
      traceFlags: TraceFlags.SAMPLED,
    });
    const fresh = tracer.startSpan('GET', {}, ROOT_CONTEXT);
    expect(fresh.spanContext()).toEqual({
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
      traceFlags: TraceFlags.NONE,
    });
    fresh.end();
    expect(ended).toEqual([]);
  });

  it('takes explicit times as epoch milliseconds, Dates or HrTime', () => {
    const tracer = new LeanTracerProvider(samplerFromEnv('always_on', undefined), sink).getTracer(
      's',
    );
    const epochMs = performance.timeOrigin + 1000;
    const span = tracer.startSpan('x', { startTime: epochMs }, ROOT_CONTEXT);
    span.addEvent('e', new Date(Math.round(epochMs) + 500));
    span.end([Math.floor((epochMs + 2000) / 1000), ((epochMs + 2000) % 1000) * 1e6]);
    expect(ended[0].start).toBeCloseTo(1000, 3);
    expect(ended[0].events[0].time).toBeCloseTo(1500 + Math.round(epochMs) - epochMs, 3);
    expect(ended[0].end).toBeCloseTo(3000, 3);
  });

  it('startActiveSpan makes the span active inside the callback', () => {
    const tracer = new LeanTracerProvider(samplerFromEnv('always_on', undefined), sink).getTracer(
      's',
    );
    const seen = tracer.startActiveSpan('outer', (span) => {
      const active = trace.getActiveSpan()?.spanContext().spanId;
      span.end();
      return active === span.spanContext().spanId;
    });
    expect(seen).toBe(true);
    expect(ended.map((s) => s.name)).toEqual(['outer']);
  });
});
