import { Upstream, type UpstreamEvents } from './upstream';

function makeUpstream(maxFails: number, failTimeoutMs = 1000) {
  const events: string[] = [];
  const listener: UpstreamEvents = {
    ejected: (u, reason) => events.push(`ejected ${reason}`),
    readmitted: (u, reason) => events.push(`readmitted ${reason}`),
    attemptFailed: (u, error) => events.push(`failed ${error}`),
  };
  const upstream = new Upstream(
    {
      url: 'http://web:3000',
      hostname: 'web',
      port: 3000,
      literal: false,
      weight: 1,
      maxFails,
      failTimeoutMs,
    },
    '10.0.0.7',
    'web:3000',
    listener,
  );
  return { upstream, events };
}

describe('Upstream passive health (nginx max_fails / fail_timeout)', () => {
  it('ejects after max_fails failures within fail_timeout, for fail_timeout', () => {
    const { upstream, events } = makeUpstream(2, 1000);
    upstream.failed(0);
    expect(upstream.isAvailable(10)).toBe(true);
    upstream.failed(500);
    expect(upstream.isAvailable(501)).toBe(false);
    expect(upstream.isAvailable(1499)).toBe(false);
    expect(upstream.isReachable(1499)).toBe(false);
    expect(upstream.isAvailable(1500)).toBe(true);
    expect(upstream.ejections).toBe(1);
    expect(upstream.failures).toBe(2);
    expect(events).toEqual(['ejected passive']);
  });

  it('after fail_timeout: an answer re-admits it for good, a failure ejects it again at once', () => {
    const answered = makeUpstream(2, 1000);
    answered.upstream.failed(0);
    answered.upstream.failed(0);
    answered.upstream.answered('web1');
    expect(answered.upstream.node).toBe('web1');
    answered.upstream.failed(1600);
    expect(answered.upstream.isAvailable(1601)).toBe(true); // the count started over
    expect(answered.events).toEqual(['ejected passive', 'readmitted passive']);

    const failing = makeUpstream(2, 1000);
    failing.upstream.failed(0);
    failing.upstream.failed(0);
    failing.upstream.failed(1500);
    expect(failing.upstream.isAvailable(1501)).toBe(false);
    expect(failing.upstream.isAvailable(2500)).toBe(true);
    expect(failing.upstream.ejections).toBe(2);
    expect(failing.events).toEqual(['ejected passive', 'ejected passive']);
  });

  it('a late failure of an attempt sent before the ejection does not extend it', () => {
    const { upstream } = makeUpstream(1, 1000);
    upstream.failed(0);
    upstream.failed(900);
    expect(upstream.isAvailable(1000)).toBe(true);
    expect(upstream.ejections).toBe(1);
  });

  it('forgets failures older than fail_timeout', () => {
    const { upstream } = makeUpstream(2, 1000);
    upstream.failed(0);
    upstream.failed(1001);
    expect(upstream.isAvailable(1002)).toBe(true);
  });

  it('an answer resets the failure count', () => {
    const { upstream } = makeUpstream(2, 1000);
    upstream.failed(0);
    upstream.answered(undefined);
    upstream.failed(10);
    expect(upstream.isAvailable(11)).toBe(true);
  });

  it('max_fails=0 never ejects', () => {
    const { upstream } = makeUpstream(0);
    for (let i = 0; i < 10; i++) upstream.failed(i);
    expect(upstream.isAvailable(11)).toBe(true);
    expect(upstream.failures).toBe(10);
  });

  it('reads change nothing: availability asked at any time leaves state and events alone', () => {
    const { upstream, events } = makeUpstream(1, 1000);
    upstream.failed(0);
    const before = JSON.stringify(upstream);
    const seen = [0, 500, 999, 1000, 5000, 10].map((t) => [
      upstream.isAvailable(t),
      upstream.isReachable(t),
      upstream.stateAt(t),
    ]);
    expect(seen.map(([available]) => available)).toEqual([false, false, false, true, true, false]);
    void [upstream.state, upstream.downReason, upstream.inFlight, upstream.node];
    expect(JSON.stringify(upstream)).toBe(before);
    expect(events).toEqual(['ejected passive']);
  });

  it('counts attempts in flight and in all', () => {
    const { upstream } = makeUpstream(1);
    upstream.attemptStarted();
    upstream.attemptStarted();
    upstream.attemptEnded();
    expect([upstream.inFlight, upstream.requests]).toEqual([1, 2]);
  });
});

describe('Upstream active health', () => {
  const fail = { at: 't', ok: false, error: 'ECONNREFUSED' };
  const pass = { at: 't', ok: true, status: 200 };

  it('ejects after N failed checks in a row and re-admits after M passes in a row', () => {
    const { upstream, events } = makeUpstream(1);
    upstream.checked(fail, 2, 2);
    expect(upstream.state).toBe('up');
    upstream.checked(fail, 2, 2);
    expect(upstream.state).toBe('down');
    expect(upstream.downReason).toBe('active');
    upstream.checked(pass, 2, 2);
    upstream.checked(fail, 2, 2);
    upstream.checked(pass, 2, 2);
    expect(upstream.isAvailable(0)).toBe(false);
    upstream.checked(pass, 2, 2);
    expect(upstream.isAvailable(0)).toBe(true);
    expect(upstream.lastCheck).toEqual(pass);
    expect(events).toEqual(['ejected active', 'readmitted active']);
  });

  it('lifts a passive ejection after M passes in a row since it, before fail_timeout ends', () => {
    const { upstream, events } = makeUpstream(1, 10_000);
    // Passes before the ejection do not count.
    upstream.checked(pass, 2, 2);
    upstream.checked(pass, 2, 2);
    upstream.failed(1000);
    expect(upstream.isAvailable(1001)).toBe(false);
    upstream.checked(pass, 2, 2);
    expect(upstream.isAvailable(1002)).toBe(false);
    upstream.checked(fail, 2, 2);
    upstream.checked(pass, 2, 2);
    expect(upstream.isAvailable(1003)).toBe(false);
    upstream.checked(pass, 2, 2);
    // Back well before the 10 s fail_timeout (11 000 here), for good (not on probation: the
    // next failure counts afresh against max_fails).
    expect([upstream.isAvailable(2000), upstream.isReachable(2000)]).toEqual([true, true]);
    expect(events).toEqual(['ejected passive', 'readmitted active']);
  });

  it('actively down is still reachable in panic mode; passive ejection is not', () => {
    const { upstream } = makeUpstream(1, 1000);
    upstream.checked(fail, 1, 1);
    expect([upstream.isAvailable(0), upstream.isReachable(0)]).toEqual([false, true]);
    upstream.failed(0);
    expect(upstream.isReachable(1)).toBe(false);
  });
});

describe('Upstream.report (one outcome per attempt)', () => {
  it('an answer keeps its latency average and re-admits; a failure counts and is told once', () => {
    const { upstream, events } = makeUpstream(1, 1000);
    upstream.report({ answered: true, ms: 10, servedBy: 'web1' }, 0);
    upstream.report({ answered: true, ms: 20, servedBy: 'web1' }, 0);
    expect([upstream.latency, upstream.node]).toEqual([{ ms: 12, samples: 2 }, 'web1']);
    upstream.report({ answered: false, error: 'UPSTREAM_TIMEOUT' }, 0);
    expect(events).toEqual(['failed UPSTREAM_TIMEOUT', 'ejected passive']);
    expect([upstream.failures, upstream.isAvailable(10)]).toEqual([1, false]);
  });

  it('an answer without a latency sample (a streamed upload: its time is the client’s) leaves the average alone', () => {
    const { upstream } = makeUpstream(1, 1000);
    upstream.report({ answered: true, ms: 10, servedBy: 'web1' }, 0);
    upstream.report({ answered: true, ms: undefined, servedBy: 'web1' }, 0);
    expect(upstream.latency).toEqual({ ms: 10, samples: 1 });
  });
});
