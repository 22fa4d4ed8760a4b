import type { UpstreamSpec } from './upstream-spec';

/** passive: it failed; active: its health check failed; outlier: far slower than its peers. */
export type EjectionReason = 'passive' | 'active' | 'outlier';

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
  /** An attempt on it failed by its fault (`error`: the catalogue code). */
  attemptFailed(upstream: Upstream, error: string): void;
}

export const ignoreUpstreamEvents: UpstreamEvents = {
  ejected: () => {},
  readmitted: () => {},
  attemptFailed: () => {},
};

/**
 * How one attempt on an upstream went, as far as the upstream is concerned: it answered (after
 * `ms` to its response headers), or it failed by its own fault (proxy/proxy.ts reports only
 * those: errors/transport-failures.ts).
 */
export type AttemptOutcome =
  | {
      answered: true;
      /** undefined: no latency sample (a streamed upload's time is the client's, not its). */
      ms: number | undefined;
      servedBy: string | undefined;
    }
  | { answered: false; error: string };

/** Weight of the newest answer in the latency moving average (about the last 10 count). */
const LATENCY_ALPHA = 0.2;

/**
 * One upstream address and everything the data plane knows about it: passive and active health
 * and counters for /upstreams. It owns that state: the methods under "changes" are the only
 * writers (the data plane tells it how attempts went, the active checker how checks went), and
 * every read changes nothing. Balancing state is the balancer's own (balancer/balancer.ts).
 *
 * Passive health follows nginx `max_fails`/`fail_timeout`: `maxFails` failures within
 * `failTimeoutMs` make the upstream unavailable for `failTimeoutMs`; after that it gets traffic
 * again on probation: its next answer re-admits it for good, its next failure ejects it again
 * at once (nginx keeps the failure count at the bound the same way).
 */
export class Upstream {
  /** Metric label and /upstreams key, e.g. `web1:3000` or `web:3000@10.0.0.7`. */
  readonly id: string;
  /** Where connections go: `http://<address>:<port>`. */
  readonly origin: string;
  readonly weight: number;

  private nodeName?: string;
  private inFlightCount = 0;
  private requestCount = 0;
  private failureCount = 0;
  private ejectionCount = 0;

  private fails = 0;
  private failWindowStart = 0;
  /** Ejected by passive health; out of rotation until `passiveUntil`, then on probation. */
  private passiveEjected = false;
  private passiveUntil = 0;

  /** Ejected as a latency outlier until then (outlier-detection.ts decides). */
  private outlierUntil = 0;
  /** Moving average of the time to response headers, and answers it has seen since its last ejection. */
  private latencyMs = 0;
  private latencySamples = 0;

  private activeDown = false;
  private checkFails = 0;
  private checkPasses = 0;
  private last?: HealthCheckResult;

  constructor(
    readonly spec: UpstreamSpec,
    readonly address: string,
    label: string,
    private readonly events: UpstreamEvents = ignoreUpstreamEvents,
  ) {
    this.id = label;
    this.weight = spec.weight;
    const host = address.includes(':') ? `[${address}]` : address;
    this.origin = `http://${host}:${spec.port}`;
  }

  // ---- reads (change nothing) ----

  /** May this upstream be picked now? */
  isAvailable(now: number): boolean {
    return !this.activeDown && !this.passivelyOut(now) && now >= this.outlierUntil;
  }

  /**
   * May this upstream be tried when every upstream is out of rotation (panic mode)? Only
   * passive ejections count then: an upstream that answers its health check with 503 still
   * answers, and its own error says more than NO_HEALTHY_UPSTREAM.
   */
  isReachable(now: number): boolean {
    return !this.passivelyOut(now);
  }

  stateAt(now: number): 'up' | 'down' {
    return this.isAvailable(now) ? 'up' : 'down';
  }

  get state(): 'up' | 'down' {
    return this.stateAt(Date.now());
  }

  get downReason(): EjectionReason | undefined {
    const now = Date.now();
    if (this.activeDown) return 'active';
    if (this.passivelyOut(now)) return 'passive';
    return now < this.outlierUntil ? 'outlier' : undefined;
  }

  /** The node name the upstream answers with (`x-served-by`), once seen. */
  get node(): string | undefined {
    return this.nodeName;
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  get requests(): number {
    return this.requestCount;
  }

  get failures(): number {
    return this.failureCount;
  }

  get ejections(): number {
    return this.ejectionCount;
  }

  get lastCheck(): HealthCheckResult | undefined {
    return this.last;
  }

  /** Its latency moving average (ms to response headers) and how many answers it rests on. */
  get latency(): { ms: number; samples: number } {
    return { ms: this.latencyMs, samples: this.latencySamples };
  }

  private passivelyOut(now: number): boolean {
    return this.passiveEjected && now < this.passiveUntil;
  }

  // ---- changes ----

  /**
   * One attempt's outcome, reported once (Envoy's `putResult`/`putResponseTime`): its passive
   * health, its latency, and the attempt-failure metric (through its events) all follow from it.
   */
  report(outcome: AttemptOutcome, now: number): void {
    if (outcome.answered) {
      if (outcome.ms !== undefined) {
        this.latencyMs =
          this.latencySamples === 0
            ? outcome.ms
            : this.latencyMs + LATENCY_ALPHA * (outcome.ms - this.latencyMs);
        this.latencySamples++;
      }
      this.answered(outcome.servedBy);
    } else {
      this.events.attemptFailed(this, outcome.error);
      this.failed(now);
    }
  }

  /** An attempt (request or upgrade) is sent to this upstream. */
  attemptStarted(): void {
    this.inFlightCount++;
    this.requestCount++;
  }

  /** That attempt is over, however it went. */
  attemptEnded(): void {
    this.inFlightCount--;
  }

  /**
   * The upstream answered (any status: a 5xx is an answer, not a failure). `node` is its
   * `x-served-by`, which lets the live view match hit events (named by node) to upstreams.
   */
  answered(node: string | undefined): void {
    if (node !== undefined) this.nodeName = node;
    this.fails = 0;
    if (this.passiveEjected) {
      // Only reachable on probation (a pick needs the ejection to have lapsed): back for good.
      this.passiveEjected = false;
      this.events.readmitted(this, 'passive');
    }
  }

  /** Connecting failed, the connection broke before an answer, or the upstream timed out. */
  failed(now: number): void {
    this.failureCount++;
    if (this.spec.maxFails === 0) return;
    if (this.passiveEjected) {
      // On probation (or a late failure of an attempt sent before the ejection): out again.
      if (now >= this.passiveUntil) this.eject(now);
      return;
    }
    if (now - this.failWindowStart > this.spec.failTimeoutMs) {
      this.fails = 0;
      this.failWindowStart = now;
    }
    this.fails++;
    if (this.fails >= this.spec.maxFails) {
      this.passiveEjected = true;
      this.eject(now);
    }
  }

  /** Outcome of one active check; `fails`/`passes` are the thresholds. */
  checked(result: HealthCheckResult, fails: number, passes: number): void {
    this.last = result;
    if (result.ok) {
      this.checkFails = 0;
      this.checkPasses++;
      // M passes in a row re-admit an upstream ejected by the checks, and clear a passive
      // ejection too (passes counted since it: the upstream demonstrably answers again) — or a
      // node restarted within fail_timeout stays out for all of it, checks passing or not
      // (seen by the stack test's `kill web2`: docs/operations.md).
      if ((this.activeDown || this.passiveEjected) && this.checkPasses >= passes) {
        this.activeDown = false;
        this.passiveEjected = false;
        this.fails = 0;
        this.events.readmitted(this, 'active');
      }
    } else {
      this.checkPasses = 0;
      this.checkFails++;
      if (!this.activeDown && this.checkFails >= fails) {
        this.activeDown = true;
        this.ejectionCount++;
        this.events.ejected(this, 'active');
      }
    }
  }

  /**
   * Far slower than its peers (outlier-detection.ts): out of rotation for fail_timeout, like a
   * passive ejection, but still tried in panic mode (it answers, slowly).
   */
  tooSlow(now: number): void {
    if (now < this.outlierUntil) return;
    this.outlierUntil = now + this.spec.failTimeoutMs;
    // Judged afresh when it is back: old samples say nothing about the node it is then.
    this.latencySamples = 0;
    this.ejectionCount++;
    this.events.ejected(this, 'outlier');
  }

  private eject(now: number): void {
    this.passiveUntil = now + this.spec.failTimeoutMs;
    // Only checks passed after the ejection may lift it.
    this.checkPasses = 0;
    this.ejectionCount++;
    this.events.ejected(this, 'passive');
  }
}
