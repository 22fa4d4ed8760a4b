import { hostname } from 'node:os';
import { type Attributes, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  ATTR_SERVICE_NAME,
  ATTR_TELEMETRY_SDK_LANGUAGE,
  ATTR_TELEMETRY_SDK_NAME,
  TELEMETRY_SDK_LANGUAGE_VALUE_NODEJS,
} from '@opentelemetry/semantic-conventions';
import { type OtelConfig, tracingDisabled } from './otel-config';
import { LeanTracerProvider, type SpanSink } from './tracing/lean-tracer';
import { samplerFromEnv } from './tracing/sampler';
import { BatchExporter, consoleSink, otlpHttpTransport } from './tracing/span-export';

/**
 * What tracing does in this process, decided once at startup from the standard variables:
 * - `disabled` (`OTEL_SDK_DISABLED=true`): nothing at all; no context, no ids, no cost;
 * - `propagate` (the default: no exporter configured): no span is recorded; the caller's W3C
 *   trace context passes through untouched (a request without one gets a fresh, unsampled
 *   trace id), so logs, hit events and the live view still carry a trace id;
 * - `export` (an OTLP endpoint, or `OTEL_TRACES_EXPORTER=console`): spans are recorded as the
 *   sampler says and exported in batches.
 */
export type TracingMode = 'disabled' | 'propagate' | 'export';

export interface TracingOptions {
  /** Used when `OTEL_SERVICE_NAME` is not set. */
  defaultServiceName: string;
  /** The app's validated configuration (its `OTEL_*` part). */
  config: OtelConfig;
}

export interface Tracing {
  readonly mode: TracingMode;
  /** Spans dropped so far (queue full or export failed); 0 unless exporting. */
  dropped(): number;
  /** Send what is queued and stop (bounded by OTEL_EXPORTER_OTLP_TIMEOUT per batch). */
  shutdown(): Promise<void>;
}

/** The traces endpoint: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, else the base + `/v1/traces`. */
export function tracesEndpoint(config: OtelConfig): string | undefined {
  if (config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

/**
 * The mode these variables select. Spans are only exported to an endpoint someone configured:
 * without one the SDK's habit (send to localhost:4318 and log a failure every few seconds)
 * helps nobody.
 */
export function tracingMode(config: OtelConfig): TracingMode {
  if (tracingDisabled(config)) return 'disabled';
  const exporters = config.OTEL_TRACES_EXPORTER.split(',').map((e) => e.trim());
  if (exporters.includes('none')) return 'propagate';
  if (exporters.includes('console')) return 'export';
  return tracesEndpoint(config) ? 'export' : 'propagate';
}

/**
 * Start tracing for this process (before the app handles requests). Registers the
 * AsyncLocalStorage context manager, the W3C trace-context propagator and our
 * lean tracer provider ({@link LeanTracerProvider}) with `@opentelemetry/api`; nothing is
 * patched: the apps make their own spans (HTTP server, gateway client, Redis hit script).
 */
export function startTracing(options: TracingOptions): Tracing {
  const { config } = options;
  const mode = tracingMode(config);
  if (mode === 'disabled') return { mode, dropped: () => 0, shutdown: () => Promise.resolve() };

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  // W3C trace context only: no app here reads or writes baggage, and a client's `baggage`
  // header still passes through the gateway untouched (it is not a field we re-create).
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const sampler = samplerFromEnv(config.OTEL_TRACES_SAMPLER, config.OTEL_TRACES_SAMPLER_ARG);
  if (mode === 'propagate') {
    trace.setGlobalTracerProvider(new LeanTracerProvider(sampler, undefined));
    return { mode, dropped: () => 0, shutdown: () => Promise.resolve() };
  }

  const resource = resourceAttributes(config, options.defaultServiceName);
  const endpoint = tracesEndpoint(config);
  const exporters = config.OTEL_TRACES_EXPORTER.split(',').map((e) => e.trim());
  const batch =
    endpoint && exporters.includes('otlp')
      ? new BatchExporter(
          resource,
          {
            scheduleDelayMs: config.OTEL_BSP_SCHEDULE_DELAY,
            maxQueueSize: config.OTEL_BSP_MAX_QUEUE_SIZE,
            maxExportBatchSize: Math.min(
              config.OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
              config.OTEL_BSP_MAX_QUEUE_SIZE,
            ),
            exportTimeoutMs: config.OTEL_EXPORTER_OTLP_TIMEOUT,
          },
          otlpHttpTransport(
            endpoint,
            {
              ...parseKeyValues(config.OTEL_EXPORTER_OTLP_HEADERS),
              ...parseKeyValues(config.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
            },
            config.OTEL_EXPORTER_OTLP_TIMEOUT,
          ),
          exportFailureReporter(),
        )
      : undefined;
  const sinks: SpanSink[] = [];
  if (batch) sinks.push(batch);
  if (exporters.includes('console')) sinks.push(consoleSink);
  const sink: SpanSink =
    sinks.length === 1 ? sinks[0] : { add: (span) => sinks.forEach((s) => s.add(span)) };
  trace.setGlobalTracerProvider(new LeanTracerProvider(sampler, sink));
  return {
    mode,
    dropped: () => batch?.dropped ?? 0,
    shutdown: () => batch?.shutdown() ?? Promise.resolve(),
  };
}

/** Who sent the spans: service name, host, process, and `OTEL_RESOURCE_ATTRIBUTES`. */
function resourceAttributes(config: OtelConfig, defaultServiceName: string): Attributes {
  return {
    [ATTR_TELEMETRY_SDK_LANGUAGE]: TELEMETRY_SDK_LANGUAGE_VALUE_NODEJS,
    [ATTR_TELEMETRY_SDK_NAME]: 'observable-cluster',
    'host.name': hostname(),
    'process.pid': process.pid,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    ...parseKeyValues(config.OTEL_RESOURCE_ATTRIBUTES),
    // OTEL_SERVICE_NAME wins over a service.name in OTEL_RESOURCE_ATTRIBUTES (spec).
    [ATTR_SERVICE_NAME]: config.OTEL_SERVICE_NAME || defaultServiceName,
  };
}

/** `k1=v1,k2=v2` with percent-encoded values (OTEL_RESOURCE_ATTRIBUTES, OTLP headers). */
export function parseKeyValues(text: string | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    result[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(
      pair.slice(at + 1).trim(),
    );
  }
  return result;
}

/** One stderr line at the first failed export, then at most one a minute. */
function exportFailureReporter(): (err: Error) => void {
  let last = 0;
  let failures = 0;
  return (err) => {
    failures++;
    const now = Date.now();
    if (now - last < 60_000) return;
    last = now;
    process.stderr.write(
      `tracing: span export failed (${failures} failed batch(es) so far; spans dropped): ${err.message}\n`,
    );
  };
}
