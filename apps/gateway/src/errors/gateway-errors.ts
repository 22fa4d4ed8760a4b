import { errorBody } from '@app/observability';

/** One catalogue entry: everything that decides how a failure is answered and counted. */
export interface GatewayErrorSpec {
  readonly status: number;
  /** The `message` of the JSON body. */
  readonly message: string;
  /** When it happens: the error catalogue in docs/gateway.md is generated from it
   * (`npm run docs`). */
  readonly description: string;
  /** May be tried again on another upstream (nginx `proxy_next_upstream error timeout`);
   * whether it is, is the retry rule's call (proxy/retry-rule.ts). */
  readonly retryable: boolean;
  /** Counts against the upstream's health (`max_fails`). */
  readonly upstreamFault: boolean;
  /** Logged at this level where it is handled; null: only the access log line records it. */
  readonly logLevel: 'error' | null;
}

/**
 * Every failure the gateway answers itself, with its stable code and status. Bodies are
 * `{"error":CODE,"message":…}`. Transport errors become these in {@link fromTransportError},
 * the only place that knows undici's and Node's error codes.
 */
export const GATEWAY_ERRORS = {
  UPSTREAM_UNAVAILABLE: {
    status: 502,
    message: 'The upstream could not be reached.',
    description:
      'Connecting failed or the connection broke before a response, on every try (or on the one try of a request that is not retried, e.g. a POST).',
    retryable: true,
    upstreamFault: true,
    logLevel: null,
  },
  UPSTREAM_TIMEOUT: {
    status: 504,
    message: 'The upstream did not answer in time.',
    description:
      'No response headers within `UPSTREAM_HEADERS_TIMEOUT_MS` of dispatch (connecting included), or the retry budget `RETRY_TIMEOUT_MS` ran out.',
    retryable: true,
    upstreamFault: true,
    logLevel: null,
  },
  NO_HEALTHY_UPSTREAM: {
    status: 503,
    message: 'No healthy upstream is available.',
    description:
      'Every upstream is ejected (passive or active health, panic mode included) or none is configured/resolved.',
    retryable: false,
    upstreamFault: false,
    logLevel: null,
  },
  BODY_TOO_LARGE: {
    status: 413,
    message: 'The request body is too large.',
    description:
      'The request body is larger than `MAX_BODY_BYTES` (nginx `client_max_body_size`): declared, before any upstream is contacted; chunked, as soon as it passes.',
    retryable: false,
    upstreamFault: false,
    logLevel: null,
  },
  BAD_REQUEST: {
    status: 400,
    message: 'The Host header is not a valid host[:port].',
    description:
      'A request the gateway will not forward: a `Host` header that is not a valid `host[:port]` (RFC 9110 §7.2).',
    retryable: false,
    upstreamFault: false,
    logLevel: null,
  },
  NOT_FOUND: {
    status: 404,
    message: 'Not found.',
    description:
      'An operational path (`/metrics`, `/upstreams`, `/events`, `/health/*`, `/admin/*`) on the data port: served on the admin port only. On the admin port: an unknown path.',
    retryable: false,
    upstreamFault: false,
    logLevel: null,
  },
  MALFORMED_REQUEST: {
    status: 400,
    message: 'Malformed request.',
    description: 'Admin port: any other client mistake (a path that cannot be decoded).',
    retryable: false,
    upstreamFault: false,
    logLevel: null,
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    message: 'Method not allowed.',
    description: 'Admin port: the path exists with other methods (listed in `Allow`).',
    retryable: false,
    upstreamFault: false,
    logLevel: null,
  },
  TOO_MANY_CLIENTS: {
    status: 503,
    message: 'Too many live view connections.',
    description: 'Admin port: `LIVE_MAX_CLIENTS` live view streams are open already.',
    retryable: false,
    upstreamFault: false,
    logLevel: null,
  },
  INTERNAL_ERROR: {
    status: 500,
    message: 'Internal error.',
    description: 'A bug in the gateway: logged, costs that one request, never the process.',
    retryable: false,
    upstreamFault: false,
    logLevel: 'error',
  },
  CLIENT_CLOSED_REQUEST: {
    status: 499,
    message: 'The client closed the request.',
    description:
      "The client went away before the answer (nginx's 499): the upstream request is aborted; never sent, only counted, and never against the upstream.",
    retryable: false,
    upstreamFault: false,
    logLevel: null,
  },
} as const satisfies Record<string, GatewayErrorSpec>;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

export interface GatewayErrorOptions {
  /** Overrides the catalogue's {@link GatewayErrorSpec.retryable} for this one failure. */
  retryable?: boolean;
  /** Overrides the catalogue's {@link GatewayErrorSpec.upstreamFault} for this one failure. */
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
    const spec: GatewayErrorSpec = GATEWAY_ERRORS[code];
    this.retryable = options.retryable ?? spec.retryable;
    this.upstreamFault = options.upstreamFault ?? spec.upstreamFault;
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
    return new GatewayError('UPSTREAM_TIMEOUT', { cause: err });
  }
  if (code !== undefined && UNREACHABLE.has(code)) {
    return new GatewayError('UPSTREAM_UNAVAILABLE', { cause: err });
  }
  // Unknown transport failure: treat as unreachable (an upstream fault) but do not retry it.
  return new GatewayError('UPSTREAM_UNAVAILABLE', { retryable: false, cause: err });
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 3; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
