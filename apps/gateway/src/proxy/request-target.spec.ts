import { normaliseTarget, removeDotSegments } from './request-target';

describe('normaliseTarget', () => {
  it.each<[string, string, string, string]>([
    // target, forwarded path, rule path, authority ('' for none)
    ['/', '/', '/', ''],
    ['/a/b?c=%2F', '/a/b?c=%2F', '/a/b', ''],
    ['/Metrics/', '/Metrics/', '/metrics', ''],
    ['/%6detrics', '/metrics', '/metrics', ''],
    ['/%6D%65trics', '/metrics', '/metrics', ''],
    ['/a/./b/../c', '/a/c', '/a/c', ''],
    ['/a/%2e%2e/metrics', '/metrics', '/metrics', ''],
    ['/a%2fb', '/a%2Fb', '/a/b', ''],
    ['/health%2Fready', '/health%2Fready', '/health/ready', ''],
    ['//metrics', '//metrics', '/metrics', ''],
    ['/a\\..\\metrics', '/a\\..\\metrics', '/metrics', ''],
    ['/a#frag', '/a', '/a', ''],
    ['/a?x#frag', '/a?x', '/a', ''],
    ['/%c0%ae', '/%C0%AE', '/\xe0\xae', ''],
    ['http://example.test/a?b', '/a?b', '/a', 'example.test'],
    ['HTTP://example.test', '/', '/', 'example.test'],
    ['http://example.test?x=1', '/?x=1', '/', 'example.test'],
    ['https://example.test:8443/metrics', '/metrics', '/metrics', 'example.test:8443'],
  ])('%s → %s (rules see %s)', (url, path, rulePath, authority) => {
    expect(normaliseTarget(url)).toEqual({
      path,
      rulePath,
      ...(authority === '' ? {} : { authority }),
    });
  });

  it.each([
    '*',
    'a',
    'example.test:443',
    'ftp://x/a',
    'http://u@x/a',
    'http:///a',
    '/%zz',
    '/a%',
    '/a%00b',
    '/../a',
    '/a/../../b',
    '/a%2F..%2F..%2Fb',
  ])('refuses %s', (url) => {
    expect(normaliseTarget(url)).toBeUndefined();
  });
});

describe('removeDotSegments (RFC 3986 §5.2.4)', () => {
  it.each([
    ['/a/b/c/./../../g', '/a/g'],
    ['/a/b/..', '/a/'],
    ['/a/.', '/a/'],
    ['/.hidden/..x', '/.hidden/..x'],
  ])('%s → %s', (path, normal) => {
    expect(removeDotSegments(path)).toBe(normal);
  });
});
