import type { HitEvent } from '@app/hit-events';
import { LiveView } from './live-view';

const event = (node: string, count: number): HitEvent => ({
  v: 1,
  node,
  count,
  ts: '2026-11-29T12:00:00.000Z',
  traceId: null,
});

describe('LiveView', () => {
  it('counts per node and keeps the newest events first, bounded', () => {
    const view = new LiveView(3, 10);
    ['web1', 'web2', 'web2', 'web3', 'web3', 'web3'].forEach((n, i) =>
      view.record(event(n, i + 1), 1000),
    );
    const snap = view.snapshot(1000);
    expect(snap.totals).toEqual({ web1: 1, web2: 2, web3: 3 });
    expect(snap.total).toBe(6);
    expect(snap.recent.map((e) => e.count)).toEqual([6, 5, 4]);
  });

  it('reports hits per second over the last whole seconds of the window', () => {
    const view = new LiveView(5, 10);
    // 20 hits/s for web1 during seconds 100..109, 10/s for web2.
    for (let s = 100; s < 110; s++) {
      for (let i = 0; i < 20; i++) view.record(event('web1', 1), s * 1000 + i);
      for (let i = 0; i < 10; i++) view.record(event('web2', 1), s * 1000 + i);
    }
    const snap = view.snapshot(110_500);
    expect(snap.rates).toEqual({ web1: 20, web2: 10 });
    expect(snap.rate).toBe(30);
    // Ten seconds later the window holds nothing of it.
    expect(view.snapshot(125_000).rates).toEqual({ web1: 0, web2: 0 });
  });

  it('reuses a bucket when its second comes round again', () => {
    const view = new LiveView(5, 2);
    view.record(event('web1', 1), 10_000);
    view.record(event('web1', 2), 12_000); // same bucket index as second 10, new second
    expect(view.snapshot(13_000).rates).toEqual({ web1: 0.5 });
  });
});
