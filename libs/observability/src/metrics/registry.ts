import { Counter, Registry, type RegistryContentType, collectDefaultMetrics } from 'prom-client';
import { type SpanDropReason, spanDrops } from '../span-drops';

/** A registry that can be rendered in either exposition format. */
export type MetricsRegistry = Registry<RegistryContentType>;

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
export const OPENMETRICS_CONTENT_TYPE = Registry.OPENMETRICS_CONTENT_TYPE;

/**
 * The label exemplars carry the trace id under. Grafana's Prometheus datasource must name the
 * same label in `exemplarTraceIdDestinations` (ops/grafana/provisioning/datasources).
 */
export const EXEMPLAR_TRACE_ID_LABEL = 'trace_id';

/**
 * A registry per app instance (not prom-client's global one), with process metrics. It is an
 * OpenMetrics registry at rest because prom-client only lets exemplar-enabled metrics register
 * with one; {@link MetricsRenderer} switches it per scrape.
 */
export function createMetricsRegistry(): MetricsRegistry {
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(OPENMETRICS_CONTENT_TYPE);
  collectDefaultMetrics({ register: registry });
  removeMisnamedDefaultGauges(registry);
  registerSpanDrops(registry);
  return registry;
}

/**
 * `otel_sdk_spans_dropped_total{reason}`: spans this process recorded that never reached the
 * collector, as the SDK's batch processor reported them (tracing.ts). Both reasons are
 * present from the start (at 0) so an alert's rate has a series to work on.
 */
function registerSpanDrops(registry: MetricsRegistry): void {
  const reasons = Object.keys(spanDrops) as SpanDropReason[];
  new Counter({
    name: 'otel_sdk_spans_dropped_total',
    help: 'Spans recorded but not delivered, by reason (queue_full: the batch processor queue held OTEL_BSP_MAX_QUEUE_SIZE spans; export_failed: the exporter gave up on a batch, retries and timeout included).',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      // Cumulative in this process; a counter has no set(), so it is rebuilt at each scrape.
      this.reset();
      for (const reason of reasons) this.inc({ reason }, spanDrops[reason]);
    },
  });
}

/**
 * prom-client's default `nodejs_active_{handles,requests,resources}_total` are gauges with a
 * counter's suffix, which `promtool check metrics` rejects. The same facts are in its
 * correctly named `nodejs_active_resources{type}` gauge, so the misnamed ones are dropped.
 */
function removeMisnamedDefaultGauges(registry: MetricsRegistry): void {
  for (const name of [
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
  ]) {
    registry.removeSingleMetric(name);
  }
}

export type MetricsFormat = 'prometheus' | 'openmetrics';

/** Prometheus asks for OpenMetrics (the only format that carries exemplars) in `Accept`. */
export function negotiateMetricsFormat(accept: string | undefined): MetricsFormat {
  return accept?.includes('application/openmetrics-text') ? 'openmetrics' : 'prometheus';
}

/**
 * Render a registry in either exposition format.
 *
 * prom-client fixes the format per registry and, when rendering OpenMetrics, renames counters
 * in place (`x_total` → `x`, the suffix re-added on output). Rendering is therefore serialised
 * and counter names restored before the classic format is produced, so both formats stay
 * correct whatever order scrapes arrive in.
 */
export class MetricsRenderer {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly registry: MetricsRegistry) {}

  render(format: MetricsFormat): Promise<{ contentType: string; body: string }> {
    const next = this.queue.then(() => this.renderNow(format));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async renderNow(format: MetricsFormat) {
    const contentType =
      format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE;
    if (format === 'prometheus') restoreCounterSuffixes(this.registry);
    this.registry.setContentType(contentType);
    try {
      return { contentType, body: await this.registry.metrics() };
    } finally {
      this.registry.setContentType(OPENMETRICS_CONTENT_TYPE);
    }
  }
}

/** Undo prom-client's in-place `x_total` → `x` rename from an earlier OpenMetrics render. */
function restoreCounterSuffixes(registry: MetricsRegistry): void {
  for (const metric of registry.getMetricsAsArray()) {
    if (metric instanceof Counter) {
      const named = metric as unknown as { name: string };
      if (!named.name.endsWith('_total')) named.name += '_total';
    }
  }
}
