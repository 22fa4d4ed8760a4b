import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
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
  runInServerSpan,
  sampledTraceId,
  startClientSpan,
} from '@app/observability';
import type { Balancer, Eligibility } from '../balancer/balancer';
import type { GatewayConfig } from '../config/gateway.config';
import { GatewayError } from '../errors/gateway-errors';
import { fromTransportError } from '../errors/transport-failures';
import { type GatewayMetrics, NO_UPSTREAM } from '../metrics/gateway.metrics';
import type { AttemptOutcome, Upstream } from '../upstreams/upstream';
import type { UpstreamRegistry } from '../upstreams/upstream-registry';
import { type AccessLog, noAccessLog } from './access-log';
import type { DrainState } from './drain-state';
import type { Exchange, TunnelTraffic } from './exchange';
import { type OutgoingHeaders, forwardRequestHeaders, requestIdOf } from './headers';
import { HttpExchange, isClosing } from './http-exchange';
import type { BodyLimits } from './request-body';
import { normaliseTarget } from './request-target';
import { OutlierDetector } from '../health/outlier-detection';
import { type RefusalRule, refusalOf, refusalRules } from './refusals';
import { IDEMPOTENCY_KEY_HEADER, idempotencyKeyOf } from './request-id';
import { retryDecision } from './retry-rule';
import { OpenTunnels, TunnelExchange } from './tunnel-exchange';

type ProxyConfig = Pick<
  GatewayConfig,
  | 'RETRY_TRIES'
  | 'RETRY_TIMEOUT_MS'
  | 'UPSTREAM_HEADERS_TIMEOUT_MS'
  | 'UPSTREAM_CONNECT_TIMEOUT_MS'
  | 'MAX_BODY_BYTES'
  | 'CLIENT_BODY_BUFFER_BYTES'
  | 'CLIENT_BODY_TIMEOUT_MS'
  | 'UPSTREAM_BODY_TIMEOUT_MS'
  | 'OUTLIER_LATENCY_FACTOR'
  | 'OUTLIER_MIN_LATENCY_MS'
>;

const INTERNAL_ERROR = new GatewayError('INTERNAL_ERROR');
const INVALID_TARGET = new GatewayError('INVALID_TARGET');

/** Where an attempt's deadline goes (epoch ms); the client's own value is never forwarded. */
export const DEADLINE_HEADER = 'x-request-deadline';

/** The client "span" of an attempt that is not traced: records nothing, costs nothing. */
const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** One upstream attempt's outcome: the client got an answer, or a catalogued failure. */
type Attempt =
  { done: true; upstream: Upstream | undefined } | { done: false; error: GatewayError };

/**
 * The data plane: every request on the data port, plain or `Upgrade`, runs the same ordered
 * steps; only the tail differs (an {@link Exchange}: relay into the response, or tunnel):
 *
 *   0. closing   a connection whose framing the gateway gave up on takes no more requests
 *   1. span      the request's server span (tracing on): the caller's trace continued
 *   2. target    normalised once (request-target.ts): what every rule sees and the upstream gets
 *   3. refuse    refusal rules (refusals.ts): answered by the gateway, no upstream involved
 *   4. body      read before any upstream is involved (request-body.ts; only when there is one)
 *   5. eligible  who may be picked: upstreams in rotation, or panic mode when none is
 *   6. pick      the balancer (balancer/balancer.ts), never an upstream already tried
 *   7. forward   one attempt through the tail, in a client span; its outcome reported once
 *                (report(): the upstream's health, the balancer, outlier detection)
 *   8. retry?    the retry rule (retry-rule.ts) decides, with its reason
 *   9. answer    a catalogue error when no attempt answered, counted by whose fault it was
 *  10. record    the request metric at once, the access-log line when the exchange is over
 *
 * Everything that can be is computed at startup; the per-request path allocates only what the
 * request itself needs.
 */
export class ProxyHandler {
  private readonly logger = new Logger('Proxy');
  /** Trace context fields we re-create per attempt (only when a propagator is registered). */
  private readonly traceFields: ReadonlySet<string>;
  private readonly refusals: readonly RefusalRule[];
  private readonly outliers: OutlierDetector;
  private readonly bodyLimits: BodyLimits;
  /** Request fields the gateway sets itself, per attempt (trace context, deadline, idempotency key). */
  private readonly dropped: ReadonlySet<string>;

  constructor(
    private readonly config: ProxyConfig,
    private readonly registry: UpstreamRegistry,
    private readonly balancer: Balancer,
    private readonly metrics: GatewayMetrics,
    /** Undefined when tracing is off (OTEL_SDK_DISABLED): no span is even started. */
    private readonly tracer: Tracer | undefined,
    private readonly drain: DrainState,
    private readonly accessLog: AccessLog = noAccessLog,
    /** Open tunnels, cut at shutdown (DataPlane.close). */
    readonly tunnels = new OpenTunnels(),
  ) {
    this.traceFields = new Set(propagation.fields().map((f) => f.toLowerCase()));
    this.dropped = new Set([...this.traceFields, DEADLINE_HEADER, IDEMPOTENCY_KEY_HEADER]);
    this.refusals = refusalRules(config.MAX_BODY_BYTES);
    this.bodyLimits = {
      maxBytes: config.MAX_BODY_BYTES,
      bufferBytes: config.CLIENT_BODY_BUFFER_BYTES,
      clientTimeoutMs: config.CLIENT_BODY_TIMEOUT_MS,
      upstreamTimeoutMs: config.UPSTREAM_BODY_TIMEOUT_MS,
    };
    this.outliers = new OutlierDetector({
      factor: config.OUTLIER_LATENCY_FACTOR,
      minLatencyMs: config.OUTLIER_MIN_LATENCY_MS,
    });
  }

  /** The data port's `request` listener. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    // Step 0: parsed from bytes after a request whose framing was refused (pipelined): never
    // forwarded, whatever it says (RFC 9112 §6.3; the smuggling primitive of issue #20).
    if (isClosing(req)) {
      res.destroy();
      return;
    }
    // A request pipelined behind another on its connection waits for its turn (Node assigns
    // the connection to its response then): one at a time, like nginx, so that no unsafe
    // request runs in parallel with another (RFC 9112 §9.3.2) and each is forwarded only once
    // the one before is answered (and whether the connection stays is known).
    if (!res.socket) {
      res.once('socket', () => this.handle(req, res));
      return;
    }
    const requestId = requestIdOf(req);
    const exchange = new HttpExchange(req, res, requestId, this.drain);
    // Step 1 for a plain request: the span ends when the response is done.
    if (this.tracer)
      runInServerSpan(
        this.tracer,
        req,
        (end) => res.once('close', () => end(res.statusCode, res.writableFinished)),
        () => this.runOrAnswer500(exchange),
      );
    else this.runOrAnswer500(exchange);
  };

  /** The data port's `upgrade` listener (WebSocket and any other `Upgrade`). */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (isClosing(req)) {
      socket.destroy();
      return;
    }
    const exchange = new TunnelExchange(
      req,
      socket,
      head,
      requestIdOf(req),
      this.config.UPSTREAM_CONNECT_TIMEOUT_MS,
      this.tunnels,
    );
    // Step 1 for an upgrade: the span ends when the handshake is answered.
    if (this.tracer)
      runInServerSpan(
        this.tracer,
        req,
        (end) => (exchange.onHandshake = (status) => end(status, true)),
        () => this.runOrAnswer500(exchange),
      );
    else this.runOrAnswer500(exchange);
  };

  /** A request that ended by the client's fault before it reached the pipeline (Node's parser refused it). */
  readonly clientFault = (error: GatewayError): void => this.metrics.clientFault(error.code);

  private runOrAnswer500(exchange: Exchange): void {
    // Every expected failure is answered inside run(); this is the net for a bug, so that it
    // costs one request (500 or a cut connection), never the process.
    this.run(exchange).catch((err: unknown) => {
      this.logger.error({ err }, 'unexpected error while proxying');
      if (exchange.responded) exchange.cut();
      else exchange.answerError(INTERNAL_ERROR);
    });
  }

  private async run(exchange: Exchange): Promise<void> {
    const started = performance.now();
    const { req } = exchange;
    // Read now: by the time the request is recorded its server span may have ended.
    const exemplarTraceId = sampledTraceId();

    // 2. target, 3. refuse
    const target = normaliseTarget(req.url ?? '/');
    const refused = target ? refusalOf(this.refusals, req, target) : INVALID_TARGET;
    if (refused || !target)
      return this.fail(exchange, refused ?? INVALID_TARGET, started, exemplarTraceId);

    // 4. body (a GET without one pays nothing for this step)
    if (exchange.hasBody) {
      try {
        await exchange.readBody(this.bodyLimits);
      } catch (err) {
        return this.fail(exchange, fromTransportError(err), started, exemplarTraceId);
      }
    }

    const method = req.method ?? 'GET';
    const headers = forwardRequestHeaders(req, exchange.requestId, this.dropped);
    if (target.authority !== undefined) {
      // RFC 9112 §3.2.2: an absolute-form target's authority is the request's Host.
      headers.host = target.authority;
      headers['x-forwarded-host'] = target.authority;
    }
    headers[IDEMPOTENCY_KEY_HEADER] = idempotencyKeyOf(req, exchange.requestId);
    const deadline = Date.now() + this.config.RETRY_TIMEOUT_MS;
    const tried = new Set<Upstream>();
    // 5. eligible
    const eligibility = this.eligibility();
    let failure: GatewayError | undefined;
    for (let attempt = 0; ; attempt++) {
      // 6. pick
      const upstream = this.balancer.pick(this.registry.upstreams, Date.now(), tried, eligibility);
      if (!upstream) break;
      tried.add(upstream);
      // 7. forward
      const outcome = await this.attempt(
        exchange,
        upstream,
        target.path,
        headers,
        deadline,
        attempt,
      );
      if (outcome.done) return this.record(exchange, outcome.upstream, started, exemplarTraceId);
      failure = outcome.error;
      // 8. retry?
      const decision = retryDecision({
        method,
        streamedBody: exchange.streamedBody,
        error: failure,
        attempts: attempt + 1,
        maxAttempts: this.config.RETRY_TRIES,
        timeLeftMs: deadline - Date.now(),
        clientGone: exchange.clientGone,
        responded: exchange.responded,
      });
      if (!decision.retry) break;
      this.metrics.retries.inc({ upstream: upstream.id });
    }
    // 9. answer
    this.fail(
      exchange,
      failure ?? new GatewayError('NO_HEALTHY_UPSTREAM'),
      started,
      exemplarTraceId,
    );
  }

  /**
   * Steps 9 and 10 for a request no upstream answered: the catalogue's answer, counted by whose
   * fault it was (the client's by reason; ours logged, once, here).
   */
  private fail(
    exchange: Exchange,
    error: GatewayError,
    started: number,
    exemplarTraceId: string | undefined,
  ): void {
    if (error.fault === 'client') this.metrics.clientFault(error.code);
    if (error.logLevel === 'error')
      this.logger.error({ err: error.cause ?? error, code: error.code }, 'gateway fault');
    exchange.answerError(error);
    this.record(exchange, undefined, started, exemplarTraceId);
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

  /** Step 7: one try on one upstream, inside its own client span; the upstream is told. */
  private async attempt(
    exchange: Exchange,
    upstream: Upstream,
    path: string,
    headers: OutgoingHeaders,
    deadline: number,
    attempt: number,
  ): Promise<Attempt> {
    const span = this.clientSpan(upstream, exchange.req.method ?? 'GET', path, attempt);
    upstream.attemptStarted();
    const sent = performance.now();
    let ended = false;
    const end = () => {
      if (!ended) upstream.attemptEnded();
      ended = true;
    };
    const timeoutMs = Math.max(
      1,
      Math.min(this.config.UPSTREAM_HEADERS_TIMEOUT_MS, deadline - Date.now()),
    );
    const outgoing = this.withTraceContext(headers, span);
    // The attempt's deadline travels upstream (absolute, epoch ms): past it nobody waits for
    // the answer, so the node counts nothing (a node frozen meanwhile finds out when it runs
    // again; docs/reliability.md). A streamed body's deadline starts only once it is sent,
    // which nobody knows yet: such a request goes without one.
    if (!exchange.streamedBody) outgoing[DEADLINE_HEADER] = String(Date.now() + timeoutMs);
    try {
      await exchange.forward(
        {
          upstream,
          path,
          pool: this.registry.poolOf(upstream),
          headers: outgoing,
          timeoutMs,
        },
        {
          answered: (status, servedBy) => {
            // A streamed body's upload is in that time, and it is the client's: no sample, or a
            // slow uploader could make an upstream a latency outlier.
            const ms = exchange.streamedBody ? undefined : performance.now() - sent;
            this.report(upstream, { answered: true, ms, servedBy });
            span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
          },
        },
      );
      endSpan(span);
      // In flight until the exchange is over (a tunnel: until it closes; least_conn counts it).
      exchange.onFinished(end);
      return { done: true, upstream };
    } catch (err) {
      end();
      const error = fromTransportError(err);
      // Only the upstream's faults are its outcome (transport-failures.ts); a client that left
      // meanwhile says nothing about it either way; and an attempt whose answer had begun was
      // reported as answered already (once per attempt; nginx's proxy_next_upstream likewise
      // counts only failures before the response header).
      if (error.upstreamFault && !exchange.clientGone && !exchange.responded)
        this.report(upstream, { answered: false, error: error.code });
      span.setAttribute(ATTR_ERROR_TYPE, error.code);
      endSpan(span, err);
      if (exchange.responded) {
        // Bytes already went to the client: never retry, never answer twice.
        exchange.cut();
        return { done: true, upstream };
      }
      return { done: false, error };
    }
  }

  /**
   * An attempt's outcome, reported once, to the upstream (Upstream.report: its passive health,
   * latency and failure count); the balancer is told as every strategy is (onSuccess/onFailure),
   * and an answer has outlier detection judge the upstream against its peers.
   */
  private report(upstream: Upstream, outcome: AttemptOutcome): void {
    const now = Date.now();
    upstream.report(outcome, now);
    if (outcome.answered) {
      this.balancer.onSuccess(upstream);
      this.outliers.observe(upstream, this.registry.upstreams, now);
    } else this.balancer.onFailure(upstream);
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
    // A copy per attempt: each attempt adds its own deadline (and trace context).
    const outgoing = { ...headers };
    if (this.traceFields.size === 0) return outgoing;
    const active = context.active();
    propagation.inject(span === NO_SPAN ? active : trace.setSpan(active, span), outgoing);
    return outgoing;
  }

  /**
   * Step 10, once per request whatever its outcome: the request metric now (an upgrade: its
   * handshake, status 101 when the tunnel opened), the access-log line when the exchange is
   * over (an upgrade: when the tunnel closes, with its duration and bytes).
   */
  private record(
    exchange: Exchange,
    upstream: Upstream | undefined,
    started: number,
    exemplarTraceId: string | undefined,
  ): void {
    const { req } = exchange;
    const method = req.method ?? 'GET';
    const id = upstream?.id ?? NO_UPSTREAM;
    const status = exchange.status;
    this.metrics.observeRequest(
      id,
      methodLabel(method),
      status,
      (performance.now() - started) / 1000,
      exemplarTraceId,
    );
    exchange.onFinished((traffic?: TunnelTraffic) =>
      this.accessLog.write({
        method,
        path: pathOf(req.url),
        userAgent: req.headers['user-agent'],
        status,
        durationMs: performance.now() - started,
        upstream: id,
        requestId: exchange.requestId,
        tunnel: traffic,
      }),
    );
  }
}
