import type { UpstreamView } from '../admin/upstream-view';
import { ClusterUpstreams } from './cluster-upstreams';

const view = (id: string, change: Partial<UpstreamView> = {}): UpstreamView => ({
  id,
  url: `http://${id}`,
  address: '127.0.0.1',
  node: null,
  weight: 1,
  state: 'up',
  reason: null,
  inFlight: 1,
  requests: 10,
  failures: 0,
  ejections: 0,
  lastCheck: null,
  ...change,
});

describe('ClusterUpstreams', () => {
  it('sums counters, is down where any worker is, and lists each worker', () => {
    const cluster = new ClusterUpstreams();
    cluster.update(2, 202, [
      view('a'),
      view('b', { state: 'down', reason: 'passive', failures: 1, ejections: 1 }),
    ]);
    cluster.update(1, 101, [
      view('a', { node: 'web1', lastCheck: { at: '2026-11-30T00:00:01Z', ok: true } }),
      view('b', { node: 'web2' }),
    ]);
    expect(cluster.views()).toEqual([
      view('a', {
        node: 'web1',
        inFlight: 2,
        requests: 20,
        lastCheck: { at: '2026-11-30T00:00:01Z', ok: true },
        workers: [
          { worker: 1, pid: 101, state: 'up', reason: null, requests: 10 },
          { worker: 2, pid: 202, state: 'up', reason: null, requests: 10 },
        ],
      }),
      view('b', {
        node: 'web2',
        state: 'down',
        reason: 'passive',
        inFlight: 2,
        requests: 20,
        failures: 1,
        ejections: 1,
        workers: [
          { worker: 1, pid: 101, state: 'up', reason: null, requests: 10 },
          { worker: 2, pid: 202, state: 'down', reason: 'passive', requests: 10 },
        ],
      }),
    ]);
    cluster.forget(2);
    expect(cluster.views().map((v) => [v.id, v.state, v.requests])).toEqual([
      ['a', 'up', 10],
      ['b', 'up', 10],
    ]);
  });
});
