import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import {
  type Attributes,
  INVALID_SPAN_CONTEXT,
  type Span,
  type Tracer,
  context,
  propagation,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import {
  endSpan,
  methodLabel,
  pathOf,
  runInHttpServerSpan,
  sampledTraceId,
  startClientSpan,
} from '@app/observability';
import type { Balancer, Eligibility } from '../balancer/balancer';
import type { GatewayConfig } from '../config/gateway.config';
import { GatewayError, fromTransportError } from '../errors/gateway-errors';
import { type GatewayMetrics, NO_UPSTREAM } from '../metrics/gateway.metrics';
import type { Upstream } from '../upstreams/upstream';
import type { UpstreamRegistry } from '../upstreams/upstream-registry';
import { type AccessLog, noAccessLog } from './access-log';
import { BodyLimit } from './body-limit';
import { ClientGone } from './client-gone';
import { RelayError, relay } from './relay';
import type { DrainState } from './drain-state';
import { type OutgoingHeaders, forwardRequestHeaders, requestIdOf } from './headers';

type ProxyConfig = Pick<
  GatewayConfig,
  'RETRY_TRIES' | 'RETRY_TIMEOUT_MS' | 'UPSTREAM_HEADERS_TIMEOUT_MS' | 'MAX_BODY_BYTES'
>;

const INTERNAL_ERROR_BODY = new GatewayError('INTERNAL_ERROR').body;

/** The client "span" of an attempt that is not traced: records nothing, costs nothing. */
const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** nginx retries only these (proxy_next_upstream without `non_idempotent`), RFC 9110 §9.2.2. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/**
 * Operational paths are never answered through the data port: the gateway's own live on
 * ADMIN_PORT only, and the nodes' (/metrics, /health/*) are for Prometheus and the gateway.
 */
const ADMIN_PATHS = new Set(['/metrics', '/upstreams', '/events']);
const ADMIN_PREFIXES = ['/health/', '/admin/'];

/** RFC 9110 §7.2 Host: a reg-name or IPv4 (RFC 3986 unreserved/sub-delims/pct) or [IPv6], and a port. */
const VALID_HOST =
  /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

/** One upstream attempt's outcome: the response went out, or a catalogued failure. */
type Attempt = { done: true; upstream: Upstream } | { done: false; error: GatewayError };

/**
 * The data plane: one request, as an ordered list of small steps. Everything that can be is
 * computed at startup; the per-request path allocates only what the request itself needs.
 */
export class ProxyHandler {
  private readonly logger = new Logger('Proxy');
  /** Trace context fields we re-create per attempt (only when a propagator is registered). */
  private readonly traceFields: ReadonlySet<string>;

  constructor(
    private readonly config: ProxyConfig,
    private readonly registry: UpstreamRegistry,
    private readonly balancer: Balancer,
    private readonly metrics: GatewayMetrics,
    /** Undefined when tracing is off (OTEL_SDK_DISABLED): no span is even started. */
    private readonly tracer: Tracer | undefined,
    private readonly drain: DrainState,
    private readonly accessLog: AccessLog = noAccessLog,
  ) {
    this.traceFields = new Set(propagation.fields().map((f) => f.toLowerCase()));
  }

  /** The data port's request listener: the request's server span around proxy(). */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (this.tracer)
      runInHttpServerSpan(this.tracer, req, res, () => this.proxyOrAnswer500(req, res));
    else this.proxyOrAnswer500(req, res);
  };

  private proxyOrAnswer500(req: IncomingMessage, res: ServerResponse): void {
    // Every expected failure is answered inside proxy(); this is the net for a bug, so that it
    // costs one request (500 or a cut connection), never the process.
    this.proxy(req, res).catch((err: unknown) => {
      this.logger.error({ err }, 'unexpected error while proxying');
      if (res.headersSent) res.destroy();
      else
        res
          .writeHead(500, { 'content-type': 'application/json; charset=utf-8' })
          .end(INTERNAL_ERROR_BODY);
    });
  }

  private async proxy(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const method = req.method ?? 'GET';
    // One id for the whole path: the client's if sane. It goes back to the client in the header
    // list given to writeHead() (not setHeader(), which would make Node merge two lists).
    const requestId = requestIdOf(req);
    // Read now: by the time the request is recorded its server span may have ended.
    const exemplarTraceId = sampledTraceId();

    const refused = this.refuse(req);
    if (refused) {
      this.answerError(req, res, refused, requestId);
      return this.record(req, res, requestId, undefined, started, exemplarTraceId);
    }

    const hasBody = hasRequestBody(req);
    const headers = forwardRequestHeaders(req, requestId, this.traceFields);
    // A streamed body cannot be replayed, so only bodiless idempotent requests are retried.
    const retryable = IDEMPOTENT.has(method) && !hasBody;
    const body = hasBody ? req.pipe(new BodyLimit(this.config.MAX_BODY_BYTES)) : null;
    const client = new ClientGone(res);
    const deadline = Date.now() + this.config.RETRY_TIMEOUT_MS;

    const tried = new Set<Upstream>();
    const eligibility = this.eligibility();
    let failure: GatewayError | undefined;
    for (let attempt = 0; attempt < this.config.RETRY_TRIES; attempt++) {
      const upstream = this.balancer.pick(this.registry.upstreams, Date.now(), tried, eligibility);
      if (!upstream) break;
      tried.add(upstream);
      const outcome = await this.attempt(
        requestId,
        upstream,
        req,
        res,
        headers,
        body,
        client,
        deadline,
        attempt,
      );
      if (outcome.done) return this.record(req, res, requestId, upstream, started, exemplarTraceId);
      failure = outcome.error;
      if (!retryable || !failure.retryable || client.gone || Date.now() >= deadline) break;
      this.metrics.retries.inc({ upstream: upstream.id });
    }
    this.answerError(req, res, failure ?? new GatewayError('NO_HEALTHY_UPSTREAM'), requestId);
    this.record(req, res, requestId, undefined, started, exemplarTraceId);
  }

  /**
   * Panic mode (Envoy's healthy panic threshold, at 0%): when no upstream is in rotation, try
   * those that still accept connections. When every node fails its readiness check at once the
   * cause is usually shared (Redis down): the nodes' own answer (503 REDIS_UNAVAILABLE) tells
   * the client more than NO_HEALTHY_UPSTREAM, and costs them nothing.
   */
  private eligibility(): Eligibility {
    const now = Date.now();
    for (const upstream of this.registry.upstreams) if (upstream.isAvailable(now)) return 'healthy';
    this.metrics.panics.inc();
    return 'panic';
  }

  /** Requests answered by the gateway itself, before any upstream is involved. */
  private refuse(req: IncomingMessage): GatewayError | undefined {
    const path = pathOf(req.url);
    if (ADMIN_PATHS.has(path) || ADMIN_PREFIXES.some((prefix) => path.startsWith(prefix))) {
      return new GatewayError('NOT_FOUND');
    }
    // Node requires a Host on HTTP/1.1; an upstream must not receive one that is not a host.
    const host = req.headers.host;
    if (host !== undefined && !VALID_HOST.test(host)) return new GatewayError('BAD_REQUEST');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.config.MAX_BODY_BYTES) return new GatewayError('BODY_TOO_LARGE');
    return undefined;
  }

  /** One try on one upstream, inside its own client span. */
  private async attempt(
    requestId: string,
    upstream: Upstream,
    req: IncomingMessage,
    res: ServerResponse,
    headers: OutgoingHeaders,
    body: BodyLimit | null,
    client: ClientGone,
    deadline: number,
    attempt: number,
  ): Promise<Attempt> {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const span = this.clientSpan(upstream, method, path, attempt);
    const outgoing = this.withTraceContext(headers, span);
    upstream.inFlight++;
    upstream.requests++;
    try {
      await relay(
        this.registry.poolOf(upstream),
        {
          path,
          method,
          headers: outgoing,
          body,
          headersTimeout: Math.max(
            1,
            Math.min(this.config.UPSTREAM_HEADERS_TIMEOUT_MS, deadline - Date.now()),
          ),
        },
        res,
        client,
        {
          responded: (status, servedBy) => {
            upstream.recordSuccess();
            this.balancer.onSuccess(upstream);
            // Which node this upstream is (the web nodes say so): lets the live view match
            // hit events, which carry node names, to upstreams and their weights.
            if (servedBy !== undefined) upstream.node = servedBy;
            span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
          },
          // The request id goes back to the client; while draining, keep-alive clients are asked
          // to reconnect (to a gateway that is staying).
          decorate: (responseHeaders) => {
            responseHeaders.push('x-request-id', requestId);
            if (this.drain.active) responseHeaders.push('connection', 'close');
          },
        },
      );
      endSpan(span);
      return { done: true, upstream };
    } catch (err) {
      const cause = err instanceof RelayError ? err.cause : err;
      const error = fromTransportError(cause);
      if (error.upstreamFault && !client.gone) {
        upstream.recordFailure(Date.now());
        this.balancer.onFailure(upstream);
      }
      span.setAttribute(ATTR_ERROR_TYPE, error.code);
      endSpan(span, cause);
      if ((err instanceof RelayError && err.responded) || res.headersSent) {
        // Bytes already went to the client: never retry, never answer twice.
        res.destroy();
        return { done: true, upstream };
      }
      return { done: false, error };
    } finally {
      upstream.inFlight--;
    }
  }

  private clientSpan(upstream: Upstream, method: string, path: string, attempt: number): Span {
    // Tracing off, no exporter, or a request the sampler left out: its attempts record nothing,
    // so they get no span of their own (the trace context still goes upstream: withTraceContext).
    if (!this.tracer) return NO_SPAN;
    const attributes = (): Attributes => ({
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_SERVER_ADDRESS]: upstream.address,
      [ATTR_SERVER_PORT]: upstream.spec.port,
      [ATTR_URL_FULL]: upstream.origin + path,
      ...(attempt > 0 ? { [ATTR_HTTP_REQUEST_RESEND_COUNT]: attempt } : {}),
    });
    return startClientSpan(this.tracer, method, attributes) ?? NO_SPAN;
  }

  /**
   * The upstream continues our client span's trace (W3C traceparent via the global propagator);
   * an unsampled request's trace goes on as its server span's, flagged unsampled.
   */
  private withTraceContext(headers: OutgoingHeaders, span: Span): OutgoingHeaders {
    if (this.traceFields.size === 0) return headers;
    const outgoing = { ...headers };
    const active = context.active();
    propagation.inject(span === NO_SPAN ? active : trace.setSpan(active, span), outgoing);
    return outgoing;
  }

  private answerError(
    req: IncomingMessage,
    res: ServerResponse,
    error: GatewayError,
    requestId: string,
  ): void {
    if (error.code === 'CLIENT_CLOSED_REQUEST' || res.headersSent || res.destroyed) {
      res.statusCode = error.status;
      res.destroy();
      return;
    }
    const body = error.body;
    res.writeHead(error.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'x-request-id': requestId,
      // An unread request body cannot stay on a keep-alive connection; nor can a draining one.
      ...(this.drain.active || (hasRequestBody(req) && !req.readableEnded)
        ? { connection: 'close' }
        : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /** Metrics and the access log line, once per request, whatever its outcome. */
  private record(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    upstream: Upstream | undefined,
    started: number,
    exemplarTraceId: string | undefined,
  ): void {
    const method = req.method ?? 'GET';
    const id = upstream?.id ?? NO_UPSTREAM;
    const status = res.statusCode;
    const durationMs = performance.now() - started;
    this.metrics.observeRequest(
      id,
      methodLabel(method),
      status,
      durationMs / 1000,
      exemplarTraceId,
    );
    this.accessLog.write({
      method,
      path: pathOf(req.url),
      userAgent: req.headers['user-agent'],
      status,
      durationMs,
      upstream: id,
      requestId,
    });
  }
}

function hasRequestBody(req: IncomingMessage): boolean {
  return (
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0
  );
}
