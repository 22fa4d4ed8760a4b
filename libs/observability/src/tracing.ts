import {
  type InstrumentationConfigMap,
  getNodeAutoInstrumentations,
} from '@opentelemetry/auto-instrumentations-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { tracingDisabled } from './otel-config';
import {
  BatchSpanProcessor,
  NoopSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';

export interface TracingOptions {
  /** Used when `OTEL_SERVICE_NAME` is not set. */
  defaultServiceName: string;
  /** Per-instrumentation overrides merged over ours. */
  instrumentations?: InstrumentationConfigMap;
  env?: Record<string, string | undefined>;
}

export interface Tracing {
  /** True when spans leave the process (an OTLP endpoint is configured). */
  readonly exporting: boolean;
  shutdown(): Promise<void>;
}

/**
 * Whether spans should be exported, decided from the standard variables only: an OTLP endpoint
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) must be set, and
 * `OTEL_TRACES_EXPORTER` must not say `none`. Without an endpoint the SDK would otherwise send
 * to localhost:4318 and log a failure every few seconds.
 */
export function shouldExportTraces(env: Record<string, string | undefined>): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',').map((e) => e.trim());
  return Boolean(endpoint) && !exporters.includes('none');
}

/**
 * Start the OpenTelemetry Node SDK. Must run before Nest, ioredis or http are loaded so the
 * auto-instrumentations can patch them (main.ts imports `./instrumentation` first).
 *
 * Spans are always created, so logs, hit events and exemplars carry trace ids that line up
 * across gateway → web → Redis; they are exported only when an OTLP endpoint is configured.
 * Sampling, propagators and resource attributes follow the standard `OTEL_*` variables;
 * `OTEL_SDK_DISABLED=true` turns everything off.
 */
export function startTracing(options: TracingOptions): Tracing {
  const env = options.env ?? process.env;
  // Instrumentations patch modules as soon as they are constructed, SDK started or not: with
  // the SDK disabled, build none, so disabled really costs nothing.
  if (tracingDisabled(env)) return { exporting: false, shutdown: () => Promise.resolve() };
  const exporting = shouldExportTraces(env);
  const spanProcessor: SpanProcessor = exporting
    ? new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })
    : new NoopSpanProcessor();

  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ? undefined : options.defaultServiceName,
    spanProcessors: [spanProcessor],
    // Metrics are Prometheus' job here (prom-client) and logs go to stdout as JSON: keep the
    // SDK from starting its default OTLP metric and log exporters.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      getNodeAutoInstrumentations({
        // Noise without insight for this service: every file read and DNS lookup as a span.
        '@opentelemetry/instrumentation-fs': { enabled: false },
        '@opentelemetry/instrumentation-dns': { enabled: false },
        '@opentelemetry/instrumentation-net': { enabled: false },
        // Our pino mixin adds trace_id/span_id itself (works with or without the SDK).
        '@opentelemetry/instrumentation-pino': { enabled: false },
        // A span per express/router middleware layer and per Nest handler made tracing cost the
        // web node three quarters of its throughput (npm run bench, docs/performance.md) for
        // spans that say little: the http server span gets its route from
        // httpMetricsMiddleware instead.
        '@opentelemetry/instrumentation-express': { enabled: false },
        '@opentelemetry/instrumentation-nestjs-core': { enabled: false },
        '@opentelemetry/instrumentation-router': { enabled: false },
        '@opentelemetry/instrumentation-connect': { enabled: false },
        // The command name is enough: the hit script's arguments (a whole event per hit) made
        // every Redis span large to build and to export.
        '@opentelemetry/instrumentation-ioredis': { dbStatementSerializer: (command) => command },
        // Server spans come from runInHttpServerSpan() (http-server-span.ts): the same
        // conventions for a fraction of the cost per request. No app makes outgoing node:http
        // calls worth a span (the gateway's upstream calls have their own client spans).
        '@opentelemetry/instrumentation-http': { enabled: false },
        ...options.instrumentations,
      }),
    ],
  });
  sdk.start();
  return { exporting, shutdown: () => sdk.shutdown() };
}
