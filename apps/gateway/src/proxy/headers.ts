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
  // The usual values name no field: skip the split.
  if (typeof value === 'string' && /^\s*(?:keep-alive|close)\s*$/i.test(value)) return undefined;
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
 *
 * One pass, and a name is lower-cased only when its length matches a field we look for: this
 * runs for every proxied response (docs/performance.md).
 */
export function clientHeaders(
  raw: Buffer[],
  trailersAllowed = true,
): {
  headers: string[];
  servedBy?: string;
  sized: boolean;
  /** The upstream announced trailers (`Trailer`), and the client may get them. */
  trailers: boolean;
} {
  const headers: string[] = [];
  let servedBy: string | undefined;
  let sized = false;
  let trailers = false;
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toString('latin1');
    const value = raw[i + 1].toString('latin1');
    if (INTERESTING_LENGTHS.has(name.length)) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower)) {
        if (lower === 'connection') named = connectionOptions(value);
        continue;
      }
      if (lower === 'x-served-by') servedBy = value;
      else if (lower === 'content-length') sized = true;
      else if (lower === 'trailer') {
        // Announced trailers need a chunked answer (RFC 9112 §7.1.2): none for HEAD or an
        // HTTP/1.0 client, whose answer Node would refuse to write (ERR_HTTP_TRAILER_INVALID).
        if (!trailersAllowed) continue;
        trailers = true;
      }
    }
    headers.push(name, value);
  }
  // A sized answer is not chunked: it cannot carry the trailers it announces.
  if (trailers && sized) return clientHeaders(raw, false);
  // Rare: fields named by `Connection` (RFC 9110 §7.6.1), wherever they came in the list.
  return { headers: named ? withoutFields(headers, named) : headers, servedBy, sized, trailers };
}

/** Lengths of the response fields clientHeaders() treats specially. */
const INTERESTING_LENGTHS = new Set(
  [...HOP_BY_HOP, 'x-served-by', 'content-length', 'trailer'].map((name) => name.length),
);

function withoutFields(headers: string[], names: ReadonlySet<string>): string[] {
  const kept: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!names.has(headers[i].toLowerCase())) kept.push(headers[i], headers[i + 1]);
  }
  return kept;
}
