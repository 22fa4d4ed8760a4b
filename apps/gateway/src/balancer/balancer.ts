import type { Upstream } from '../upstreams/upstream';

/**
 * Which upstreams a pick may choose: those in rotation, or — in panic mode, when none is — those
 * not passively ejected (see {@link Upstream.isReachable}).
 */
export type Eligibility = 'healthy' | 'panic';

/**
 * A balancing strategy. `pick` chooses among the available upstreams not yet tried for this
 * request; `onSuccess`/`onFailure` tell it how the attempt went. Every strategy shares this
 * interface so the proxy never knows which one runs, and keeps its own per-upstream state
 * (upstreams only own their health).
 */
export interface Balancer {
  pick(
    upstreams: readonly Upstream[],
    now: number,
    tried: ReadonlySet<Upstream>,
    eligibility?: Eligibility,
  ): Upstream | undefined;
  onSuccess(upstream: Upstream): void;
  onFailure(upstream: Upstream): void;
}

/**
 * nginx's smooth weighted round robin (ngx_http_upstream_get_peer): every pick adds each
 * candidate's effective weight to its current weight, takes the largest, and subtracts the
 * total from the winner. Over any window of sum(weights) picks each upstream is chosen exactly
 * `weight` times, spread out rather than in runs (1:2:3 → c b a c b c … never c c c).
 */
export class SmoothWeightedRoundRobin implements Balancer {
  /** nginx's peer fields, per upstream (created at its first pick). */
  private readonly peers = new WeakMap<Upstream, { current: number; effective: number }>();

  pick(
    upstreams: readonly Upstream[],
    now: number,
    tried: ReadonlySet<Upstream>,
    eligibility: Eligibility = 'healthy',
  ) {
    let best: { current: number } | undefined;
    let bestUpstream: Upstream | undefined;
    let total = 0;
    for (const upstream of upstreams) {
      if (tried.has(upstream) || !eligible(upstream, now, eligibility)) continue;
      const peer = this.peerOf(upstream);
      peer.current += peer.effective;
      total += peer.effective;
      // Recover an effective weight lowered by failures, one step per pick (nginx).
      if (peer.effective < upstream.weight) peer.effective++;
      if (!best || peer.current > best.current) {
        best = peer;
        bestUpstream = upstream;
      }
    }
    if (best) best.current -= total;
    return bestUpstream;
  }

  onSuccess(): void {}

  /** A failing upstream gets less traffic while it recovers (nginx ngx_http_upstream_free_round_robin_peer). */
  onFailure(upstream: Upstream): void {
    if (upstream.spec.maxFails === 0) return;
    const peer = this.peerOf(upstream);
    peer.effective = Math.max(0, peer.effective - upstream.weight / upstream.spec.maxFails);
  }

  /** The effective weight (for tests and /upstreams-style introspection). */
  effectiveWeight(upstream: Upstream): number {
    return this.peerOf(upstream).effective;
  }

  private peerOf(upstream: Upstream): { current: number; effective: number } {
    let peer = this.peers.get(upstream);
    if (!peer) this.peers.set(upstream, (peer = { current: 0, effective: upstream.weight }));
    return peer;
  }
}

/**
 * nginx `least_conn`: the upstream with the fewest in-flight requests relative to its weight
 * (conns/weight, compared without division); ties broken by smooth weighted round robin.
 */
export class LeastConnections implements Balancer {
  private readonly tieBreak = new SmoothWeightedRoundRobin();
  private readonly tied = new Set<Upstream>();

  pick(
    upstreams: readonly Upstream[],
    now: number,
    tried: ReadonlySet<Upstream>,
    eligibility: Eligibility = 'healthy',
  ) {
    let best: Upstream | undefined;
    let ties = 0;
    for (const upstream of upstreams) {
      if (tried.has(upstream) || !eligible(upstream, now, eligibility)) continue;
      if (!best || upstream.inFlight * best.weight < best.inFlight * upstream.weight) {
        best = upstream;
        ties = 1;
      } else if (upstream.inFlight * best.weight === best.inFlight * upstream.weight) {
        ties++;
      }
    }
    if (!best || ties === 1) return best;
    // Exclude everything that is not tied with the best, then round-robin among the rest.
    this.tied.clear();
    for (const upstream of upstreams) {
      if (upstream.inFlight * best.weight !== best.inFlight * upstream.weight)
        this.tied.add(upstream);
    }
    for (const upstream of tried) this.tied.add(upstream);
    return this.tieBreak.pick(upstreams, now, this.tied, eligibility);
  }

  onSuccess(): void {}

  onFailure(upstream: Upstream): void {
    this.tieBreak.onFailure(upstream);
  }
}

function eligible(upstream: Upstream, now: number, eligibility: Eligibility): boolean {
  return eligibility === 'healthy' ? upstream.isAvailable(now) : upstream.isReachable(now);
}

export function createBalancer(kind: 'round_robin' | 'least_conn'): Balancer {
  return kind === 'least_conn' ? new LeastConnections() : new SmoothWeightedRoundRobin();
}
