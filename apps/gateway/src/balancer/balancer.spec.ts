import { Upstream } from '../upstreams/upstream';
import type { UpstreamSpec } from '../upstreams/upstream-spec';
import { LeastConnections, SmoothWeightedRoundRobin } from './balancer';

function upstream(name: string, weight: number, maxFails = 1): Upstream {
  const spec: UpstreamSpec = {
    url: `http://${name}:80`,
    hostname: name,
    port: 80,
    literal: false,
    weight,
    maxFails,
    failTimeoutMs: 10_000,
  };
  return new Upstream(spec, '127.0.0.1', name);
}

const none = new Set<Upstream>();

describe('SmoothWeightedRoundRobin', () => {
  it('picks 1:2:3 in nginx order, every cycle the same', () => {
    const ups = [upstream('a', 1), upstream('b', 2), upstream('c', 3)];
    const rr = new SmoothWeightedRoundRobin();
    const picks = Array.from({ length: 12 }, () => rr.pick(ups, 0, none)?.id);
    expect(picks).toEqual(['c', 'b', 'a', 'c', 'b', 'c', 'c', 'b', 'a', 'c', 'b', 'c']);
  });

  it('gives exact shares over whole cycles and never a run longer than the weight', () => {
    const ups = [upstream('a', 1), upstream('b', 2), upstream('c', 3)];
    const rr = new SmoothWeightedRoundRobin();
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    let longest: Record<string, number> = { a: 0, b: 0, c: 0 };
    let previous = '';
    let run = 0;
    for (let i = 0; i < 6000; i++) {
      const id = rr.pick(ups, 0, none)!.id;
      counts[id]++;
      run = id === previous ? run + 1 : 1;
      previous = id;
      longest = { ...longest, [id]: Math.max(longest[id], run) };
    }
    expect(counts).toEqual({ a: 1000, b: 2000, c: 3000 });
    expect(longest).toEqual({ a: 1, b: 1, c: 2 });
  });

  it('skips upstreams already tried and unavailable ones', () => {
    const [a, b, c] = [upstream('a', 1), upstream('b', 2), upstream('c', 3)];
    const rr = new SmoothWeightedRoundRobin();
    expect(rr.pick([a, b, c], 0, new Set([c]))?.id).toBe('b');
    c.failed(0); // max_fails=1: ejected
    expect(Array.from({ length: 3 }, () => rr.pick([a, b, c], 1, none)?.id).sort()).toEqual([
      'a',
      'b',
      'b',
    ]);
    expect(rr.pick([a, b, c], 1, new Set([a, b]))).toBeUndefined();
  });

  it('in panic mode picks actively ejected upstreams but never passively ejected ones', () => {
    const [a, b] = [upstream('a', 1), upstream('b', 1)];
    const fail = { at: 't', ok: false, status: 503 };
    a.checked(fail, 1, 1); // answers, but not ready
    b.failed(0); // does not answer
    const rr = new SmoothWeightedRoundRobin();
    expect(rr.pick([a, b], 1, none)).toBeUndefined();
    expect([1, 2, 3].map(() => rr.pick([a, b], 1, none, 'panic')?.id)).toEqual(['a', 'a', 'a']);
  });

  it('lowers a failing upstream’s effective weight and lets it recover one step per pick', () => {
    const a = upstream('a', 4, 2);
    const rr = new SmoothWeightedRoundRobin();
    rr.onFailure(a);
    expect(rr.effectiveWeight(a)).toBe(2);
    rr.pick([a], 0, none);
    expect(rr.effectiveWeight(a)).toBe(3);
  });
});

describe('LeastConnections', () => {
  it('picks the fewest in-flight requests per unit of weight', () => {
    const [a, b, c] = [upstream('a', 1), upstream('b', 2), upstream('c', 3)];
    inFlight(a, 1); // 1/1
    inFlight(b, 1); // 1/2
    inFlight(c, 3); // 3/3
    expect(new LeastConnections().pick([a, b, c], 0, none)?.id).toBe('b');
  });

  it('breaks ties by weighted round robin among the tied only', () => {
    const [a, b, c] = [upstream('a', 1), upstream('b', 2), upstream('c', 1)];
    inFlight(c, 5);
    const lc = new LeastConnections();
    const picks = Array.from({ length: 6 }, () => lc.pick([a, b, c], 0, none)?.id);
    expect(picks.filter((p) => p === 'c')).toEqual([]);
    expect(picks.filter((p) => p === 'b')).toHaveLength(4);
  });
});

/** Put `n` attempts in flight on an upstream, through its own API. */
function inFlight(u: Upstream, n: number): void {
  for (let i = 0; i < n; i++) u.attemptStarted();
}
