/**
 * Raw requests sent, byte for byte, to the gateway and to Debian's nginx in front of the same
 * recording upstream (differential.e2e-spec.ts). Drawn from RFC 9110/9112 and published
 * request-smuggling research:
 *   - RFC 9112 §2.2 (message parsing), §3 (request line, targets), §5 (field syntax),
 *     §6 (message body, Transfer-Encoding, Content-Length), §7 (chunked), §9.3 (pipelining);
 *   - RFC 9110 §7.2 (Host), §7.6 (hop-by-hop), §7.8 (Upgrade), §9.3.7 (OPTIONS *), §10.1.1
 *     (Expect), §15.2 (1xx);
 *   - "HTTP Desync Attacks" (Kettle, PortSwigger 2019) and "HTTP/1.1 must die" (Kettle 2025):
 *     CL.TE, TE.CL, TE.TE obfuscations; "HTTP Request Smuggling" (Linhart et al., Watchfire 2005);
 *     "Smuggling … in the age of HTTP/2" (Kettle 2021) for header-name and line-ending tricks.
 *
 * A case's `intended` names a difference from nginx the gateway keeps, and why (mirrored in
 * docs/gateway.md, "Differences from nginx"); `gateway` pins what the gateway must do, whatever
 * nginx does (the regression cases of issue #20 among them). Every case's last request asks
 * for `Connection: close` (or is one the proxies must close after), so a case ends when its
 * connection does.
 */
export interface DiffCase {
  name: string;
  source: string;
  raw: string;
  intended?: string;
  gateway?: {
    /** Final statuses the client got, in order (1xx included when relayed). */
    statuses?: number[];
    /** `METHOD target body` of each request that reached the upstream. */
    upstream?: string[];
    /** Bytes the client's answer must contain, and must not (trailers, hints, hop-by-hop fields). */
    contains?: string[];
    lacks?: string[];
    /** The upstream is at fault (a malformed answer): it may count against it. Otherwise no attempt may. */
    upstreamFault?: true;
  };
}

const HOST = 'Host: example.test';
const CLOSE = 'Connection: close';

/** A request head from its lines, CRLF-terminated, then `body`. */
function msg(lines: string[], body = ''): string {
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

const get = (target: string, ...fields: string[]) =>
  msg([`GET ${target} HTTP/1.1`, HOST, ...fields, CLOSE]);

const post = (fields: string[], body: string) =>
  msg(['POST /upload HTTP/1.1', HOST, ...fields, CLOSE], body);

/** Reasons shared by several cases. */
export const WHY = {
  normalForm:
    'the gateway forwards the normal form of the target (RFC 3986 §6.2.2: unreserved characters decoded, percent-encodings upper-cased, dot-segments removed, no fragment: RFC 9112 §3.2), the one its rules saw; nginx forwards the raw spelling',
  stricterPaths:
    'operational paths are refused in every spelling a router might accept (case, trailing slash, backslash); nginx locations match only the exact normalised path',
  earlyHints:
    'the gateway relays 103 Early Hints to an HTTP/1.1 client (RFC 8297, RFC 9110 §15.2); nginx 1.22 ends the exchange on an upstream 1xx without an answer',
  nginx1xx:
    'the gateway skips a 1xx the client may not or need not get (RFC 9110 §15.2: none to an HTTP/1.0 client) and relays the final answer; nginx 1.22 ends the exchange without an answer',
  continueUnsolicited:
    "undici, the gateway's upstream client, refuses an unsolicited 100 Continue (RFC 9110 §15.2 says a client must skip it): the gateway answers 502 UPSTREAM_INVALID_RESPONSE and counts it against the upstream, nginx ends the exchange without an answer; a known limitation (docs/gateway.md)",
  invalidAnswer:
    "an answer that is not HTTP/1.1 is 502 UPSTREAM_INVALID_RESPONSE (the upstream's fault); nginx 1.22 relays or drops it without a status the client can read",
  onlyHttpTargets:
    "an absolute-form target must be an http or https URI (RFC 9112 §3.2.2); nginx forwards any scheme's path",
  llhttpMethods:
    "Node's parser (llhttp) knows a fixed set of methods and answers 400 to others; nginx forwards any token (RFC 9110 §9.1 allows extension methods)",
  llhttpVersions:
    'llhttp refuses HTTP/1.2 (400); RFC 9112 §2.3 says to treat it as 1.1, as nginx does',
  noHttp09:
    'HTTP/0.9 is not served (RFC 9112 Appendix C.1 keeps no requirement to): the request line waits for headers that never come (408 after CLIENT_HEADER_TIMEOUT_MS); nginx answers it the 0.9 way',
  strictLineEndings:
    'a bare LF is refused (llhttp strict mode; RFC 9112 §2.2 allows, does not require, accepting it, and LF-only lines are a known desync vector); nginx accepts it',
  strictChunks:
    'whitespace after a chunk size is not in the chunk grammar (RFC 9112 §7.1) and is refused by llhttp; nginx accepts it',
  strictFields:
    'a field line without a colon is refused (RFC 9112 §5); nginx drops it (ignore_invalid_headers) and forwards the rest',
  strictHost: 'a Host with userinfo is not a host (RFC 9110 §4.2.4, §7.2): 400; nginx forwards it',
  llhttpFirst: 'both refuse; llhttp refuses it before the gateway sees it (400), nginx answers 501',
  owsTab:
    'a tab before a field value is whitespace (OWS, RFC 9110 §5.6.3): the coding is chunked and the body forwarded; nginx 1.22 compares the tab too and answers 501',
  bodyTimeoutAnswered:
    'a body that stops coming is answered 408 CLIENT_BODY_TIMEOUT (RFC 9110 §15.5.9) and the connection closed; nginx closes without an answer',
  headerTooLarge: 'both refuse: Node answers 431 (RFC 6585 §5), nginx 400',
  expectation:
    'Node answers 417 to an expectation other than 100-continue (RFC 9110 §10.1.1 allows it); nginx ignores it and forwards',
} as const;

export const CORPUS: DiffCase[] = [
  // ---- A. plain requests both must forward intact ----
  {
    name: 'GET /',
    source: 'RFC 9112 §3',
    raw: get('/'),
    gateway: { statuses: [200], upstream: ['GET / '] },
  },
  { name: 'HEAD /', source: 'RFC 9110 §9.3.2', raw: msg(['HEAD / HTTP/1.1', HOST, CLOSE]) },
  { name: 'GET with query', source: 'RFC 9112 §3.2.1', raw: get('/a?b=c&d=%2F') },
  { name: 'OPTIONS /', source: 'RFC 9110 §9.3.7', raw: msg(['OPTIONS / HTTP/1.1', HOST, CLOSE]) },
  { name: 'DELETE /a', source: 'RFC 9110 §9.3.5', raw: msg(['DELETE /a HTTP/1.1', HOST, CLOSE]) },
  {
    name: 'POST with Content-Length',
    source: 'RFC 9112 §6.2',
    raw: post(['Content-Length: 5'], 'hello'),
    gateway: { statuses: [200], upstream: ['POST /upload hello'] },
  },
  {
    name: 'POST chunked',
    source: 'RFC 9112 §7.1',
    raw: post(['Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\n\r\n'),
    gateway: { statuses: [200], upstream: ['POST /upload hello'] },
  },
  {
    name: 'POST chunked, two chunks',
    source: 'RFC 9112 §7.1',
    raw: post(['Transfer-Encoding: chunked'], '2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n'),
  },
  {
    name: 'POST chunked with a chunk extension',
    source: 'RFC 9112 §7.1.1',
    raw: post(['Transfer-Encoding: chunked'], '5;ext=1\r\nhello\r\n0\r\n\r\n'),
  },
  {
    name: 'POST chunked with a trailer',
    source: 'RFC 9112 §7.1.2',
    raw: post(['Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\nx-t: 1\r\n\r\n'),
  },
  {
    name: 'PUT with an empty body',
    source: 'RFC 9112 §6.3',
    raw: msg(['PUT /a HTTP/1.1', HOST, 'Content-Length: 0', CLOSE]),
  },
  { name: 'HTTP/1.0 GET', source: 'RFC 9112 §9.3', raw: msg(['GET / HTTP/1.0', HOST]) },
  {
    name: 'HTTP/1.0 GET without Host',
    source: 'RFC 9112 §3.2',
    raw: msg(['GET / HTTP/1.0']),
  },
  {
    name: 'chunk size with leading zeros',
    source: 'RFC 9112 §7.1',
    raw: post(['Transfer-Encoding: chunked'], '005\r\nhello\r\n0\r\n\r\n'),
  },
  {
    name: 'chunk size upper-case hex',
    source: 'RFC 9112 §7.1',
    raw: post(['Transfer-Encoding: chunked'], 'A\r\n0123456789\r\n0\r\n\r\n'),
  },

  // ---- B. request line and target forms ----
  {
    name: 'OPTIONS * (issue #20)',
    source: 'RFC 9112 §3.2.4, RFC 9110 §9.3.7',
    raw: msg(['OPTIONS * HTTP/1.1', HOST, CLOSE]),
    gateway: { statuses: [400], upstream: [] },
  },
  {
    name: 'OPTIONS * twice on one connection (issue #20)',
    source: 'issue #20',
    raw: msg(['OPTIONS * HTTP/1.1', HOST]) + msg(['OPTIONS * HTTP/1.1', HOST, CLOSE]),
    gateway: { statuses: [400], upstream: [] },
  },
  {
    name: 'GET *',
    source: 'RFC 9112 §3.2.4',
    raw: msg(['GET * HTTP/1.1', HOST, CLOSE]),
    gateway: { statuses: [400], upstream: [] },
  },
  {
    name: 'absolute-form',
    source: 'RFC 9112 §3.2.2',
    raw: msg(['GET http://example.test/a HTTP/1.1', HOST, CLOSE]),
    gateway: { statuses: [200], upstream: ['GET /a '] },
  },
  {
    name: 'absolute-form overrides Host',
    source: 'RFC 9112 §3.2.2',
    raw: msg(['GET http://other.test/a HTTP/1.1', HOST, CLOSE]),
  },
  {
    name: 'absolute-form, no path',
    source: 'RFC 9112 §3.2.2',
    raw: msg(['GET http://example.test HTTP/1.1', HOST, CLOSE]),
  },
  {
    name: 'absolute-form, query only',
    source: 'RFC 9112 §3.2.2',
    raw: msg(['GET http://example.test?x=1 HTTP/1.1', HOST, CLOSE]),
  },
  {
    name: 'absolute-form https',
    source: 'RFC 9112 §3.2.2',
    raw: msg(['GET https://example.test/a HTTP/1.1', HOST, CLOSE]),
  },
  {
    name: 'absolute-form upper-case scheme',
    source: 'RFC 3986 §3.1',
    raw: msg(['GET HTTP://example.test/a HTTP/1.1', HOST, CLOSE]),
  },
  {
    name: 'absolute-form with userinfo',
    source: 'RFC 9110 §4.2.4',
    raw: msg(['GET http://u:p@example.test/a HTTP/1.1', HOST, CLOSE]),
  },
  {
    name: 'absolute-form other scheme',
    source: 'RFC 9112 §3.2.2',
    intended: WHY.onlyHttpTargets,
    raw: msg(['GET ftp://example.test/a HTTP/1.1', HOST, CLOSE]),
  },
  {
    name: 'absolute-form to /metrics',
    source: 'RFC 9112 §3.2.2',
    raw: msg(['GET http://example.test/metrics HTTP/1.1', HOST, CLOSE]),
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: 'authority-form with GET',
    source: 'RFC 9112 §3.2.3',
    raw: msg(['GET example.test:80 HTTP/1.1', HOST, CLOSE]),
  },
  {
    name: 'CONNECT',
    source: 'RFC 9110 §9.3.6',
    raw: msg(['CONNECT example.test:443 HTTP/1.1', HOST, CLOSE]),
  },
  {
    name: 'fragment in target',
    source: 'RFC 9112 §3.2',
    intended: WHY.normalForm,
    raw: get('/a#frag'),
  },
  {
    name: 'fragment hides /metrics',
    source: 'RFC 9112 §3.2',
    raw: get('/metrics#x'),
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: 'target without leading slash',
    source: 'RFC 9112 §3.2.1',
    raw: msg(['GET a HTTP/1.1', HOST, CLOSE]),
  },
  {
    name: 'lower-case method',
    source: 'RFC 9110 §9.1 (case-sensitive)',
    raw: msg(['get / HTTP/1.1', HOST, CLOSE]),
  },
  {
    name: 'unknown method',
    source: 'RFC 9110 §9.1',
    intended: WHY.llhttpMethods,
    raw: msg(['FOO / HTTP/1.1', HOST, CLOSE]),
  },
  {
    name: 'HTTP/1.2',
    source: 'RFC 9112 §2.3',
    intended: WHY.llhttpVersions,
    raw: msg(['GET / HTTP/1.2', HOST, CLOSE]),
  },
  {
    name: 'HTTP/2.0 on an HTTP/1 connection',
    source: 'RFC 9112 §2.3',
    raw: msg(['GET / HTTP/2.0', HOST, CLOSE]),
  },
  {
    name: 'HTTP/0.9 request line',
    source: 'RFC 9112 Appendix C.1',
    intended: WHY.noHttp09,
    raw: 'GET /\r\n',
  },
  {
    name: 'two spaces in the request line',
    source: 'RFC 9112 §3',
    raw: msg(['GET  / HTTP/1.1', HOST, CLOSE]),
  },
  {
    name: 'tab in the request line',
    source: 'RFC 9112 §3',
    raw: msg(['GET\t/ HTTP/1.1', HOST, CLOSE]),
  },
  {
    name: 'lower-case protocol name',
    source: 'RFC 9112 §2.3',
    raw: msg(['GET / http/1.1', HOST, CLOSE]),
  },
  {
    name: 'bare LF line endings',
    source: 'RFC 9112 §2.2',
    intended: WHY.strictLineEndings,
    raw: `GET / HTTP/1.1\n${HOST}\n${CLOSE}\n\n`,
  },
  { name: 'leading empty line', source: 'RFC 9112 §2.2', raw: `\r\n${get('/')}` },
  {
    name: 'space in the target',
    source: 'RFC 9112 §3.2',
    raw: msg(['GET /a b HTTP/1.1', HOST, CLOSE]),
  },
  {
    name: 'control character in the target',
    source: 'RFC 9112 §3.2',
    raw: msg(['GET /a\x01 HTTP/1.1', HOST, CLOSE]),
  },

  // ---- C. refused paths, every spelling ----
  {
    name: '/metrics',
    source: 'docs/gateway.md refusals',
    raw: get('/metrics'),
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: '/%6detrics (issue #20)',
    source: 'RFC 3986 §2.3',
    raw: get('/%6detrics'),
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: '/%6Detrics',
    source: 'RFC 3986 §2.1',
    raw: get('/%6Detrics'),
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: '/%6D%65%74%72%69%63%73',
    source: 'RFC 3986 §2.3',
    raw: get('/%6D%65%74%72%69%63%73'),
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: '/metrics/',
    source: 'router trailing-slash leniency',
    raw: get('/metrics/'),
    intended: WHY.stricterPaths,
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: '//metrics',
    source: 'nginx merge_slashes',
    raw: get('//metrics'),
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: '/./metrics',
    source: 'RFC 3986 §5.2.4',
    raw: get('/./metrics'),
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: '/a/../metrics',
    source: 'RFC 3986 §5.2.4',
    raw: get('/a/../metrics'),
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: '/a/%2e%2e/metrics',
    source: 'RFC 3986 §2.3, §5.2.4',
    raw: get('/a/%2e%2e/metrics'),
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: '/a/%2E%2E/metrics',
    source: 'RFC 3986 §2.3, §5.2.4',
    raw: get('/a/%2E%2E/metrics'),
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: '/../metrics',
    source: 'RFC 3986 §5.2.4',
    raw: get('/../metrics'),
    gateway: { statuses: [400], upstream: [] },
  },
  {
    name: '/METRICS',
    source: 'case-insensitive routers',
    raw: get('/METRICS'),
    intended: WHY.stricterPaths,
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: '/metrics?x=1',
    source: 'RFC 3986 §3.4',
    raw: get('/metrics?x=1'),
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: '/%2fmetrics',
    source: 'encoded slash',
    raw: get('/%2fmetrics'),
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: '/health/ready',
    source: 'docs/gateway.md refusals',
    raw: get('/health/ready'),
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: '/health%2Fready',
    source: 'encoded slash',
    raw: get('/health%2Fready'),
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: '/health/%72eady',
    source: 'RFC 3986 §2.3',
    raw: get('/health/%72eady'),
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: '/%68ealth/live',
    source: 'RFC 3986 §2.3',
    raw: get('/%68ealth/live'),
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: '/admin/x',
    source: 'docs/gateway.md refusals',
    raw: get('/admin/x'),
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: '/upstreams',
    source: 'docs/gateway.md refusals',
    raw: get('/upstreams'),
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: '/a\\..\\metrics',
    source: 'backslash as separator (IIS-style routers)',
    raw: get('/a\\..\\metrics'),
    intended: WHY.stricterPaths,
    gateway: { statuses: [404], upstream: [] },
  },
  {
    name: 'dot-segments elsewhere',
    source: 'RFC 3986 §5.2.4',
    raw: get('/a/./b/../c'),
    intended: WHY.normalForm,
    gateway: { statuses: [200], upstream: ['GET /a/c '] },
  },
  {
    name: 'encoded unreserved elsewhere',
    source: 'RFC 3986 §6.2.2.2',
    raw: get('/%61bc'),
    intended: WHY.normalForm,
    gateway: { statuses: [200], upstream: ['GET /abc '] },
  },
  {
    name: 'encoded reserved kept',
    source: 'RFC 3986 §2.2',
    raw: get('/a%2Fb'),
    gateway: { statuses: [200], upstream: ['GET /a%2Fb '] },
  },
  {
    name: 'lower-case pct upper-cased',
    source: 'RFC 3986 §6.2.2.1',
    raw: get('/a%2fb'),
    intended: WHY.normalForm,
    gateway: { statuses: [200], upstream: ['GET /a%2Fb '] },
  },
  {
    name: 'bad percent-encoding',
    source: 'RFC 3986 §2.1',
    raw: get('/%zz'),
    gateway: { statuses: [400], upstream: [] },
  },
  {
    name: 'truncated percent-encoding',
    source: 'RFC 3986 §2.1',
    raw: get('/a%'),
    gateway: { statuses: [400], upstream: [] },
  },
  { name: 'encoded NUL', source: 'RFC 3986 §2.1', raw: get('/a%00b') },
  {
    name: 'overlong UTF-8 dot',
    source: 'CVE-2000-0884 style',
    intended: WHY.normalForm,
    raw: get('/%c0%ae%c0%ae/metrics'),
  },

  // ---- D. Host ----
  {
    name: 'HTTP/1.1 without Host',
    source: 'RFC 9112 §3.2',
    raw: msg(['GET / HTTP/1.1', CLOSE]),
    gateway: { statuses: [400], upstream: [] },
  },
  {
    name: 'two Host fields',
    source: 'RFC 9112 §3.2',
    raw: msg(['GET / HTTP/1.1', HOST, 'Host: other.test', CLOSE]),
    gateway: { statuses: [400], upstream: [] },
  },
  {
    name: 'Host with a space',
    source: 'RFC 9110 §7.2',
    raw: msg(['GET / HTTP/1.1', 'Host: a b', CLOSE]),
  },
  {
    name: 'Host with a path',
    source: 'RFC 9110 §7.2',
    raw: msg(['GET / HTTP/1.1', 'Host: a/b', CLOSE]),
  },
  {
    name: 'Host with userinfo',
    source: 'RFC 9110 §4.2.4',
    intended: WHY.strictHost,
    raw: msg(['GET / HTTP/1.1', 'Host: u@a', CLOSE]),
  },
  { name: 'empty Host', source: 'RFC 9110 §7.2', raw: msg(['GET / HTTP/1.1', 'Host:', CLOSE]) },
  {
    name: 'Host with a port',
    source: 'RFC 9110 §7.2',
    raw: msg(['GET / HTTP/1.1', 'Host: example.test:8080', CLOSE]),
  },
  {
    name: 'Host IPv6 literal',
    source: 'RFC 3986 §3.2.2',
    raw: msg(['GET / HTTP/1.1', 'Host: [::1]:80', CLOSE]),
  },
  {
    name: 'Host with a trailing dot',
    source: 'RFC 1034 §3.1',
    raw: msg(['GET / HTTP/1.1', 'Host: example.test.', CLOSE]),
  },
  {
    name: 'Host upper-case',
    source: 'RFC 3986 §3.2.2',
    raw: msg(['GET / HTTP/1.1', 'Host: EXAMPLE.test', CLOSE]),
  },

  // ---- E. message framing (smuggling research) ----
  {
    name: 'CL.TE: Content-Length and Transfer-Encoding',
    source: 'RFC 9112 §6.1; Kettle 2019',
    raw: post(['Content-Length: 6', 'Transfer-Encoding: chunked'], '0\r\n\r\nG'),
    gateway: { upstream: [] },
  },
  {
    name: 'TE.CL: Transfer-Encoding then Content-Length',
    source: 'RFC 9112 §6.1; Kettle 2019',
    raw: post(['Transfer-Encoding: chunked', 'Content-Length: 3'], '8\r\nSMUGGLED\r\n0\r\n\r\n'),
    gateway: { upstream: [] },
  },
  {
    name: 'TE in HTTP/1.0 keep-alive, then a second request (issue #20)',
    source: 'RFC 9112 §6.1',
    raw:
      msg(
        ['POST /a HTTP/1.0', HOST, 'Connection: keep-alive', 'Transfer-Encoding: chunked'],
        '0\r\n\r\n',
      ) + get('/second'),
    gateway: { statuses: [400], upstream: [] },
  },
  {
    name: 'TE in HTTP/1.0',
    source: 'RFC 9112 §6.1',
    raw: msg(['POST /a HTTP/1.0', HOST, 'Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\n\r\n'),
    gateway: { statuses: [400], upstream: [] },
  },
  {
    name: 'TE: gzip, chunked',
    source: 'RFC 9112 §6.1',
    raw: post(['Transfer-Encoding: gzip, chunked'], '0\r\n\r\n'),
    gateway: { upstream: [] },
  },
  {
    name: 'TE: chunked, chunked',
    source: 'Kettle 2019 (TE.TE)',
    intended: WHY.llhttpFirst,
    raw: post(['Transfer-Encoding: chunked, chunked'], '0\r\n\r\n'),
    gateway: { upstream: [] },
  },
  {
    name: 'TE: gzip',
    source: 'RFC 9112 §6.1',
    raw: post(['Transfer-Encoding: gzip'], 'x'),
    gateway: { upstream: [] },
  },
  {
    name: 'TE: identity',
    source: 'RFC 7230 removed identity',
    intended: WHY.llhttpFirst,
    raw: post(['Transfer-Encoding: identity', 'Content-Length: 1'], 'x'),
    gateway: { upstream: [] },
  },
  {
    name: 'TE: xchunked',
    source: 'Kettle 2019 (TE.TE)',
    raw: post(['Transfer-Encoding: xchunked'], '0\r\n\r\n'),
    gateway: { upstream: [] },
  },
  {
    name: 'TE: Chunked (case)',
    source: 'RFC 9112 §7 (case-insensitive)',
    raw: post(['Transfer-Encoding: Chunked'], '5\r\nhello\r\n0\r\n\r\n'),
  },
  {
    name: 'TE with a trailing space',
    source: 'Kettle 2019 (TE.TE)',
    raw: post(['Transfer-Encoding: chunked '], '5\r\nhello\r\n0\r\n\r\n'),
  },
  {
    name: 'TE with a tab before the value',
    source: 'Kettle 2019 (TE.TE)',
    intended: WHY.owsTab,
    raw: post(['Transfer-Encoding:\tchunked'], '5\r\nhello\r\n0\r\n\r\n'),
  },
  {
    name: 'two TE fields',
    source: 'Kettle 2019 (TE.TE)',
    raw: post(['Transfer-Encoding: chunked', 'Transfer-Encoding: x'], '0\r\n\r\n'),
    gateway: { upstream: [] },
  },
  {
    name: 'TE with obs-fold',
    source: 'RFC 9112 §5.2; Kettle 2019',
    raw: post(['Transfer-Encoding:', ' chunked'], '0\r\n\r\n'),
    gateway: { upstream: [] },
  },
  {
    name: 'space before the colon of TE',
    source: 'RFC 9112 §5.1; Kettle 2019',
    raw: post(['Transfer-Encoding : chunked'], '0\r\n\r\n'),
    gateway: { upstream: [] },
  },
  {
    name: 'TE name with a non-token byte',
    source: 'Kettle 2019 (TE.TE)',
    raw: post(['Transfer-Encoding\x0b: chunked'], '0\r\n\r\n'),
    gateway: { upstream: [] },
  },
  {
    name: 'two equal Content-Lengths',
    source: 'RFC 9112 §6.3 (5)',
    raw: post(['Content-Length: 5', 'Content-Length: 5'], 'hello'),
  },
  {
    name: 'two different Content-Lengths',
    source: 'RFC 9112 §6.3 (5)',
    raw: post(['Content-Length: 5', 'Content-Length: 6'], 'hello!'),
    gateway: { upstream: [] },
  },
  {
    name: 'Content-Length list "5, 5"',
    source: 'RFC 9110 §8.6',
    raw: post(['Content-Length: 5, 5'], 'hello'),
  },
  {
    name: 'Content-Length +5',
    source: 'RFC 9110 §8.6',
    raw: post(['Content-Length: +5'], 'hello'),
    gateway: { upstream: [] },
  },
  {
    name: 'Content-Length -1',
    source: 'RFC 9110 §8.6',
    raw: post(['Content-Length: -1'], ''),
    gateway: { upstream: [] },
  },
  {
    name: 'Content-Length 0x5',
    source: 'RFC 9110 §8.6',
    raw: post(['Content-Length: 0x5'], 'hello'),
    gateway: { upstream: [] },
  },
  {
    name: 'Content-Length with inner space',
    source: 'RFC 9110 §8.6',
    raw: post(['Content-Length: 1 0'], 'helloworld'),
    gateway: { upstream: [] },
  },
  {
    name: 'Content-Length beyond 2^64',
    source: 'integer overflow',
    raw: post(['Content-Length: 99999999999999999999999'], 'x'),
    gateway: { upstream: [] },
  },
  {
    name: 'Content-Length above the limit',
    source: 'nginx client_max_body_size',
    raw: post(['Content-Length: 70000'], 'x'),
    gateway: { statuses: [413], upstream: [] },
  },
  {
    name: 'chunked body above the limit',
    source: 'nginx client_max_body_size',
    raw: post(['Transfer-Encoding: chunked'], `11170\r\n${'x'.repeat(70000)}\r\n0\r\n\r\n`),
    gateway: { statuses: [413], upstream: [] },
  },
  {
    name: 'chunk size not hex',
    source: 'RFC 9112 §7.1',
    raw: post(['Transfer-Encoding: chunked'], 'g\r\nx\r\n0\r\n\r\n'),
    gateway: { upstream: [] },
  },
  {
    name: 'chunk size overflow',
    source: 'integer overflow',
    raw: post(['Transfer-Encoding: chunked'], 'fffffffffffffffff1\r\nx\r\n0\r\n\r\n'),
    gateway: { upstream: [] },
  },
  {
    name: 'negative chunk size',
    source: 'RFC 9112 §7.1',
    raw: post(['Transfer-Encoding: chunked'], '-1\r\nx\r\n0\r\n\r\n'),
    gateway: { upstream: [] },
  },
  {
    name: 'chunk size then space',
    source: 'RFC 9112 §7.1.1 (BWS)',
    intended: WHY.strictChunks,
    raw: post(['Transfer-Encoding: chunked'], '5 \r\nhello\r\n0\r\n\r\n'),
  },
  {
    name: 'chunk data longer than its size',
    source: 'RFC 9112 §7.1',
    raw: post(['Transfer-Encoding: chunked'], '3\r\nhello\r\n0\r\n\r\n'),
    gateway: { upstream: [] },
  },
  {
    name: 'chunk line with bare LF',
    source: 'RFC 9112 §2.2; "HTTP/1.1 must die" 2025',
    intended: WHY.strictLineEndings,
    raw: post(['Transfer-Encoding: chunked'], '5\nhello\n0\n\n'),
    gateway: { upstream: [] },
  },
  {
    name: 'chunk extension with bare LF',
    source: '"HTTP/1.1 must die" 2025 (TERM.EXT)',
    raw: post(['Transfer-Encoding: chunked'], '5;a\nb\r\nhello\r\n0\r\n\r\n'),
    gateway: { upstream: [] },
  },
  {
    name: 'stalled body: Content-Length 10, 5 bytes (issue #20)',
    source: 'issue #20; nginx client_body_timeout',
    intended: WHY.bodyTimeoutAnswered,
    raw: post(['Content-Length: 10'], 'hello'),
    gateway: { statuses: [408], upstream: [] },
  },
  {
    name: 'stalled chunked body',
    source: 'nginx client_body_timeout',
    intended: WHY.bodyTimeoutAnswered,
    raw: post(['Transfer-Encoding: chunked'], '5\r\nhel'),
    gateway: { statuses: [408], upstream: [] },
  },

  // ---- F. fields ----
  {
    name: 'obs-fold in an ordinary field',
    source: 'RFC 9112 §5.2',
    raw: msg(['GET / HTTP/1.1', HOST, 'X-A: 1', ' 2', CLOSE]),
  },
  {
    name: 'space before a colon',
    source: 'RFC 9112 §5.1',
    raw: msg(['GET / HTTP/1.1', HOST, 'X-A : 1', CLOSE]),
  },
  {
    name: 'field without a colon',
    source: 'RFC 9112 §5',
    intended: WHY.strictFields,
    raw: msg(['GET / HTTP/1.1', HOST, 'X-A', CLOSE]),
  },
  {
    name: 'empty field name',
    source: 'RFC 9110 §5.1',
    raw: msg(['GET / HTTP/1.1', HOST, ': 1', CLOSE]),
  },
  {
    name: 'field name with a space',
    source: 'RFC 9110 §5.1',
    raw: msg(['GET / HTTP/1.1', HOST, 'X A: 1', CLOSE]),
  },
  {
    name: 'NUL in a field value',
    source: 'RFC 9110 §5.5',
    raw: msg(['GET / HTTP/1.1', HOST, 'X-A: a\x00b', CLOSE]),
  },
  {
    name: 'bare CR in a field value',
    source: 'RFC 9112 §2.2',
    raw: msg(['GET / HTTP/1.1', HOST, 'X-A: a\rb', CLOSE]),
  },
  {
    name: 'obs-text in a field value',
    source: 'RFC 9110 §5.5',
    raw: msg(['GET / HTTP/1.1', HOST, 'X-A: caf\xe9', CLOSE]),
  },
  {
    name: 'repeated field',
    source: 'RFC 9110 §5.3',
    raw: msg(['GET / HTTP/1.1', HOST, 'Accept: a', 'Accept: b', CLOSE]),
  },
  {
    name: 'field named by Connection',
    source: 'RFC 9110 §7.6.1',
    raw: msg(['GET / HTTP/1.1', HOST, 'Connection: x-hop, close', 'X-Hop: 1']),
  },
  {
    name: 'Keep-Alive and Proxy-Connection',
    source: 'RFC 9110 §7.6.1',
    raw: msg(['GET / HTTP/1.1', HOST, 'Keep-Alive: 5', 'Proxy-Connection: keep-alive', CLOSE]),
  },
  {
    name: 'TE: trailers',
    source: 'RFC 9110 §10.1.4',
    raw: msg(['GET / HTTP/1.1', HOST, 'TE: trailers', CLOSE]),
  },
  {
    name: 'huge field (64 KiB)',
    source: 'nginx large_client_header_buffers',
    intended: WHY.headerTooLarge,
    raw: msg(['GET / HTTP/1.1', HOST, `X-Big: ${'a'.repeat(65536)}`, CLOSE]),
  },

  // ---- G. Expect, Upgrade ----
  {
    name: 'Expect: 100-continue',
    source: 'RFC 9110 §10.1.1',
    raw: post(['Content-Length: 5', 'Expect: 100-continue'], 'hello'),
  },
  {
    name: 'Expect: something else',
    source: 'RFC 9110 §10.1.1',
    intended: WHY.expectation,
    raw: msg(['GET / HTTP/1.1', HOST, 'Expect: x', CLOSE]),
  },
  {
    name: 'WebSocket upgrade declined (issue #20)',
    source: 'RFC 9110 §7.8',
    raw: msg([
      'GET /r/upgrade HTTP/1.1',
      HOST,
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version: 13',
    ]),
    gateway: { statuses: [426] },
  },
  {
    name: 'Upgrade carrying a body (issue #20)',
    source: 'RFC 9110 §7.8',
    raw: msg(
      [
        'POST /up HTTP/1.1',
        HOST,
        'Connection: Upgrade, close',
        'Upgrade: websocket',
        'Content-Length: 5',
      ],
      'hello',
    ),
    gateway: { statuses: [200], upstream: ['POST /up hello'] },
  },
  {
    name: 'Upgrade without Connection: upgrade',
    source: 'RFC 9110 §7.8',
    raw: msg(['GET / HTTP/1.1', HOST, 'Upgrade: websocket', CLOSE]),
  },
  {
    name: 'Upgrade: h2c',
    source: 'RFC 9113 §3.1 (h2c removed); Kettle 2021',
    raw: msg([
      'GET / HTTP/1.1',
      HOST,
      'Connection: Upgrade, HTTP2-Settings',
      'Upgrade: h2c',
      'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA',
    ]),
  },

  // ---- H. pipelining ----
  {
    name: 'two GETs pipelined',
    source: 'RFC 9112 §9.3.2',
    raw: msg(['GET /1 HTTP/1.1', HOST]) + get('/2'),
    gateway: { statuses: [200, 200] },
  },
  {
    name: 'POST then GET pipelined',
    source: 'RFC 9112 §9.3.2',
    raw: msg(['POST /1 HTTP/1.1', HOST, 'Content-Length: 2'], 'ab') + get('/2'),
  },
  {
    name: 'chunked POST then GET pipelined',
    source: 'RFC 9112 §9.3.2',
    raw:
      msg(['POST /1 HTTP/1.1', HOST, 'Transfer-Encoding: chunked'], '2\r\nab\r\n0\r\n\r\n') +
      get('/2'),
  },
  {
    name: 'GET with a body then GET',
    source: 'RFC 9110 §9.3.1',
    raw: msg(['GET /1 HTTP/1.1', HOST, 'Content-Length: 2'], 'ab') + get('/2'),
  },
  {
    name: 'HEAD then GET pipelined',
    source: 'RFC 9112 §6.3 (1)',
    raw: msg(['HEAD /1 HTTP/1.1', HOST]) + get('/2'),
  },
  {
    name: 'request after Connection: close',
    source: 'RFC 9112 §9.6',
    raw: get('/1') + get('/2'),
    gateway: { statuses: [200], upstream: ['GET /1 '] },
  },
  {
    name: 'refused then pipelined GET',
    source: 'RFC 9112 §9.3.2',
    raw: msg(['GET /metrics HTTP/1.1', HOST]) + get('/2'),
    gateway: { statuses: [404, 200], upstream: ['GET /2 '] },
  },
  {
    name: 'CL.TE smuggle with pipelined GET',
    source: 'Kettle 2019',
    raw:
      msg(
        ['POST / HTTP/1.1', HOST, 'Content-Length: 4', 'Transfer-Encoding: chunked'],
        '0\r\n\r\n',
      ) + get('/smuggled'),
    gateway: { upstream: [] },
  },
  {
    name: 'TE.CL smuggle with pipelined GET',
    source: 'Kettle 2019',
    raw:
      msg(
        ['POST / HTTP/1.1', HOST, 'Transfer-Encoding: chunked', 'Content-Length: 4'],
        '5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n',
      ) + get('/2'),
    gateway: { upstream: [] },
  },
  {
    name: 'obfuscated TE smuggle',
    source: 'Kettle 2019 (TE.TE)',
    raw:
      msg(
        [
          'POST / HTTP/1.1',
          HOST,
          'Content-Length: 4',
          'Transfer-Encoding: chunked',
          'Transfer-encoding: cow',
        ],
        '5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n',
      ) + get('/2'),
    gateway: { upstream: [] },
  },
  {
    name: '0.CL: GET with body length, body is a request',
    source: '"HTTP/1.1 must die" 2025 (0.CL)',
    raw:
      msg(['GET /1 HTTP/1.1', HOST, 'Content-Length: 24'], 'GET /smuggled HTTP/1.1\r\n') +
      get('/2'),
    gateway: { upstream: ['GET /1 GET /smuggled HTTP/1.1\r\n', 'GET /2 '] },
  },

  // ---- I. answers both must relay intact ----
  {
    name: 'upstream trailers, HTTP/1.1 GET',
    source: 'RFC 9112 §7.1.2',
    raw: get('/r/trailers'),
    gateway: {
      contains: ['Trailer: x-checksum\r\n', '\r\n0\r\nx-checksum: 1\r\n\r\n'],
      statuses: [200],
    },
  },
  {
    name: 'upstream trailers, HEAD (issue #20)',
    source: 'RFC 9110 §9.3.2',
    raw: msg(['HEAD /r/trailers HTTP/1.1', HOST, CLOSE]),
    gateway: { lacks: ['Trailer'], statuses: [200] },
  },
  {
    name: 'upstream trailers, HTTP/1.0 client (issue #20)',
    source: 'RFC 9112 §7.1.2',
    raw: msg(['GET /r/trailers HTTP/1.0', HOST]),
    gateway: { lacks: ['Trailer', 'x-checksum'], statuses: [200] },
  },
  {
    name: 'upstream 103 Early Hints (issue #20)',
    source: 'RFC 8297; RFC 9110 §15.2',
    raw: get('/r/early-hints'),
    intended: WHY.earlyHints,
    gateway: {
      contains: ['HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n'],
      statuses: [103, 200],
    },
  },
  {
    name: 'upstream 103 to an HTTP/1.0 client',
    source: 'RFC 9110 §15.2',
    intended: WHY.nginx1xx,
    raw: msg(['GET /r/early-hints HTTP/1.0', HOST]),
    gateway: { statuses: [200] },
  },
  {
    name: 'upstream unsolicited 100 (issue #20)',
    source: 'RFC 9110 §15.2',
    raw: get('/r/continue'),
    intended: WHY.continueUnsolicited,
    gateway: { upstreamFault: true },
  },
  {
    name: 'upstream 102 Processing',
    source: 'RFC 2518 §10.1',
    intended: WHY.nginx1xx,
    raw: get('/r/processing'),
    gateway: { statuses: [200] },
  },
  {
    name: 'upstream 204',
    source: 'RFC 9110 §15.3.5',
    raw: get('/r/no-content'),
    gateway: { statuses: [204] },
  },
  {
    name: 'upstream 304',
    source: 'RFC 9110 §15.4.5',
    raw: get('/r/not-modified'),
    gateway: { statuses: [304] },
  },
  {
    name: 'upstream chunked to an HTTP/1.0 client',
    source: 'RFC 9112 §6.1',
    raw: msg(['GET /r/chunked HTTP/1.0', HOST]),
    gateway: { statuses: [200] },
  },
  {
    name: 'upstream hop-by-hop fields',
    source: 'RFC 9110 §7.6.1',
    raw: get('/r/hop-by-hop'),
    gateway: { lacks: ['X-Secret', 'Keep-Alive: timeout=5'], statuses: [200] },
  },
  {
    name: 'upstream invalid status line',
    source: 'RFC 9112 §4',
    intended: WHY.invalidAnswer,
    raw: get('/r/bad-status'),
    gateway: { statuses: [502], upstreamFault: true },
  },
  {
    name: 'upstream two Content-Lengths',
    source: 'RFC 9112 §6.3 (5)',
    intended: WHY.invalidAnswer,
    raw: get('/r/conflicting-length'),
    gateway: { statuses: [502], upstreamFault: true },
  },
];
