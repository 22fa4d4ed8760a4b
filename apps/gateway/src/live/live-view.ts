import type { HitEvent } from '@app/hit-events';

export interface LiveSnapshot {
  /** Hits seen on the channel per node since the gateway started (at-most-once: may lag). */
  totals: Record<string, number>;
  total: number;
  /** Hits per second per node over the last `rateWindowS` seconds. */
  rates: Record<string, number>;
  rate: number;
  /** The newest events, newest first. */
  recent: HitEvent[];
}

/**
 * A rolling view of the hit events a subscriber received: totals, recent rate (per-second
 * buckets over a short window) and the last few events. O(1) per event, bounded memory.
 */
export class LiveView {
  private readonly totals = new Map<string, number>();
  /** Per node: hits in each of the last `rateWindowS` seconds, indexed by second % window. */
  private readonly buckets = new Map<string, { second: number[]; count: number[] }>();
  private readonly recent: HitEvent[] = [];
  private total = 0;

  constructor(
    private readonly recentSize = 20,
    private readonly rateWindowS = 10,
  ) {}

  record(event: HitEvent, nowMs: number): void {
    this.total++;
    this.totals.set(event.node, (this.totals.get(event.node) ?? 0) + 1);
    const second = Math.floor(nowMs / 1000);
    let b = this.buckets.get(event.node);
    if (!b) {
      b = {
        second: new Array<number>(this.rateWindowS).fill(-1),
        count: new Array<number>(this.rateWindowS).fill(0),
      };
      this.buckets.set(event.node, b);
    }
    const i = second % this.rateWindowS;
    if (b.second[i] !== second) {
      b.second[i] = second;
      b.count[i] = 0;
    }
    b.count[i]++;
    this.recent.unshift(event);
    if (this.recent.length > this.recentSize) this.recent.pop();
  }

  snapshot(nowMs: number): LiveSnapshot {
    const now = Math.floor(nowMs / 1000);
    const rates: Record<string, number> = {};
    let rate = 0;
    // Whole seconds only: the current, partial second would under-report.
    for (const [node, b] of this.buckets) {
      let sum = 0;
      for (let i = 0; i < this.rateWindowS; i++) {
        const age = now - b.second[i];
        if (age >= 1 && age <= this.rateWindowS) sum += b.count[i];
      }
      rates[node] = sum / this.rateWindowS;
      rate += rates[node];
    }
    const totals: Record<string, number> = {};
    for (const node of [...this.totals.keys()].sort()) totals[node] = this.totals.get(node) ?? 0;
    return { totals, total: this.total, rates, rate, recent: [...this.recent] };
  }
}
