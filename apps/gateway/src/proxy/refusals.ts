import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors/gateway-errors';
import type { RequestTarget } from './request-target';

/**
 * Requests the gateway answers itself, before any upstream is involved: an ordered list of
 * named rules, each with why it exists. Every request on the data port — plain or `Upgrade` —
 * goes through the same list (proxy.ts, step "refuse"), so a rule added here applies to both;
 * every rule sees the target in its normal form (request-target.ts), never the raw spelling.
 */
export interface RefusalRule {
  readonly name: string;
  refuse(req: IncomingMessage, target: RequestTarget): GatewayError | undefined;
}

/**
 * Operational paths are never answered through the data port: the gateway's own live on
 * ADMIN_PORT only, and the nodes' (/metrics, /health/*) are for Prometheus and the gateway.
 * Matched against the rule form (lower case, no trailing slash).
 */
const ADMIN_PATHS = new Set(['/metrics', '/upstreams', '/events', '/health', '/admin']);
const ADMIN_PREFIXES = ['/health/', '/admin/', '/metrics/'];

/** RFC 9110 §7.2 Host: a reg-name or IPv4 (RFC 3986 unreserved/sub-delims/pct) or [IPv6], and a port. */
const VALID_HOST =
  /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

export function refusalRules(maxBodyBytes: number): readonly RefusalRule[] {
  return [
    {
      // RFC 9112 §2.3: llhttp parses any digit.digit version; only 1.x is HTTP/1 framing.
      name: 'http_version',
      refuse: (req) =>
        req.httpVersionMajor !== 1 ? new GatewayError('HTTP_VERSION_NOT_SUPPORTED') : undefined,
    },
    {
      // RFC 9110 §9.3.6: CONNECT asks for a tunnel to anywhere; the gateway is a reverse proxy.
      name: 'connect_method',
      refuse: (req) =>
        req.method === 'CONNECT' ? new GatewayError('METHOD_NOT_ALLOWED') : undefined,
    },
    {
      // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing: a 1.0
      // hop would read the body by other rules, so what follows it is not to be trusted
      // (nginx: 400 "client sent Transfer-Encoding in HTTP/1.0"). Answered, then closed.
      name: 'transfer_encoding_in_http10',
      refuse: (req) =>
        req.headers['transfer-encoding'] !== undefined && req.httpVersionMinor === 0
          ? new GatewayError('INVALID_FRAMING')
          : undefined,
    },
    {
      // RFC 9112 §6.1: only `chunked` is forwarded; a layered or unknown coding (`gzip, chunked`,
      // `chunked, chunked`, `identity`) is one the upstream might frame differently (nginx 501).
      name: 'transfer_coding',
      refuse: (req) => {
        const te = req.headers['transfer-encoding'];
        return te !== undefined && te.trim().toLowerCase() !== 'chunked'
          ? new GatewayError('UNSUPPORTED_TRANSFER_CODING')
          : undefined;
      },
    },
    {
      // Metrics and health of the nodes are not for the public (nor the gateway's own).
      name: 'operational_path',
      refuse: (_req, target) => {
        const path = target.rulePath;
        return ADMIN_PATHS.has(path) || ADMIN_PREFIXES.some((prefix) => path.startsWith(prefix))
          ? new GatewayError('NOT_FOUND')
          : undefined;
      },
    },
    {
      // Node requires a Host on HTTP/1.1 (and, joining duplicates, makes two Hosts invalid here:
      // RFC 9112 §3.2); an upstream must not receive one that is not a host. An absolute-form
      // target's authority replaces Host (RFC 9112 §3.2.2) and is held to the same rule.
      name: 'invalid_host',
      refuse: (req, target) => {
        const host = target.authority ?? req.headers.host;
        return host !== undefined && !VALID_HOST.test(host)
          ? new GatewayError('BAD_REQUEST')
          : undefined;
      },
    },
    {
      // client_max_body_size, for a declared size: before any upstream is contacted.
      name: 'body_too_large',
      refuse: (req) =>
        Number(req.headers['content-length'] ?? 0) > maxBodyBytes
          ? new GatewayError('BODY_TOO_LARGE')
          : undefined,
    },
  ];
}

/** The first rule that refuses the request, or undefined. */
export function refusalOf(
  rules: readonly RefusalRule[],
  req: IncomingMessage,
  target: RequestTarget,
): GatewayError | undefined {
  for (const rule of rules) {
    const refused = rule.refuse(req, target);
    if (refused) return refused;
  }
  return undefined;
}
