import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';

/**
 * Hop-by-hop fields (RFC 9110 §7.6.1): meaningful for one connection only, never forwarded.
 * `expect` too: Node answers `100-continue` itself and undici refuses to send it.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'te',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

/** Fields named by a `Connection` header are hop-by-hop as well. */
function connectionOptions(value: string | string[] | undefined): Set<string> | undefined {
  if (!value) return undefined;
  const names = (Array.isArray(value) ? value.join(',') : value)
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n !== '' && n !== 'close' && n !== 'keep-alive');
  return names.length > 0 ? new Set(names) : undefined;
}

const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/** The client's `X-Request-Id` when it is sane, else a new one: one id across every hop. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

export type OutgoingHeaders = Record<string, string | string[]>;

/**
 * Headers for the upstream request: end-to-end fields kept (`Host` included, as the lab's
 * `proxy_set_header Host $host` did), hop-by-hop removed, and the `X-Forwarded-*` trio plus
 * `X-Request-Id` set. `drop` lists fields the caller re-creates (trace context).
 */
export function forwardRequestHeaders(
  req: IncomingMessage,
  requestId: string,
  drop: ReadonlySet<string>,
): OutgoingHeaders {
  const headers = req.headers;
  const named = connectionOptions(headers.connection);
  const out: OutgoingHeaders = {};
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || drop.has(name) || named?.has(name)) continue;
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  const client = req.socket.remoteAddress ?? '';
  const prior = headers['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${String(prior)}, ${client}` : client;
  out['x-forwarded-proto'] = 'http';
  if (headers.host) out['x-forwarded-host'] = headers.host;
  out['x-request-id'] = requestId;
  return out;
}

/**
 * Headers for the client's response, from undici's raw response headers: the upstream's minus
 * hop-by-hop fields, as the flat array `writeHead` takes. Also reports the upstream's
 * `x-served-by` and whether the response is sized (has `Content-Length`).
 */
export function clientHeaders(raw: Buffer[]): {
  headers: string[];
  servedBy?: string;
  sized: boolean;
} {
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 10 && raw[i].toString('latin1').toLowerCase() === 'connection') {
      named = connectionOptions(raw[i + 1].toString('latin1'));
    }
  }
  const headers: string[] = [];
  let servedBy: string | undefined;
  let sized = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toString('latin1');
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named?.has(lower)) continue;
    const value = raw[i + 1].toString('latin1');
    if (lower === 'x-served-by') servedBy = value;
    else if (lower === 'content-length') sized = true;
    headers.push(name, value);
  }
  return { headers, servedBy, sized };
}
