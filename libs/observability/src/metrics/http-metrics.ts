import type { IncomingMessage, ServerResponse } from 'node:http';
import { Histogram, type LabelValues } from 'prom-client';
import { setHttpRoute } from '../http-server-span';
import { sampledTraceId } from '../trace-context';
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
 * Express-style middleware timing every request. The route label is the matched route template
 * (never the raw URL, which would be unbounded), or `unmatched` for a 404.
 */
export function httpMetricsMiddleware(histogram: Histogram<HttpLabel>) {
  return (
    req: IncomingMessage & { route?: { path?: string }; baseUrl?: string },
    res: ServerResponse,
    next: () => void,
  ) => {
    const start = process.hrtime.bigint();
    // Captured now: the active span is the request's server span only on this tick.
    const traceId = sampledTraceId();
    // Before the server span ends: name it by its route (OTel semconv: "{method} {http.route}"),
    // which only the router knows.
    res.once('prefinish', () => {
      if (req.route?.path) setHttpRoute(res, req.method, `${req.baseUrl ?? ''}${req.route.path}`);
    });
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const method = methodLabel(req.method);
      const route = req.route?.path ? `${req.baseUrl ?? ''}${req.route.path}` : 'unmatched';
      histogram.observe({
        labels: { method, route, status_code: String(res.statusCode) },
        value: seconds,
        // prom-client types exemplar labels as the metric's own label names; they are not.
        exemplarLabels: (traceId
          ? { [EXEMPLAR_TRACE_ID_LABEL]: traceId }
          : {}) as LabelValues<HttpLabel>,
      });
    });
    next();
  };
}
