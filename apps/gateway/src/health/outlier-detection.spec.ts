import { Upstream } from '../upstreams/upstream';
import { OutlierDetector } from './outlier-detection';

function upstreams(n: number, events: string[]): Upstream[] {
  return Array.from(
    { length: n },
    (_, i) =>
      new Upstream(
        {
          url: `http://u${i}:3000`,
          hostname: `u${i}`,
          port: 3000,
          literal: false,
          weight: 1,
          maxFails: 1,
          failTimeoutMs: 1000,
        },
        `10.0.0.${i}`,
        `u${i}`,
        {
          ejected: (u, r) => events.push(`${u.id} ${r}`),
          readmitted: () => undefined,
          attemptFailed: () => undefined,
        },
      ),
  );
}

/** `rounds` answers from every upstream, `ms[i]` each. */
function feed(d: OutlierDetector, all: Upstream[], ms: number[], rounds: number, now = 0) {
  for (let r = 0; r < rounds; r++)
    all.forEach((u, i) => {
      u.report({ answered: true, ms: ms[i], servedBy: undefined }, now);
      d.observe(u, all, now);
    });
}

describe('OutlierDetector', () => {
  it('ejects an upstream far slower than its peers, for its fail_timeout', () => {
    const events: string[] = [];
    const all = upstreams(3, events);
    const d = new OutlierDetector({ factor: 10, minLatencyMs: 100 });
    feed(d, all, [2, 2, 300], 9);
    expect(events).toEqual([]); // not judged before 10 answers
    feed(d, all, [2, 2, 300], 1);
    expect(events).toEqual(['u2 outlier']);
    expect([all[2].isAvailable(999), all[2].isAvailable(1000)]).toEqual([false, true]);
    expect(all[2].isReachable(0)).toBe(true); // still tried in panic mode
    expect(all[2].downReason).toBeUndefined(); // Date.now() is long past t=1000
  });

  it.each<[string, number[], { factor: number; minLatencyMs: number }]>([
    ['slower, but under the minimum latency', [2, 2, 60], { factor: 10, minLatencyMs: 100 }],
    ['slower, but not by the factor', [50, 50, 400], { factor: 10, minLatencyMs: 100 }],
    ['everyone slow alike', [500, 600, 700], { factor: 10, minLatencyMs: 100 }],
    ['turned off', [2, 2, 2000], { factor: 0, minLatencyMs: 100 }],
  ])('ejects nobody: %s', (_name, ms, settings) => {
    const events: string[] = [];
    const all = upstreams(3, events);
    feed(new OutlierDetector(settings), all, ms, 30);
    expect(events).toEqual([]);
  });

  it('never takes more than half of the upstreams out', () => {
    const events: string[] = [];
    const four = upstreams(4, events);
    feed(new OutlierDetector({ factor: 10, minLatencyMs: 100 }), four, [2, 2, 300, 300], 30);
    expect(events).toEqual(['u2 outlier', 'u3 outlier']); // half

    const moreEvents: string[] = [];
    const three = upstreams(3, moreEvents);
    three[0].checked({ at: 't', ok: false }, 1, 1); // one is down already
    feed(new OutlierDetector({ factor: 10, minLatencyMs: 100 }), three, [2, 2, 300], 30);
    expect(moreEvents).toEqual(['u0 active']);
  });
});
