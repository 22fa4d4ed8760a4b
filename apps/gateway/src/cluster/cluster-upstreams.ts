import type { UpstreamView } from '../admin/upstream-view';
import type { UpstreamSource } from '../upstreams/upstream-source';

/**
 * The primary's whole view of the upstreams with GATEWAY_WORKERS > 1: every worker balances and
 * checks health on its own (per-worker state, stated in docs/gateway.md) and reports its view
 * every 250 ms; this merges them. Counters (in flight, requests, failures, ejections) are
 * summed; an upstream is `down` when any worker has it out of rotation (with that worker's
 * reason), so a problem seen by one worker is not hidden by the others; `workers` lists each
 * worker's state.
 */
export class ClusterUpstreams implements UpstreamSource {
  private readonly byWorker = new Map<number, { pid: number; views: UpstreamView[] }>();
  draining = false;

  update(worker: number, pid: number, views: UpstreamView[]): void {
    this.byWorker.set(worker, { pid, views });
  }

  /** A worker exited: its view goes with it. */
  forget(worker: number): void {
    this.byWorker.delete(worker);
  }

  views(): UpstreamView[] {
    const merged = new Map<string, UpstreamView>();
    for (const [worker, { pid, views }] of [...this.byWorker].sort(([a], [b]) => a - b)) {
      for (const v of views) {
        const m = merged.get(v.id);
        const state = { worker, pid, state: v.state, reason: v.reason, requests: v.requests };
        if (!m) {
          merged.set(v.id, { ...v, workers: [state] });
          continue;
        }
        m.inFlight += v.inFlight;
        m.requests += v.requests;
        m.failures += v.failures;
        m.ejections += v.ejections;
        m.node ??= v.node;
        if (v.state === 'down' && m.state === 'up') {
          m.state = 'down';
          m.reason = v.reason;
        }
        if (v.lastCheck && (!m.lastCheck || v.lastCheck.at > m.lastCheck.at))
          m.lastCheck = v.lastCheck;
        m.workers?.push(state);
      }
    }
    return [...merged.values()];
  }
}
