import { GatewayError, type GatewayErrorCode } from './gateway-errors';

/**
 * How an attempt can end, other than with an answer: one row per kind of ending, in order, each
 * naming the catalogue code it becomes (and so its status, whose fault it is and whether it may
 * be retried: gateway-errors.ts). The one place that knows undici's and Node's error codes;
 * transport-failures.spec.ts has an example of every row.
 *
 * Only rows whose code is an upstream fault reach passive ejection, outlier detection and the
 * retry rule (nginx `proxy_next_upstream error timeout` counts only errors on the upstream
 * connection toward `max_fails`; Envoy keeps downstream and upstream failure reasons apart).
 */
export interface TransportFailure {
  /** Short name: the row in docs/gateway.md ("Whose fault"). */
  readonly name: string;
  /** Error codes (`err.code`, looked for down the `cause` chain) this row matches. */
  readonly codes: readonly string[];
  readonly error: GatewayErrorCode;
  readonly why: string;
}

export const TRANSPORT_FAILURES: readonly TransportFailure[] = [
  {
    name: 'client_left',
    codes: ['UND_ERR_ABORTED', 'ABORT_ERR'],
    error: 'CLIENT_CLOSED_REQUEST',
    why: 'the client closed its connection: the attempt was aborted on its behalf (nginx 499)',
  },
  {
    name: 'client_body_short',
    codes: ['UND_ERR_REQ_CONTENT_LENGTH_MISMATCH'],
    error: 'INVALID_FRAMING',
    why: "the request body did not match its Content-Length: the client's framing (RFC 9112 §6.2)",
  },
  {
    name: 'upstream_unreachable',
    codes: [
      'ECONNREFUSED',
      'ECONNRESET',
      'EPIPE',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'ENOTFOUND',
      'EAI_AGAIN',
      'UND_ERR_SOCKET',
      'UND_ERR_CLOSED',
      'UND_ERR_DESTROYED',
    ],
    error: 'UPSTREAM_UNAVAILABLE',
    why: 'connecting failed, or the upstream connection broke before an answer',
  },
  {
    name: 'upstream_timeout',
    codes: [
      'UND_ERR_CONNECT_TIMEOUT',
      'UND_ERR_HEADERS_TIMEOUT',
      'UND_ERR_BODY_TIMEOUT',
      'ETIMEDOUT',
    ],
    error: 'UPSTREAM_TIMEOUT',
    why: "no connection, no response headers, or a response body that went silent, in time (an unread streamed request body is request-body.ts's own UPSTREAM_TIMEOUT)",
  },
  {
    name: 'upstream_invalid_response',
    codes: [
      // llhttp's parse errors on the upstream's response (undici's HTTPParserError), any kind
      'HPE_*',
      'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
      'UND_ERR_RES_EXCEEDED_MAX_SIZE',
    ],
    error: 'UPSTREAM_INVALID_RESPONSE',
    why: 'the upstream answered something that is not HTTP/1.1',
  },
  {
    name: 'gateway_refused_to_send',
    codes: [
      'UND_ERR_INVALID_ARG',
      'UND_ERR_NOT_SUPPORTED',
      'ERR_INVALID_CHAR',
      'ERR_HTTP_TRAILER_INVALID',
    ],
    error: 'INTERNAL_ERROR',
    why: 'our own request or response was refused by undici or Node: a rule the gateway should have applied first',
  },
];

const ROWS = new Map<string, TransportFailure>();
for (const row of TRANSPORT_FAILURES) for (const code of row.codes) ROWS.set(code, row);

/** What an unknown ending is: ours (logged), never the upstream's — no client can use it to eject one. */
export const UNKNOWN_FAILURE: TransportFailure = {
  name: 'unknown',
  codes: [],
  error: 'INTERNAL_ERROR',
  why: 'no row knows it: the gateway is blamed (logged at error) so that no client can eject an upstream with it',
};

/** The row an error from one attempt falls under. */
export function transportFailureOf(err: unknown): TransportFailure {
  const code = errorCode(err);
  if (code !== undefined) {
    const row = ROWS.get(code) ?? (code.startsWith('HPE_') ? ROWS.get('HPE_*') : undefined);
    if (row) return row;
  }
  if (err instanceof Error && err.name === 'AbortError') return ROWS.get('UND_ERR_ABORTED')!;
  // undici's parse errors do not always carry their HPE_ code.
  if (err instanceof Error && err.name === 'HTTPParserError') return ROWS.get('HPE_*')!;
  return UNKNOWN_FAILURE;
}

/** Map an error from undici/Node for one upstream attempt to the catalogue. */
export function fromTransportError(err: unknown): GatewayError {
  // Raised by the gateway itself (the request body reader: the client's timeouts and limits).
  if (err instanceof GatewayError) return err;
  return new GatewayError(transportFailureOf(err).error, { cause: err });
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 3; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
