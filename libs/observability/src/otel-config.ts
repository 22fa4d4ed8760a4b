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
    OTEL_SERVICE_NAME: z
      .string()
      .min(1)
      .default(defaultServiceName)
      .meta({ description: '`service.name` of every span this process exports.' }),
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl.meta({
      description:
        'OTLP/HTTP base URL (`/v1/traces` is appended). Spans are recorded only when this or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set (or `OTEL_TRACES_EXPORTER=console`); otherwise the W3C trace context is only passed on.',
    }),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl.meta({
      description: 'Full OTLP/HTTP URL for spans; overrides `OTEL_EXPORTER_OTLP_ENDPOINT`.',
    }),
    OTEL_TRACES_EXPORTER: z
      .string()
      .regex(/^(otlp|console|none)(,(otlp|console|none))*$/, 'must be otlp, console or none')
      .default('otlp')
      .meta({ description: '`otlp`, `console` or `none` (comma-separated for several).' }),
    // Spans go out as OTLP/HTTP with protobuf bodies; gRPC and JSON are not implemented.
    OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol.meta({
      description: 'Only `http/protobuf` is implemented.',
    }),
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol.meta({
      description: 'Only `http/protobuf` is implemented.',
    }),
    OTEL_EXPORTER_OTLP_HEADERS: keyValueList.meta({
      description:
        '`key=value,…` (values percent-encoded) sent with every export, e.g. an authorization header for a vendor.',
    }),
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: keyValueList.meta({
      description: 'Like `OTEL_EXPORTER_OTLP_HEADERS`, for spans only.',
    }),
    OTEL_EXPORTER_OTLP_TIMEOUT: positiveInt(10_000).meta({
      description: 'Bound on one export request, in milliseconds.',
    }),
    OTEL_BSP_SCHEDULE_DELAY: positiveInt(5000).meta({
      description: 'Batch span processor: milliseconds between two exports.',
    }),
    OTEL_BSP_MAX_QUEUE_SIZE: positiveInt(2048).meta({
      description: 'Batch span processor: spans kept waiting at most; more are dropped.',
    }),
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: positiveInt(512).meta({
      description: 'Batch span processor: spans per export request at most.',
    }),
    OTEL_RESOURCE_ATTRIBUTES: keyValueList.meta({
      description: "`key=value,…` added to every exported span's resource.",
    }),
    OTEL_TRACES_SAMPLER: z
      .enum([
        'always_on',
        'always_off',
        'traceidratio',
        'parentbased_always_on',
        'parentbased_always_off',
        'parentbased_traceidratio',
      ])
      .optional()
      .meta({
        description:
          'Which traces are recorded when exporting; unset: `parentbased_always_on` (what each setting costs: docs/performance.md).',
      }),
    OTEL_TRACES_SAMPLER_ARG: z.coerce
      .number()
      .min(0)
      .max(1)
      .optional()
      .meta({ description: 'The ratio for the `*traceidratio` samplers, 0 to 1.' }),
    OTEL_SDK_DISABLED: z.enum(['true', 'false']).optional().meta({
      description: '`true`: no tracing at all: no context, no trace ids, no spans.',
    }),
  });

export type OtelConfig = z.output<ReturnType<typeof otelSchema>>;

/**
 * `OTEL_SDK_DISABLED=true`: no SDK, no instrumentation and no span, not even a no-op one. The
 * one place that reads it, for the SDK start-up and for the apps' own span code alike.
 */
export function tracingDisabled(env: { OTEL_SDK_DISABLED?: string }): boolean {
  return env.OTEL_SDK_DISABLED === 'true';
}
