import { hostname } from 'node:os';
import { loadConfig } from '@app/config';
import { webConfigSchema } from './web.config';

describe('webConfigSchema', () => {
  it('has the documented defaults', () => {
    expect(loadConfig(webConfigSchema, {})).toEqual({
      PORT: 3000,
      HOST: '0.0.0.0',
      REDIS_URL: 'redis://127.0.0.1:6379',
      NODE_NAME: hostname(),
      LOG_LEVEL: 'info',
      REDIS_TIMEOUT_MS: 500,
      DEADLINE_MARGIN_MS: 50,
      IDEMPOTENCY_TTL_MS: 30_000,
      SHUTDOWN_DELAY_MS: 3000,
      SHUTDOWN_TIMEOUT_MS: 5000,
      OTEL_SERVICE_NAME: 'web',
      // The SDK's defaults (timeouts, batch sizes) are the SDK's: nothing of ours to fill in.
      OTEL_TRACES_EXPORTER: 'otlp',
    });
  });

  it('accepts the standard OTEL variables', () => {
    expect(
      loadConfig(webConfigSchema, {
        OTEL_SERVICE_NAME: 'web-blue',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      }),
    ).toMatchObject({
      OTEL_SERVICE_NAME: 'web-blue',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: 0.25,
    });
  });

  it.each(['web 1', '-web', 'x'.repeat(64)])('rejects NODE_NAME %j', (name) => {
    expect(() => loadConfig(webConfigSchema, { NODE_NAME: name })).toThrow(/- NODE_NAME: /);
  });

  it.each(['999', '86400001', '1.5', 'a minute'])('rejects IDEMPOTENCY_TTL_MS %j', (v) => {
    expect(() => loadConfig(webConfigSchema, { IDEMPOTENCY_TTL_MS: v })).toThrow(
      /- IDEMPOTENCY_TTL_MS: /,
    );
  });
});
