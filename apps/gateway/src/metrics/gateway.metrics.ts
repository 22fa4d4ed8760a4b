import { Inject, Injectable } from '@nestjs/common';
import {
  EXEMPLAR_TRACE_ID_LABEL,
  HTTP_DURATION_BUCKETS,
  METRICS_REGISTRY,
  type MetricsRegistry,
} from '@app/observability';
import { Counter, Gauge, Histogram, type LabelValues } from 'prom-client';
import { CLIENT_FAULT_CODES, type GatewayErrorCode } from '../errors/gateway-errors';
import type { EjectionReason, Upstream, UpstreamEvents } from '../upstreams/upstream';

/** Label value for requests no upstream answered (none available, body too large, …). */
export const NO_UPSTREAM = 'none';

/** Every gateway_* metric's definition, and the per-upstream children the hot path uses. */
@Injectable()
export class GatewayMetrics implements UpstreamEvents {
  readonly requests: Counter<'upstream' | 'method' | 'status_code'>;
  readonly duration: Histogram<'upstream'>;
  readonly ejections: Counter<'upstream' | 'reason'>;
  readonly attemptFailures: Counter<'upstream' | 'error'>;
  readonly retries: Counter<'upstream'>;
  readonly clientFaults: Counter<'reason'>;
  private readonly clientFaultChildren = new Map<string, Counter.Internal>();
  readonly panics: Counter;
  readonly hitEventsReceived: Counter;
  readonly hitEventsInvalid: Counter<'reason'>;
  readonly liveDropped: Counter;
  readonly liveClients: Gauge;
  private upstreams: readonly Upstream[] = [];
  private readonly requestChildren = new Map<string, Counter.Internal>();
  private readonly durationChildren = new Map<string, Histogram.Internal<'upstream'>>();

  constructor(@Inject(METRICS_REGISTRY) registry: MetricsRegistry) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'gateway_requests_total',
      help: 'Requests answered by the gateway, by the upstream that answered (none: the gateway itself).',
      labelNames: ['upstream', 'method', 'status_code'],
      registers,
    });
    this.duration = new Histogram({
      name: 'gateway_request_duration_seconds',
      help: 'Time from request received to response finished, by the upstream that answered.',
      labelNames: ['upstream'],
      buckets: HTTP_DURATION_BUCKETS,
      enableExemplars: true,
      registers,
    });
    this.ejections = new Counter({
      name: 'gateway_upstream_ejections_total',
      help: 'Times an upstream was taken out of rotation, by health check kind.',
      labelNames: ['upstream', 'reason'],
      registers,
    });
    this.attemptFailures = new Counter({
      name: 'gateway_upstream_attempt_failures_total',
      help: 'Attempts on an upstream that failed, by error (UPSTREAM_TIMEOUT: no response headers within UPSTREAM_HEADERS_TIMEOUT_MS; UPSTREAM_UNAVAILABLE: not reached or reset; UPSTREAM_INVALID_RESPONSE: not HTTP/1.1). Only upstream faults count.',
      labelNames: ['upstream', 'error'],
      registers,
    });
    this.clientFaults = new Counter({
      name: 'gateway_client_faults_total',
      help: 'Requests that ended by the client\'s fault, by error code (never counted against an upstream: docs/gateway.md, "Whose fault").',
      labelNames: ['reason'],
      registers,
    });
    for (const reason of CLIENT_FAULT_CODES)
      this.clientFaultChildren.set(reason, this.clientFaults.labels({ reason }));
    for (const child of this.clientFaultChildren.values()) child.inc(0);
    this.retries = new Counter({
      name: 'gateway_retries_total',
      help: 'Requests retried on another upstream after this upstream failed.',
      labelNames: ['upstream'],
      registers,
    });
    this.panics = new Counter({
      name: 'gateway_panic_requests_total',
      help: 'Requests sent while no upstream was in rotation (panic mode: passively healthy ones tried anyway).',
      registers,
    });
    this.hitEventsReceived = new Counter({
      name: 'gateway_hit_events_received_total',
      help: 'Valid hit events received on the Redis channel by the live view.',
      registers,
    });
    this.hitEventsInvalid = new Counter({
      name: 'gateway_hit_events_invalid_total',
      help: 'Messages on the hits channel dropped as invalid (too_large, not_json, invalid).',
      labelNames: ['reason'],
      registers,
    });
    for (const reason of ['too_large', 'not_json', 'invalid'])
      this.hitEventsInvalid.inc({ reason }, 0);
    this.liveDropped = new Counter({
      name: 'gateway_live_messages_dropped_total',
      help: 'Live view messages skipped for clients too slow to take them.',
      registers,
    });
    this.liveClients = new Gauge({
      name: 'gateway_live_clients',
      help: 'Open live view (SSE) connections.',
      registers,
    });
    const current = () => this.upstreams;
    new Gauge({
      name: 'gateway_upstream_up',
      help: '1 when the upstream is in rotation, 0 while ejected.',
      labelNames: ['upstream'],
      registers,
      // GATEWAY_WORKERS > 1: down (0) when any worker has it out of rotation.
      aggregator: 'min',
      collect() {
        this.reset();
        for (const u of current()) this.set({ upstream: u.id }, u.state === 'up' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'gateway_upstream_weight',
      help: 'Configured weight of the upstream (its expected share is weight / sum of weights up).',
      labelNames: ['upstream'],
      registers,
      // The same in every worker: not a sum.
      aggregator: 'first',
      collect() {
        this.reset();
        for (const u of current()) this.set({ upstream: u.id }, u.weight);
      },
    });
    new Gauge({
      name: 'gateway_upstream_inflight',
      help: 'Requests in flight to the upstream.',
      labelNames: ['upstream'],
      registers,
      collect() {
        this.reset();
        for (const u of current()) this.set({ upstream: u.id }, u.inFlight);
      },
    });
  }

  /** New upstream set: pre-create series so dashboards show zeros, not gaps. */
  track(upstreams: readonly Upstream[]): void {
    this.upstreams = upstreams;
    for (const u of upstreams) {
      this.retries.inc({ upstream: u.id }, 0);
      for (const error of ['UPSTREAM_TIMEOUT', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_INVALID_RESPONSE'])
        this.attemptFailures.inc({ upstream: u.id, error }, 0);
      for (const reason of ['passive', 'active', 'outlier'] as const) {
        this.ejections.inc({ upstream: u.id, reason }, 0);
      }
    }
  }

  /**
   * One finished request: `gateway_requests_total` and `gateway_request_duration_seconds`, with
   * a `trace_id` exemplar when the request was traced. The label children are cached: prom-client
   * validates and hashes a label object on every call, a measurable share of a proxied request.
   */
  observeRequest(
    upstream: string,
    method: string,
    status: number,
    seconds: number,
    traceId: string | undefined,
  ): void {
    const key = `${upstream} ${method} ${status}`;
    let counter = this.requestChildren.get(key);
    if (!counter) {
      counter = this.requests.labels({ upstream, method, status_code: String(status) });
      // Bounded: upstreams × methods (7 + _OTHER) × statuses seen.
      this.requestChildren.set(key, counter);
    }
    counter.inc();
    if (traceId === undefined) {
      let histogram = this.durationChildren.get(upstream);
      if (!histogram) {
        histogram = this.duration.labels({ upstream });
        this.durationChildren.set(upstream, histogram);
      }
      histogram.observe(seconds);
    } else {
      this.duration.observe({
        labels: { upstream },
        value: seconds,
        // prom-client types exemplar labels as the metric's own label names; they are not.
        exemplarLabels: { [EXEMPLAR_TRACE_ID_LABEL]: traceId } as LabelValues<'upstream'>,
      });
    }
  }

  /** One request ended by the client's fault (a catalogue code whose fault is `client`). */
  clientFault(code: GatewayErrorCode): void {
    this.clientFaultChildren.get(code)?.inc();
  }

  ejected(upstream: Upstream, reason: EjectionReason): void {
    this.ejections.inc({ upstream: upstream.id, reason });
  }

  readmitted(): void {}

  attemptFailed(upstream: Upstream, error: string): void {
    this.attemptFailures.inc({ upstream: upstream.id, error });
  }
}
