import { z } from 'zod';
import { positiveInt } from '@app/config';

const optionalUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional();

const otlpProtocol = z
  .enum(['http/protobuf'], { error: 'only http/protobuf is supported' })
  .optional();

const keyValueList = z
  .string()
  .regex(/^\s*([^=,\s]+\s*=[^,]*)?(\s*,\s*[^=,\s]+\s*=[^,]*)*\s*$/, 'must be key=value,…')
  .optional();

/**
 * The standard `OTEL_*` variables this project honours, validated like the rest of the
 * configuration so a typo in an endpoint fails at startup instead of silently dropping traces.
 * `startTracing()` (tracing.ts) reads the typed result, never `process.env`.
 */
export const otelSchema = (defaultServiceName: string) =>
  z.object({
    OTEL_SERVICE_NAME: z.string().min(1).default(defaultServiceName),
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
    OTEL_TRACES_EXPORTER: z
      .string()
      .regex(/^(otlp|console|none)(,(otlp|console|none))*$/, 'must be otlp, console or none')
      .default('otlp'),
    // Spans go out as OTLP/HTTP with protobuf bodies; gRPC and JSON are not implemented.
    OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol,
    /** `key=value,…` (values percent-encoded), e.g. an authorization header for a vendor. */
    OTEL_EXPORTER_OTLP_HEADERS: keyValueList,
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: keyValueList,
    OTEL_EXPORTER_OTLP_TIMEOUT: positiveInt(10_000),
    OTEL_BSP_SCHEDULE_DELAY: positiveInt(5000),
    OTEL_BSP_MAX_QUEUE_SIZE: positiveInt(2048),
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: positiveInt(512),
    OTEL_RESOURCE_ATTRIBUTES: keyValueList,
    OTEL_TRACES_SAMPLER: z
      .enum([
        'always_on',
        'always_off',
        'traceidratio',
        'parentbased_always_on',
        'parentbased_always_off',
        'parentbased_traceidratio',
      ])
      .optional(),
    OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
    OTEL_SDK_DISABLED: z.enum(['true', 'false']).optional(),
  });

export type OtelConfig = z.output<ReturnType<typeof otelSchema>>;

/**
 * `OTEL_SDK_DISABLED=true`: no SDK, no instrumentation and no span, not even a no-op one. The
 * one place that reads it, for the SDK start-up and for the apps' own span code alike.
 */
export function tracingDisabled(env: { OTEL_SDK_DISABLED?: string }): boolean {
  return env.OTEL_SDK_DISABLED === 'true';
}
