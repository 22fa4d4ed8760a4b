import type { UpstreamSpec } from './upstream-spec';

export type EjectionReason = 'passive' | 'active';

/** Result of the last active health check, for /upstreams. */
export interface HealthCheckResult {
  at: string;
  ok: boolean;
  status?: number;
  error?: string;
}

/** What an upstream reports about itself; metrics listen. Defaults to {@link ignoreUpstreamEvents}. */
export interface UpstreamEvents {
  ejected(upstream: Upstream, reason: EjectionReason): void;
  readmitted(upstream: Upstream, reason: EjectionReason): void;
}

export const ignoreUpstreamEvents: UpstreamEvents = {
  ejected: () => {},
  readmitted: () => {},
};

/**
 * One upstream address and everything the data plane knows about it: balancing state (nginx's
 * peer fields), passive and active health, and counters for /upstreams.
 *
 * Passive health follows nginx `max_fails`/`fail_timeout`: `maxFails` failures within
 * `failTimeoutMs` make the upstream unavailable for `failTimeoutMs`; after that it gets
 * traffic again, and one more failure ejects it again at once (the count is still at the bound).
 */
export class Upstream {
  /** Metric label and /upstreams key, e.g. `web1:3000` or `web:3000@10.0.0.7`. */
  readonly id: string;
  /** Where connections go: `http://<address>:<port>`. */
  readonly origin: string;
  readonly weight: number;

  // Smooth weighted round robin state (ngx_http_upstream_round_robin.c).
  currentWeight = 0;
  effectiveWeight: number;

  /** The node name the upstream answers with (`x-served-by`), once seen. */
  node?: string;
  inFlight = 0;
  requests = 0;
  failures = 0;
  ejections = 0;

  private fails = 0;
  private failWindowStart = 0;
  private passiveUntil = 0;
  private passiveEjected = false;

  private activeDown = false;
  private checkFails = 0;
  private checkPasses = 0;
  lastCheck?: HealthCheckResult;

  constructor(
    readonly spec: UpstreamSpec,
    readonly address: string,
    label: string,
    private readonly events: UpstreamEvents = ignoreUpstreamEvents,
  ) {
    this.id = label;
    this.weight = spec.weight;
    this.effectiveWeight = spec.weight;
    const host = address.includes(':') ? `[${address}]` : address;
    this.origin = `http://${host}:${spec.port}`;
  }

  /** May this upstream be picked now? */
  isAvailable(now: number): boolean {
    if (this.activeDown) return false;
    if (this.passiveEjected && now >= this.passiveUntil) {
      // fail_timeout elapsed: back in rotation; the failure count stays, so one more
      // failure ejects it again (nginx behaviour).
      this.passiveEjected = false;
      this.failWindowStart = now;
      this.events.readmitted(this, 'passive');
    }
    return !this.passiveEjected;
  }

  /**
   * May this upstream be tried when every upstream is out of rotation (panic mode)? Only
   * passive ejections count then: an upstream that answers its health check with 503 still
   * answers, and its own error says more than NO_HEALTHY_UPSTREAM.
   */
  isReachable(now: number): boolean {
    this.isAvailable(now); // lets an expired passive ejection lapse
    return !this.passiveEjected;
  }

  get state(): 'up' | 'down' {
    return this.activeDown || (this.passiveEjected && Date.now() < this.passiveUntil)
      ? 'down'
      : 'up';
  }

  get downReason(): EjectionReason | undefined {
    if (this.activeDown) return 'active';
    return this.state === 'down' ? 'passive' : undefined;
  }

  /** A request reached the upstream and got a response (any status: 5xx is not a failure). */
  recordSuccess(): void {
    this.fails = 0;
  }

  /** Connecting failed, the connection broke, or the upstream timed out. */
  recordFailure(now: number): void {
    this.failures++;
    if (this.spec.maxFails === 0) return;
    if (now - this.failWindowStart > this.spec.failTimeoutMs) {
      this.fails = 0;
      this.failWindowStart = now;
    }
    this.fails++;
    if (this.fails >= this.spec.maxFails && !this.passiveEjected) {
      this.passiveEjected = true;
      this.passiveUntil = now + this.spec.failTimeoutMs;
      this.ejections++;
      this.events.ejected(this, 'passive');
    }
  }

  /** Outcome of one active check; `fails`/`passes` are the thresholds. */
  recordCheck(result: HealthCheckResult, fails: number, passes: number): void {
    this.lastCheck = result;
    if (result.ok) {
      this.checkFails = 0;
      this.checkPasses++;
      if (this.activeDown && this.checkPasses >= passes) {
        this.activeDown = false;
        // A healthy check also clears a passive ejection: the upstream demonstrably answers.
        this.passiveEjected = false;
        this.fails = 0;
        this.events.readmitted(this, 'active');
      }
    } else {
      this.checkPasses = 0;
      this.checkFails++;
      if (!this.activeDown && this.checkFails >= fails) {
        this.activeDown = true;
        this.ejections++;
        this.events.ejected(this, 'active');
      }
    }
  }
}
