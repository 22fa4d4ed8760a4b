import { z } from 'zod';

const optionalUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional();

const otlpProtocol = z
  .enum(['grpc', 'http/protobuf', 'http/json'], {
    error: 'must be grpc, http/protobuf or http/json',
  })
  .optional();

const compression = z.enum(['gzip', 'none'], { error: 'must be gzip or none' }).optional();

const keyValueList = z
  .string()
  .regex(/^\s*([^=,\s]+\s*=[^,]*)?(\s*,\s*[^=,\s]+\s*=[^,]*)*\s*$/, 'must be key=value,…')
  .optional();

/** A number the SDK reads itself; unset keeps the SDK's default (no default of ours). */
const optionalPositiveInt = z.coerce.number().int().positive().optional();
const optionalNonNegativeInt = z.coerce.number().int().nonnegative().optional();

const list = (values: readonly string[]) =>
  z
    .string()
    .refine(
      (text) =>
        text
          .split(',')
          .map((v) => v.trim())
          .every((v) => values.includes(v)),
      `must be a comma-separated list of ${values.join(', ')}`,
    )
    .optional();

/**
 * The standard `OTEL_*` variables (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/)
 * this project depends on, validated like the rest of the configuration so a typo in an
 * endpoint fails at startup instead of silently dropping traces. `@opentelemetry/sdk-node` and
 * its exporters read `process.env` themselves; only the decisions tracing.ts makes (is an
 * exporter configured, which protocol, the batch processor's settings) use the typed result.
 */
export const otelSchema = (defaultServiceName: string) =>
  z.object({
    OTEL_SERVICE_NAME: z.string().min(1).default(defaultServiceName),
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
    // zipkin (which NodeSDK also knows) is left out: nothing here receives it.
    OTEL_TRACES_EXPORTER: list(['otlp', 'console', 'none']).default('otlp'),
    OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol,
    /** `key=value,…` (values percent-encoded), e.g. an authorization header for a vendor. */
    OTEL_EXPORTER_OTLP_HEADERS: keyValueList,
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: keyValueList,
    OTEL_EXPORTER_OTLP_TIMEOUT: optionalPositiveInt,
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: optionalPositiveInt,
    OTEL_EXPORTER_OTLP_COMPRESSION: compression,
    OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: compression,
    OTEL_BSP_SCHEDULE_DELAY: optionalPositiveInt,
    OTEL_BSP_EXPORT_TIMEOUT: optionalPositiveInt,
    OTEL_BSP_MAX_QUEUE_SIZE: optionalPositiveInt,
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: optionalPositiveInt,
    OTEL_RESOURCE_ATTRIBUTES: keyValueList,
    OTEL_PROPAGATORS: list(['tracecontext', 'baggage', 'b3', 'b3multi', 'none']),
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
    OTEL_ATTRIBUTE_COUNT_LIMIT: optionalNonNegativeInt,
    OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: optionalNonNegativeInt,
    OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: optionalNonNegativeInt,
    OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: optionalNonNegativeInt,
    OTEL_SPAN_EVENT_COUNT_LIMIT: optionalNonNegativeInt,
    OTEL_SPAN_LINK_COUNT_LIMIT: optionalNonNegativeInt,
    OTEL_SDK_DISABLED: z.enum(['true', 'false']).optional(),
    /** The SDK's own diagnostics on stderr (NodeSDK installs a console logger when set). */
    OTEL_LOG_LEVEL: z
      .enum(['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'], {
        error: 'must be none, error, warn, info, debug, verbose or all',
      })
      .optional(),
  });

export type OtelConfig = z.output<ReturnType<typeof otelSchema>>;

/**
 * `OTEL_SDK_DISABLED=true`: no SDK, no instrumentation and no span, not even a no-op one. The
 * one place that reads it, for the SDK start-up and for the apps' own span code alike.
 */
export function tracingDisabled(env: { OTEL_SDK_DISABLED?: string }): boolean {
  return env.OTEL_SDK_DISABLED === 'true';
}
