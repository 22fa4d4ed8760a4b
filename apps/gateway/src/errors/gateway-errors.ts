import { errorBody } from '@app/observability';

/**
 * Every failure the gateway answers itself, with its stable code and status. Bodies are
 * `{"error":CODE,"message":…}`. Transport errors become these in {@link fromTransportError},
 * the only place that knows undici's and Node's error codes.
 */
export const GATEWAY_ERRORS = {
  /** Connecting failed or the connection broke before a response, on every try. */
  UPSTREAM_UNAVAILABLE: { status: 502, message: 'The upstream could not be reached.' },
  /** No response headers in time (connect, headers or retry-budget timeout). */
  UPSTREAM_TIMEOUT: { status: 504, message: 'The upstream did not answer in time.' },
  /** Every upstream is ejected (passive or active health) or none is configured/resolved. */
  NO_HEALTHY_UPSTREAM: { status: 503, message: 'No healthy upstream is available.' },
  /** The request body is larger than MAX_BODY_BYTES (nginx client_max_body_size). */
  BODY_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  /** A request the gateway will not forward (a malformed Host header). */
  BAD_REQUEST: { status: 400, message: 'The Host header is not a valid host[:port].' },
  /** Admin paths are served on the admin port only, never through the data plane; and any
   * unknown path of the admin port. */
  NOT_FOUND: { status: 404, message: 'Not found.' },
  /** Admin port: any other client mistake (an unparsable request). */
  MALFORMED_REQUEST: { status: 400, message: 'Malformed request.' },
  /** Admin port: the path exists with other methods (listed in `Allow`). */
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed.' },
  /** Admin port: LIVE_MAX_CLIENTS live view streams are open already. */
  TOO_MANY_CLIENTS: { status: 503, message: 'Too many live view connections.' },
  /** A bug in the gateway (logged); the process keeps serving. */
  INTERNAL_ERROR: { status: 500, message: 'Internal error.' },
  /** The client went away before the answer (nginx's 499); never sent, only counted. */
  CLIENT_CLOSED_REQUEST: { status: 499, message: 'The client closed the request.' },
} as const;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

export interface GatewayErrorOptions {
  /** The failure may be tried again on another upstream (nginx proxy_next_upstream error
   * timeout); whether it is, is the retry rule's call (proxy/retry-rule.ts). */
  retryable?: boolean;
  /** It counts against the upstream's health (max_fails). */
  upstreamFault?: boolean;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly retryable: boolean;
  readonly upstreamFault: boolean;

  constructor(
    readonly code: GatewayErrorCode,
    options: GatewayErrorOptions = {},
  ) {
    super(GATEWAY_ERRORS[code].message, { cause: options.cause });
    this.name = 'GatewayError';
    this.retryable = options.retryable ?? false;
    this.upstreamFault = options.upstreamFault ?? false;
  }

  get status(): number {
    return GATEWAY_ERRORS[this.code].status;
  }

  /** The JSON body sent to the client (the shape every app answers errors with). */
  get body(): string {
    return errorBody(this.code, this.message);
  }
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET', // "other side closed": reset before the response
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

const TIMED_OUT = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** Map an error from undici/Node for one upstream attempt to the catalogue. */
export function fromTransportError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const code = errorCode(err);
  if (code === 'UND_ERR_ABORTED' || (err instanceof Error && err.name === 'AbortError')) {
    return new GatewayError('CLIENT_CLOSED_REQUEST', { cause: err });
  }
  if (code !== undefined && TIMED_OUT.has(code)) {
    return new GatewayError('UPSTREAM_TIMEOUT', {
      retryable: true,
      upstreamFault: true,
      cause: err,
    });
  }
  if (code !== undefined && UNREACHABLE.has(code)) {
    return new GatewayError('UPSTREAM_UNAVAILABLE', {
      retryable: true,
      upstreamFault: true,
      cause: err,
    });
  }
  // Unknown transport failure: treat as unreachable (an upstream fault) but do not retry it.
  return new GatewayError('UPSTREAM_UNAVAILABLE', { upstreamFault: true, cause: err });
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 3; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
