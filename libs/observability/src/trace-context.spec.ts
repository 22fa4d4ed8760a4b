import { ROOT_CONTEXT, TraceFlags, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOnSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import { activeTraceIds, sampledTraceId } from './trace-context';

const traceId = '0af7651916cd43dd8448eb211c80319c';
const spanId = 'b7ad6b7169203331';

describe('trace ids of the active span', () => {
  const provider = new TracerProvider({ sampler: new AlwaysOnSampler() });
  const tracer = provider.getTracer('test');

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(async () => {
    context.disable();
    await provider.shutdown();
  });

  const parent = (traceFlags: number) =>
    trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags });

  it('gives exemplars only a trace this process records, logs and events any valid one', () => {
    const recorded = tracer.startSpan('recorded', {}, parent(TraceFlags.SAMPLED));
    expect(context.with(trace.setSpan(ROOT_CONTEXT, recorded), sampledTraceId)).toBe(traceId);
    recorded.end();
    // A caller's sampled trace passing through a process that records nothing: no exemplar.
    expect(context.with(parent(TraceFlags.SAMPLED), sampledTraceId)).toBeUndefined();
    expect(context.with(parent(TraceFlags.NONE), sampledTraceId)).toBeUndefined();
    expect(context.with(parent(TraceFlags.NONE), activeTraceIds)).toEqual({ traceId, spanId });
  });

  it('gives nothing outside a span', () => {
    expect(sampledTraceId()).toBeUndefined();
    expect(activeTraceIds()).toBeUndefined();
  });
});
