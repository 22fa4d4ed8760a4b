import { Upstream, type UpstreamEvents } from './upstream';

function makeUpstream(maxFails: number, failTimeoutMs = 1000) {
  const events: string[] = [];
  const listener: UpstreamEvents = {
    ejected: (u, reason) => events.push(`ejected ${reason}`),
    readmitted: (u, reason) => events.push(`readmitted ${reason}`),
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
    upstream.recordFailure(0);
    expect(upstream.isAvailable(10)).toBe(true);
    upstream.recordFailure(500);
    expect(upstream.isAvailable(501)).toBe(false);
    expect(upstream.isAvailable(1499)).toBe(false);
    expect(upstream.isAvailable(1500)).toBe(true);
    expect(upstream.ejections).toBe(1);
    expect(upstream.failures).toBe(2);
    expect(events).toEqual(['ejected passive', 'readmitted passive']);
  });

  it('forgets failures older than fail_timeout', () => {
    const { upstream } = makeUpstream(2, 1000);
    upstream.recordFailure(0);
    upstream.recordFailure(1001);
    expect(upstream.isAvailable(1002)).toBe(true);
  });

  it('a success resets the failure count', () => {
    const { upstream } = makeUpstream(2, 1000);
    upstream.recordFailure(0);
    upstream.recordSuccess();
    upstream.recordFailure(10);
    expect(upstream.isAvailable(11)).toBe(true);
  });

  it('max_fails=0 never ejects', () => {
    const { upstream } = makeUpstream(0);
    for (let i = 0; i < 10; i++) upstream.recordFailure(i);
    expect(upstream.isAvailable(11)).toBe(true);
    expect(upstream.failures).toBe(10);
  });
});

describe('Upstream active health', () => {
  const fail = { at: 't', ok: false, error: 'ECONNREFUSED' };
  const pass = { at: 't', ok: true, status: 200 };

  it('ejects after N failed checks in a row and re-admits after M passes in a row', () => {
    const { upstream, events } = makeUpstream(1);
    upstream.recordCheck(fail, 2, 2);
    expect(upstream.state).toBe('up');
    upstream.recordCheck(fail, 2, 2);
    expect(upstream.state).toBe('down');
    expect(upstream.downReason).toBe('active');
    upstream.recordCheck(pass, 2, 2);
    upstream.recordCheck(fail, 2, 2);
    upstream.recordCheck(pass, 2, 2);
    expect(upstream.isAvailable(0)).toBe(false);
    upstream.recordCheck(pass, 2, 2);
    expect(upstream.isAvailable(0)).toBe(true);
    expect(upstream.lastCheck).toEqual(pass);
    expect(events).toEqual(['ejected active', 'readmitted active']);
  });
});
