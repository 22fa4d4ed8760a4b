import type { Upstream } from '../upstreams/upstream';

export interface OutlierSettings {
  /** OUTLIER_LATENCY_FACTOR: ejected when this many times slower than its peers' median; 0 = off. */
  factor: number;
  /** OUTLIER_MIN_LATENCY_MS: …and slower than this (no ejection among fast upstreams). */
  minLatencyMs: number;
}

/** Answers an upstream must have given (since its last ejection) before it can be judged. */
const MIN_SAMPLES = 10;
/** Weight of the newest sample in the moving average (about the last 10 answers count). */
const ALPHA = 0.2;

/**
 * Latency-aware outlier detection (Envoy's outlier detection, by latency rather than errors):
 * a moving average of each upstream's time to response headers; one whose average stays above
 * both `factor` × the median of its available peers and `minLatencyMs` is ejected for its
 * fail_timeout (Upstream.tooSlow), so a node that answers in 2 s instead of 2 ms stops getting
 * its share. At most half of the upstreams are ever out for latency, and an upstream is judged
 * only against at least one available peer: a cluster that is slow as a whole ejects nobody.
 */
export class OutlierDetector {
  private readonly averages = new WeakMap<Upstream, { ms: number; samples: number }>();

  constructor(private readonly settings: OutlierSettings) {}

  /** One answered attempt of `upstream` took `ms` to its response headers. */
  observe(upstream: Upstream, ms: number, all: readonly Upstream[], now: number): void {
    if (this.settings.factor === 0) return;
    let avg = this.averages.get(upstream);
    if (!avg) this.averages.set(upstream, (avg = { ms, samples: 0 }));
    avg.ms += ALPHA * (ms - avg.ms);
    avg.samples++;
    if (avg.samples < MIN_SAMPLES || avg.ms < this.settings.minLatencyMs) return;

    const peers: number[] = [];
    let out = 0;
    for (const u of all) {
      if (!u.isAvailable(now)) out++;
      else if (u !== upstream) {
        const peer = this.averages.get(u);
        if (peer && peer.samples >= MIN_SAMPLES) peers.push(peer.ms);
      }
    }
    if (peers.length === 0 || (out + 1) * 2 > all.length) return;
    peers.sort((a, b) => a - b);
    const median = peers[Math.floor(peers.length / 2)];
    if (avg.ms > this.settings.factor * median) {
      upstream.tooSlow(now);
      // Judged afresh when it is back: old samples say nothing about the node it is then.
      this.averages.delete(upstream);
    }
  }
}
