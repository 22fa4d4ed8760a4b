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
          // Empty items are ignored, as the SDK's list parser does (`a,b,`).
          .filter((v) => v !== '')
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
    OTEL_SERVICE_NAME: z
      .string()
      .min(1)
      .default(defaultServiceName)
      .meta({ description: '`service.name` of every span this process exports.' }),
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl.meta({
      description:
        'OTLP base URL (for http/*, `/v1/traces` is appended). Spans are recorded and exported only when this or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set (or `OTEL_TRACES_EXPORTER=console`); otherwise no span is recorded and the W3C trace context is only passed on.',
    }),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl.meta({
      description: 'Full OTLP URL for spans; overrides `OTEL_EXPORTER_OTLP_ENDPOINT`.',
    }),
    OTEL_TRACES_EXPORTER: list(['otlp', 'console', 'none']).default('otlp').meta({
      description:
        '`otlp`, `console` or `none` (comma-separated for several); `zipkin` is refused: nothing here receives it.',
    }),
    OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol.meta({
      description: '`http/protobuf`, `grpc` or `http/json`.',
      defaultText: '`http/protobuf`',
    }),
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol.meta({
      description: 'Like `OTEL_EXPORTER_OTLP_PROTOCOL`, for spans only.',
    }),
    OTEL_EXPORTER_OTLP_HEADERS: keyValueList.meta({
      description:
        '`key=value,…` (values percent-encoded) sent with every export, e.g. an authorization header for a vendor.',
    }),
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: keyValueList.meta({
      description: 'Like `OTEL_EXPORTER_OTLP_HEADERS`, for spans only.',
    }),
    OTEL_EXPORTER_OTLP_TIMEOUT: optionalPositiveInt.meta({
      description: 'Bound on one export request, in milliseconds.',
      defaultText: '`10000` (the SDK)',
    }),
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: optionalPositiveInt.meta({
      description: 'Like `OTEL_EXPORTER_OTLP_TIMEOUT`, for spans only.',
    }),
    OTEL_EXPORTER_OTLP_COMPRESSION: compression.meta({
      description: '`gzip` or `none` for export bodies.',
      defaultText: '`none` (the SDK)',
    }),
    OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: compression.meta({
      description: 'Like `OTEL_EXPORTER_OTLP_COMPRESSION`, for spans only.',
    }),
    OTEL_BSP_SCHEDULE_DELAY: optionalPositiveInt.meta({
      description: 'Batch span processor: milliseconds between two exports.',
      defaultText: '`5000` (the SDK)',
    }),
    OTEL_BSP_EXPORT_TIMEOUT: optionalPositiveInt.meta({
      description: 'Batch span processor: bound on one export, in milliseconds.',
      defaultText: '`30000` (the SDK)',
    }),
    OTEL_BSP_MAX_QUEUE_SIZE: optionalPositiveInt.meta({
      description:
        'Batch span processor: spans kept waiting at most; more are dropped (counted in `otel_sdk_spans_dropped_total`).',
      defaultText: '`2048` (the SDK)',
    }),
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: optionalPositiveInt.meta({
      description: 'Batch span processor: spans per export request at most.',
      defaultText: '`512` (the SDK)',
    }),
    OTEL_RESOURCE_ATTRIBUTES: keyValueList.meta({
      description: "`key=value,…` added to every exported span's resource.",
    }),
    OTEL_NODE_RESOURCE_DETECTORS: list([
      'env',
      'host',
      'os',
      'process',
      'serviceinstance',
      'all',
      'none',
    ]).meta({
      description:
        "Resource detectors NodeSDK runs, comma-separated (`env`, `host`, `os`, `process`, `serviceinstance`, `all`, `none`): what the exported spans' resource says about the process.",
      defaultText: '`all` (the SDK)',
    }),
    OTEL_PROPAGATORS: list(['tracecontext', 'baggage', 'b3', 'b3multi', 'none']).meta({
      description:
        'Context propagators, comma-separated: `tracecontext`, `baggage`, `b3`, `b3multi`, `none`.',
      defaultText: '`tracecontext,baggage` (the SDK)',
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
          'Which traces are recorded when exporting (what each setting costs: docs/performance.md).',
        defaultText: '`parentbased_always_on` (the SDK)',
      }),
    OTEL_TRACES_SAMPLER_ARG: z.coerce
      .number()
      .min(0)
      .max(1)
      .optional()
      .meta({ description: 'The ratio for the `*traceidratio` samplers, 0 to 1.' }),
    OTEL_ATTRIBUTE_COUNT_LIMIT: optionalNonNegativeInt.meta({
      description: 'Most attributes kept per span, event or link.',
      defaultText: '`128` (the SDK)',
    }),
    OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: optionalNonNegativeInt.meta({
      description: 'Longest attribute value kept (longer ones are truncated).',
      defaultText: 'no limit (the SDK)',
    }),
    OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: optionalNonNegativeInt.meta({
      description: 'Like `OTEL_ATTRIBUTE_COUNT_LIMIT`, for span attributes only.',
    }),
    OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: optionalNonNegativeInt.meta({
      description: 'Like `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`, for span attributes only.',
    }),
    OTEL_SPAN_EVENT_COUNT_LIMIT: optionalNonNegativeInt.meta({
      description: 'Most events kept per span.',
      defaultText: '`128` (the SDK)',
    }),
    OTEL_SPAN_LINK_COUNT_LIMIT: optionalNonNegativeInt.meta({
      description: 'Most links kept per span.',
      defaultText: '`128` (the SDK)',
    }),
    // A boolean as the specification reads them: `true`/`false` in any case, empty is false.
    // Anything else is refused here (the spec only asks for a warning): a typo must not
    // silently leave tracing on.
    OTEL_SDK_DISABLED: z
      .string()
      .trim()
      .toLowerCase()
      .refine((v) => ['true', 'false', ''].includes(v), 'must be true or false')
      .optional()
      .meta({
        description:
          '`true` (any case): no tracing at all: no SDK, no context, no trace ids, no spans.',
      }),
    // Case-insensitive, as NodeSDK reads it (`DEBUG` and `debug` alike).
    OTEL_LOG_LEVEL: z
      .string()
      .trim()
      .toLowerCase()
      .refine(
        (v) => ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'].includes(v),
        'must be none, error, warn, info, debug, verbose or all',
      )
      .optional()
      .meta({
        description:
          "The SDK's own diagnostics on stderr (export errors included): `none` … `all`.",
        defaultText: 'unset: silent',
      }),
  });

export type OtelConfig = z.output<ReturnType<typeof otelSchema>>;

/**
 * `OTEL_SDK_DISABLED=true`: no SDK, no instrumentation and no span, not even a no-op one. The
 * one place that reads it, for the SDK start-up and for the apps' own span code alike.
 */
export function tracingDisabled(env: { OTEL_SDK_DISABLED?: string }): boolean {
  return env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
}
