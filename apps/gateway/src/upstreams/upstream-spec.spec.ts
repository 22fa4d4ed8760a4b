import { duration, parseUpstreams } from './upstream-spec';

describe('parseUpstreams', () => {
  it('parses the lab line with nginx defaults for what is not given', () => {
    expect(
      parseUpstreams(
        'http://127.0.0.1:3001 weight=1, http://web2:3000 weight=2 max_fails=3 fail_timeout=30s,http://[::1]:3003',
      ),
    ).toEqual({
      ok: true,
      specs: [
        {
          url: 'http://127.0.0.1:3001',
          hostname: '127.0.0.1',
          port: 3001,
          literal: true,
          weight: 1,
          maxFails: 1,
          failTimeoutMs: 10_000,
        },
        {
          url: 'http://web2:3000',
          hostname: 'web2',
          port: 3000,
          literal: false,
          weight: 2,
          maxFails: 3,
          failTimeoutMs: 30_000,
        },
        {
          url: 'http://[::1]:3003',
          hostname: '::1',
          port: 3003,
          literal: true,
          weight: 1,
          maxFails: 1,
          failTimeoutMs: 10_000,
        },
      ],
    });
  });

  it('defaults the port to 80 and accepts max_fails=0 (passive checks off)', () => {
    expect(parseUpstreams('http://web max_fails=0 fail_timeout=500ms')).toEqual({
      ok: true,
      specs: [
        {
          url: 'http://web',
          hostname: 'web',
          port: 80,
          literal: false,
          weight: 1,
          maxFails: 0,
          failTimeoutMs: 500,
        },
      ],
    });
  });

  it('reports every problem, each naming its entry', () => {
    expect(
      parseUpstreams(
        'not a url,https://web1:3000,http://web2:3000/app,http://web3:3000 weight=0 colour=blue,http://web4:3000 weight=2 weight=3 fail_timeout=soon,http://web3:3000',
      ),
    ).toEqual({
      ok: false,
      errors: [
        'entry 1 "not a url": "not" is not a URL (expected http://host:port)',
        'entry 1 "not a url": unknown parameter "a" (known: weight, max_fails, fail_timeout)',
        'entry 1 "not a url": unknown parameter "url" (known: weight, max_fails, fail_timeout)',
        'entry 2 "https://web1:3000": unsupported scheme "https:" (only http:// upstreams)',
        'entry 3 "http://web2:3000/app": an upstream URL is an origin only: no path, query, fragment or credentials',
        'entry 4 "http://web3:3000 weight=0 colour=blue": weight must be an integer 1..1000, got "0"',
        'entry 4 "http://web3:3000 weight=0 colour=blue": unknown parameter "colour=blue" (known: weight, max_fails, fail_timeout)',
        'entry 5 "http://web4:3000 weight=2 weight=3 fail_timeout=soon": "weight" given twice',
        'entry 5 "http://web4:3000 weight=2 weight=3 fail_timeout=soon": fail_timeout must be a duration like 10s or 500ms, got "soon"',
      ],
    });
  });

  it('rejects duplicates and an empty list', () => {
    expect(parseUpstreams('http://a:1,http://a:1 weight=2')).toEqual({
      ok: false,
      errors: ['entry 2 "http://a:1 weight=2": duplicate of an earlier entry'],
    });
    expect(parseUpstreams(' , ')).toEqual({
      ok: false,
      errors: ['at least one upstream is required'],
    });
  });
});

describe('duration (nginx time syntax)', () => {
  it.each([
    ['10', 10_000],
    ['10s', 10_000],
    ['250ms', 250],
    ['2m', 120_000],
    ['1h', undefined],
    ['-1s', undefined],
    ['', undefined],
  ])('%j → %s', (value, ms) => {
    expect(duration(value)).toBe(ms);
  });
});
