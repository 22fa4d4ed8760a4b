import type { Upstream } from '../upstreams/upstream';

export interface OutlierSettings {
  /** OUTLIER_LATENCY_FACTOR: ejected when this many times slower than its peers' median; 0 = off. */
  factor: number;
  /** OUTLIER_MIN_LATENCY_MS: …and slower than this (no ejection among fast upstreams). */
  minLatencyMs: number;
}

/** Answers an upstream must have given (since its last ejection) before it can be judged. */
const MIN_SAMPLES = 10;

/**
 * Latency-aware outlier detection (Envoy's outlier detection, by latency rather than errors):
 * each upstream keeps a moving average of its time to response headers (Upstream.report); one
 * whose average stays above
 * both `factor` × the median of its available peers and `minLatencyMs` is ejected for its
 * fail_timeout (Upstream.tooSlow), so a node that answers in 2 s instead of 2 ms stops getting
 * its share. At most half of the upstreams are ever out for latency, and an upstream is judged
 * only against at least one available peer: a cluster that is slow as a whole ejects nobody.
 */
export class OutlierDetector {
  constructor(private readonly settings: OutlierSettings) {}

  /** `upstream` just answered (its latency is updated): judge it against its peers. */
  observe(upstream: Upstream, all: readonly Upstream[], now: number): void {
    if (this.settings.factor === 0) return;
    const avg = upstream.latency;
    if (avg.samples < MIN_SAMPLES || avg.ms < this.settings.minLatencyMs) return;

    const peers: number[] = [];
    let out = 0;
    for (const u of all) {
      if (!u.isAvailable(now)) out++;
      else if (u !== upstream) {
        const peer = u.latency;
        if (peer.samples >= MIN_SAMPLES) peers.push(peer.ms);
      }
    }
    if (peers.length === 0 || (out + 1) * 2 > all.length) return;
    peers.sort((a, b) => a - b);
    const median = peers[Math.floor(peers.length / 2)];
    if (avg.ms > this.settings.factor * median) upstream.tooSlow(now);
  }
}
