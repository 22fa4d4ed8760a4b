import { context, isSpanContextValid, propagation, trace } from '@opentelemetry/api';
import { otelSchema } from './otel-config';
import { type Tracing, startTracing, tracingMode } from './tracing';

const config = (env: Record<string, string>) => otelSchema('web').parse(env);

describe('tracingMode', () => {
  it.each([
    [{}, 'propagate'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, 'export'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, 'export'],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' },
      'propagate',
    ],
    [{ OTEL_TRACES_EXPORTER: 'console' }, 'export'],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' },
      'disabled',
    ],
  ])('%j → %s', (env, expected) => {
    expect(tracingMode(config(env))).toBe(expected);
  });
});

describe('the OTEL_* schema', () => {
  it('reads booleans and the log level in any case, as the specification and NodeSDK do', () => {
    expect(tracingMode(config({ OTEL_SDK_DISABLED: 'TRUE' }))).toBe('disabled');
    expect(tracingMode(config({ OTEL_SDK_DISABLED: 'False' }))).toBe('propagate');
    expect(config({ OTEL_LOG_LEVEL: 'DEBUG' }).OTEL_LOG_LEVEL).toBe('debug');
  });

  it('ignores empty list items and refuses what is neither true nor false', () => {
    expect(config({ OTEL_PROPAGATORS: 'tracecontext,baggage,' }).OTEL_PROPAGATORS).toBe(
      'tracecontext,baggage,',
    );
    expect(() => config({ OTEL_SDK_DISABLED: '1' })).toThrow('must be true or false');
    expect(() => config({ OTEL_LOG_LEVEL: 'loud' })).toThrow(
      'must be none, error, warn, info, debug, verbose or all',
    );
  });

  it('takes every OTLP protocol and propagator the SDK knows', () => {
    expect(
      config({
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_PROPAGATORS: 'tracecontext, baggage,b3multi',
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      }),
    ).toMatchObject({
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
    });
  });

  it('refuses what the SDK would ignore with a warning', () => {
    expect(() => config({ OTEL_RESOURCE_ATTRIBUTES: 'no-equals-sign' })).toThrow(
      /must be key=value/,
    );
    expect(() => config({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http' })).toThrow(
      /must be grpc, http\/protobuf or http\/json/,
    );
    expect(() => config({ OTEL_PROPAGATORS: 'tracecontext,jaeger' })).toThrow(
      /comma-separated list of tracecontext, baggage, b3, b3multi, none/,
    );
    expect(() => config({ OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow();
    expect(() => config({ OTEL_BSP_MAX_QUEUE_SIZE: '0' })).toThrow();
  });
});

/**
 * startTracing for real (NodeSDK) in the modes that send nothing. Exporting is covered by the
 * apps' process e2e specs: the OTLP exporters load their HTTP agent with a dynamic import(),
 * which jest's module sandbox refuses.
 */
describe('startTracing', () => {
  const saved = { ...process.env };
  let tracing: Tracing | undefined;

  function start(env: Record<string, string>): Tracing {
    Object.assign(process.env, env);
    tracing = startTracing({ defaultServiceName: 'web', config: config(env) });
    return tracing;
  }

  afterEach(async () => {
    await tracing?.shutdown();
    tracing = undefined;
    process.env = { ...saved };
    trace.disable();
    context.disable();
    propagation.disable();
  });

  const tracer = () => trace.getTracer('spec');
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  it('records nothing without an exporter, yet passes the caller’s context on', () => {
    expect(start({}).mode).toBe('propagate');
    const parent = propagation.extract(context.active(), { traceparent });
    const span = tracer().startSpan('GET', {}, parent);
    expect(span.isRecording()).toBe(false);
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(parent, span), carrier);
    expect(carrier).toEqual({ traceparent });
    // The SDK's default propagators: W3C trace context and baggage.
    expect(propagation.fields()).toEqual(['traceparent', 'tracestate', 'baggage']);
  });

  it('records nothing with OTEL_TRACES_EXPORTER=none, even with an endpoint', () => {
    start({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect(tracing!.mode).toBe('propagate');
    expect(tracer().startSpan('GET').isRecording()).toBe(false);
  });

  it('follows OTEL_PROPAGATORS', () => {
    start({ OTEL_PROPAGATORS: 'b3' });
    expect(propagation.fields()).toEqual(['b3']);
  });

  it('does nothing at all with OTEL_SDK_DISABLED=true', () => {
    start({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect(tracing!.mode).toBe('disabled');
    expect(propagation.fields()).toEqual([]);
    const span = tracer().startSpan(
      'GET',
      {},
      propagation.extract(context.active(), { traceparent }),
    );
    expect(isSpanContextValid(span.spanContext())).toBe(false);
  });
});
