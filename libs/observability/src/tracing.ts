import { OTLPTraceExporter as OtlpGrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { type OtelConfig, tracingDisabled } from './otel-config';
import { spanDropMeterProvider } from './span-drops';

/**
 * What tracing does in this process, decided once at startup from the standard variables:
 * - `disabled` (`OTEL_SDK_DISABLED=true`): nothing at all; no context, no ids, no cost;
 * - `propagate` (the default: no exporter configured): `NodeSDK` starts without a span
 *   processor, so it registers no tracer provider and the API's no-op tracer records nothing;
 *   the context manager and propagators are registered, so the caller's trace context passes
 *   through untouched and a request without one gets a fresh trace id at its server span
 *   (http-server-span.ts): logs, hit events and the live view still carry a trace id;
 * - `export` (an OTLP endpoint, or `OTEL_TRACES_EXPORTER=console`): spans are recorded as the
 *   sampler says and exported in batches.
 */
export type TracingMode = 'disabled' | 'propagate' | 'export';

export interface TracingOptions {
  /** `service.name` when neither `OTEL_SERVICE_NAME` nor `OTEL_RESOURCE_ATTRIBUTES` names one. */
  defaultServiceName: string;
  /** The app's validated configuration (its `OTEL_*` part). */
  config: OtelConfig;
}

export interface Tracing {
  readonly mode: TracingMode;
  /** Send what is queued and stop, within {@link TRACING_SHUTDOWN_MS}. */
  shutdown(): Promise<void>;
}

/**
 * How long shutdown waits for the last export: it must end well inside the apps' own bounds
 * (process-lifecycle.ts), which the SDK's (OTEL_BSP_EXPORT_TIMEOUT, 30 s by default) is not.
 */
export const TRACING_SHUTDOWN_MS = 1500;

/**
 * Whether these variables configure an exporter. Spans are only recorded for an endpoint
 * someone configured: without one the SDK's default (record every span and send it to
 * localhost:4318, where usually nothing listens) helps nobody and costs the most.
 */
export function tracingMode(config: OtelConfig): TracingMode {
  if (tracingDisabled(config)) return 'disabled';
  const exporters = exporterNames(config);
  if (exporters.includes('none')) return 'propagate';
  if (exporters.includes('console')) return 'export';
  const endpoint = config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? config.OTEL_EXPORTER_OTLP_ENDPOINT;
  return endpoint ? 'export' : 'propagate';
}

/**
 * Start tracing for this process, before the app (Nest, fastify, ioredis) is even loaded:
 * `NodeSDK` registers the AsyncLocalStorage context manager, the propagators of
 * `OTEL_PROPAGATORS` and, when exporting, a tracer provider with the sampler, span limits and
 * resource (detectors, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SERVICE_NAME`) it reads from the
 * environment. No instrumentation package is registered: the apps write their own spans
 * (HTTP server, gateway client, Redis hit script); docs/architecture.md says why.
 */
export function startTracing(options: TracingOptions): Tracing {
  const { config } = options;
  const mode = tracingMode(config);
  if (mode === 'disabled') return { mode, shutdown: () => Promise.resolve() };

  const sdk = new NodeSDK({
    // Env detectors (OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME) are merged over this.
    resource: defaultResource().merge(
      resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.defaultServiceName }),
    ),
    // An empty list, not undefined: NodeSDK would otherwise build an OTLP exporter to
    // localhost from the defaults. With no processor it registers no tracer provider.
    spanProcessors: mode === 'export' ? spanProcessors(config) : [],
    // Metrics are prom-client's and logs pino's here; without these NodeSDK would start
    // OTLP metric and log exporters by default.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return { mode, shutdown: () => boundedShutdown(sdk) };
}

function exporterNames(config: OtelConfig): string[] {
  return config.OTEL_TRACES_EXPORTER.split(',').map((e) => e.trim());
}

/**
 * The processors NodeSDK would build from OTEL_TRACES_EXPORTER (its `getSpanProcessorsFromEnv`),
 * built here only so that the batch processor reports its drops (span-drops.ts). Each
 * exporter reads its own variables (endpoint, headers, timeout, compression, TLS).
 */
function spanProcessors(config: OtelConfig): SpanProcessor[] {
  const processors: SpanProcessor[] = [];
  const exporters = exporterNames(config);
  const endpoint = config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (exporters.includes('otlp') && endpoint) {
    processors.push(
      new BatchSpanProcessor({
        exporter: otlpExporter(config),
        // Unset: the SDK's defaults (2048, 512, 5000 ms, 30000 ms).
        maxQueueSize: config.OTEL_BSP_MAX_QUEUE_SIZE,
        maxExportBatchSize: config.OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
        scheduledDelayMillis: config.OTEL_BSP_SCHEDULE_DELAY,
        exportTimeoutMillis: config.OTEL_BSP_EXPORT_TIMEOUT,
        selfObsMeterProvider: spanDropMeterProvider,
      }),
    );
  }
  if (exporters.includes('console')) {
    processors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
  }
  return processors;
}

/** OTLP over the protocol OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL names (spec default http/protobuf). */
function otlpExporter(config: OtelConfig): SpanExporter {
  const protocol =
    config.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ??
    config.OTEL_EXPORTER_OTLP_PROTOCOL ??
    'http/protobuf';
  if (protocol === 'grpc') return new OtlpGrpcExporter();
  if (protocol === 'http/json') return new OtlpJsonExporter();
  return new OtlpProtoExporter();
}

async function boundedShutdown(sdk: NodeSDK): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), TRACING_SHUTDOWN_MS);
  });
  const flushed = sdk.shutdown().then(
    () => 'flushed' as const,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  try {
    const outcome = await Promise.race([flushed, timeout]);
    if (outcome === 'timeout') {
      process.stderr.write(
        `tracing: spans still queued after ${TRACING_SHUTDOWN_MS} ms at shutdown were not sent\n`,
      );
    } else if (outcome !== 'flushed') {
      process.stderr.write(`tracing: the last export at shutdown failed: ${outcome}\n`);
    }
  } finally {
    clearTimeout(timer);
  }
}
