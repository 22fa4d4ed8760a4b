import { z } from 'zod';

const optionalUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional();

/**
 * The standard `OTEL_*` variables this project honours, validated like the rest of the
 * configuration so a typo in an endpoint fails at startup instead of silently dropping traces.
 * The SDK itself reads them from the environment; this only checks them.
 */
export const otelSchema = (defaultServiceName: string) =>
  z.object({
    OTEL_SERVICE_NAME: z.string().min(1).default(defaultServiceName),
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
    OTEL_TRACES_EXPORTER: z
      .string()
      .regex(/^(otlp|console|none)(,(otlp|console|none))*$/, 'must be otlp, console or none')
      .optional(),
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

/**
 * `OTEL_SDK_DISABLED=true`: no SDK, no instrumentation and no span, not even a no-op one. The
 * one place that reads it, for the SDK start-up and for the apps' own span code alike.
 */
export function tracingDisabled(env: { OTEL_SDK_DISABLED?: string }): boolean {
  return env.OTEL_SDK_DISABLED === 'true';
}
