import type { IncomingMessage } from 'node:http';
import { pathOf } from '@app/observability';
import { GatewayError } from '../errors/gateway-errors';

/**
 * Requests the gateway answers itself, before any upstream is involved: an ordered list of
 * named rules, each with why it exists. Every request on the data port — plain or `Upgrade` —
 * goes through the same list (proxy.ts, step "refuse"), so a rule added here applies to both.
 */
export interface RefusalRule {
  readonly name: string;
  refuse(req: IncomingMessage, path: string): GatewayError | undefined;
}

/**
 * Operational paths are never answered through the data port: the gateway's own live on
 * ADMIN_PORT only, and the nodes' (/metrics, /health/*) are for Prometheus and the gateway.
 */
const ADMIN_PATHS = new Set(['/metrics', '/upstreams', '/events']);
const ADMIN_PREFIXES = ['/health/', '/admin/'];

/** RFC 9110 §7.2 Host: a reg-name or IPv4 (RFC 3986 unreserved/sub-delims/pct) or [IPv6], and a port. */
const VALID_HOST =
  /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

export function refusalRules(maxBodyBytes: number): readonly RefusalRule[] {
  return [
    {
      // Metrics and health of the nodes are not for the public (nor the gateway's own).
      name: 'operational_path',
      refuse: (_req, path) =>
        ADMIN_PATHS.has(path) || ADMIN_PREFIXES.some((prefix) => path.startsWith(prefix))
          ? new GatewayError('NOT_FOUND')
          : undefined,
    },
    {
      // Node requires a Host on HTTP/1.1; an upstream must not receive one that is not a host.
      name: 'invalid_host',
      refuse: (req) => {
        const host = req.headers.host;
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
): GatewayError | undefined {
  const path = pathOf(req.url);
  for (const rule of rules) {
    const refused = rule.refuse(req, path);
    if (refused) return refused;
  }
  return undefined;
}
