import { ROOT_CONTEXT, TraceFlags, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { activeTraceIds, sampledTraceId } from './trace-context';

const traceId = '0af7651916cd43dd8448eb211c80319c';
const spanId = 'b7ad6b7169203331';

describe('trace ids of the active span', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => context.disable());

  const within = <T>(traceFlags: number, fn: () => T): T =>
    context.with(trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags }), fn);

  it('gives exemplars only a sampled trace, logs and events any valid one', () => {
    expect(within(TraceFlags.SAMPLED, sampledTraceId)).toBe(traceId);
    expect(within(TraceFlags.NONE, sampledTraceId)).toBeUndefined();
    expect(within(TraceFlags.NONE, activeTraceIds)).toEqual({ traceId, spanId });
  });

  it('gives nothing outside a span', () => {
    expect(sampledTraceId()).toBeUndefined();
    expect(activeTraceIds()).toBeUndefined();
  });
});
