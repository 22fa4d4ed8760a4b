import { Histogram, type LabelValues } from 'prom-client';
import { EXEMPLAR_TRACE_ID_LABEL, type MetricsRegistry } from './registry';

/** Latency buckets (seconds) fit for a sub-millisecond-to-seconds web service. */
export const HTTP_DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

type HttpLabel = 'method' | 'route' | 'status_code';

/**
 * `http_server_request_duration_seconds`: the Prometheus spelling of OTel's
 * `http.server.request.duration`, with a `trace_id` exemplar on each observation.
 */
export function httpServerDurationHistogram(registry: MetricsRegistry): Histogram<HttpLabel> {
  return new Histogram<HttpLabel>({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP server requests, from the first byte read to the last byte written.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_DURATION_BUCKETS,
    enableExemplars: true,
    registers: [registry],
  });
}

/** Methods kept as label values; anything else is `_OTHER` (OTel semconv), bounding cardinality. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/** A request method as a metric label value (web and gateway request metrics alike). */
export function methodLabel(method: string | undefined): string {
  return method && KNOWN_METHODS.has(method) ? method : '_OTHER';
}

/**
 * Observes `http_server_request_duration_seconds` per (method, route, status): label children
 * are resolved once per combination and reused (prom-client validates and hashes a label
 * object on every `observe()` otherwise, a measurable share of a request); the exemplar path, which needs
 * the label object, only for requests this process traced.
 */
export class HttpServerMetrics {
  private readonly children = new Map<string, Histogram.Internal<HttpLabel>>();

  constructor(private readonly histogram: Histogram<HttpLabel>) {}

  /** `route` is the matched route template (bounded), `unmatched` when no route matched. */
  observe(
    method: string | undefined,
    route: string,
    status: number,
    seconds: number,
    traceId: string | undefined,
  ): void {
    const methodValue = methodLabel(method);
    if (traceId !== undefined) {
      this.histogram.observe({
        labels: { method: methodValue, route, status_code: String(status) },
        value: seconds,
        // prom-client types exemplar labels as the metric's own label names; they are not.
        exemplarLabels: { [EXEMPLAR_TRACE_ID_LABEL]: traceId } as LabelValues<HttpLabel>,
      });
      return;
    }
    const key = `${methodValue} ${route} ${status}`;
    let child = this.children.get(key);
    if (!child) {
      child = this.histogram.labels({ method: methodValue, route, status_code: String(status) });
      // Bounded: methods (7 + _OTHER) × routes × statuses seen.
      this.children.set(key, child);
    }
    child.observe(seconds);
  }
}
