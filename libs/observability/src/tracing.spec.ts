import { otelSchema } from './otel-config';
import { parseKeyValues, tracesEndpoint, tracingMode } from './tracing';

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

describe('tracesEndpoint', () => {
  it('appends /v1/traces to the base endpoint, takes the traces endpoint as is', () => {
    expect(tracesEndpoint(config({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }))).toBe(
      'http://c:4318/v1/traces',
    );
    expect(
      tracesEndpoint(
        config({
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:4318/custom',
        }),
      ),
    ).toBe('http://t:4318/custom');
    expect(tracesEndpoint(config({}))).toBeUndefined();
  });
});

describe('parseKeyValues', () => {
  it('reads key=value lists with percent-encoded values', () => {
    expect(parseKeyValues('a=1, b = two%20words ,c=x%3Dy')).toEqual({
      a: '1',
      b: 'two words',
      c: 'x=y',
    });
    expect(parseKeyValues(undefined)).toEqual({});
  });

  it('is validated with the configuration', () => {
    expect(() => config({ OTEL_RESOURCE_ATTRIBUTES: 'no-equals-sign' })).toThrow(
      /must be key=value/,
    );
    expect(() => config({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      /only http\/protobuf is supported/,
    );
  });
});
