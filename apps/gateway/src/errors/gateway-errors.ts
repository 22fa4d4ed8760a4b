import { errorBody } from '@app/observability';

/**
 * Whose fault a failure is (STYLE.md, "Faults: whose is it"): only `upstream` faults count
 * toward passive ejection and may be retried; `client` faults are answered 4xx (or the
 * connection closed) and counted by reason; `gateway` faults are our own bugs or limits.
 */
export type Fault = 'client' | 'upstream' | 'gateway';

/** One catalogue entry: everything that decides how a failure is answered, counted and logged. */
export interface GatewayErrorSpec {
  readonly status: number;
  /** Whose fault it is: only `upstream` faults count against the upstream (max_fails). */
  readonly fault: Fault;
  /** May be tried again on another upstream (nginx `proxy_next_upstream error timeout`);
   * whether it is, is the retry rule's call (proxy/retry-rule.ts). */
  readonly retryable: boolean;
  /** The client's connection is closed after this answer: what follows on it cannot be
   * trusted or was not read (RFC 9112 §6.3, §9.6). */
  readonly closes?: true;
  /** The `message` of the JSON body. */
  readonly message: string;
  /** When it happens: the error catalogue in docs/gateway.md is generated from it
   * (`npm run docs`). */
  readonly description: string;
  /** Logged at this level where it is handled; null: only the access log line records it. */
  readonly logLevel: 'error' | null;
}

/**
 * Every failure the gateway answers itself: its stable code, status, whose fault it is, and
 * whether another upstream may be tried (nginx `proxy_next_upstream error timeout`; whether it
 * is, is the retry rule's call: proxy/retry-rule.ts). Policy as data: nothing elsewhere decides
 * these from a code. Bodies are `{"error":CODE,"message":…}`. Transport errors become these in
 * transport-failures.ts, the only place that knows undici's and Node's error codes.
 */
export const GATEWAY_ERRORS = {
  UPSTREAM_UNAVAILABLE: {
    status: 502,
    fault: 'upstream',
    retryable: true,
    message: 'The upstream could not be reached.',
    description:
      'Connecting failed or the connection broke before a response, on every try (or on the one try of a request that is not retried, e.g. a POST with a streamed body).',
    logLevel: null,
  },
  UPSTREAM_TIMEOUT: {
    status: 504,
    fault: 'upstream',
    retryable: true,
    message: 'The upstream did not answer in time.',
    description:
      'No response headers within `UPSTREAM_HEADERS_TIMEOUT_MS` of the request having been sent (connecting bounded too), the retry budget `RETRY_TIMEOUT_MS` ran out, or the upstream stopped reading a streamed request body.',
    logLevel: null,
  },
  UPSTREAM_INVALID_RESPONSE: {
    status: 502,
    fault: 'upstream',
    retryable: false,
    message: 'The upstream sent an invalid response.',
    description:
      "The upstream's answer was not valid HTTP/1.1 (a parse error, a body shorter than declared).",
    logLevel: null,
  },
  NO_HEALTHY_UPSTREAM: {
    status: 503,
    fault: 'upstream',
    retryable: false,
    message: 'No healthy upstream is available.',
    description:
      'Every upstream is ejected (passive or active health) or none is configured/resolved.',
    logLevel: null,
  },
  BODY_TOO_LARGE: {
    status: 413,
    fault: 'client',
    closes: true,
    retryable: false,
    message: 'The request body is too large.',
    description:
      'The request body is larger than `MAX_BODY_BYTES` (nginx `client_max_body_size`): declared, before any upstream is contacted; chunked, as soon as it passes.',
    logLevel: null,
  },
  CLIENT_BODY_TIMEOUT: {
    status: 408,
    fault: 'client',
    closes: true,
    retryable: false,
    message: 'The request body did not arrive in time.',
    description: 'No request body data for CLIENT_BODY_TIMEOUT_MS (nginx client_body_timeout).',
    logLevel: null,
  },
  INVALID_FRAMING: {
    status: 400,
    fault: 'client',
    closes: true,
    retryable: false,
    message: 'The request message framing is invalid.',
    description:
      "The request's framing is not valid HTTP/1.1 (RFC 9112 §6: Transfer-Encoding in HTTP/1.0, …).",
    logLevel: null,
  },
  UNSUPPORTED_TRANSFER_CODING: {
    status: 501,
    fault: 'client',
    closes: true,
    retryable: false,
    message: 'Only the chunked transfer coding is supported.',
    description: 'A transfer coding other than `chunked` (RFC 9112 §6.1; nginx answers 501 too).',
    logLevel: null,
  },
  INVALID_TARGET: {
    status: 400,
    fault: 'client',
    closes: true,
    retryable: false,
    message: 'The request target is invalid.',
    description:
      'The request target is not one the gateway forwards (`*`, bad percent-encoding, a scheme other than http(s)).',
    logLevel: null,
  },
  HTTP_VERSION_NOT_SUPPORTED: {
    status: 505,
    fault: 'client',
    closes: true,
    retryable: false,
    message: 'Only HTTP/1.x is served here.',
    description:
      'An HTTP version other than 1.x on an HTTP/1 connection (RFC 9110 §15.6.6; nginx 505 too).',
    logLevel: null,
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    fault: 'client',
    closes: true,
    retryable: false,
    message: 'The request headers are too large.',
    description: "Request headers larger than Node's limit (16 KiB; llhttp HPE_HEADER_OVERFLOW).",
    logLevel: null,
  },
  CLIENT_HEADER_TIMEOUT: {
    status: 408,
    fault: 'client',
    closes: true,
    retryable: false,
    message: 'The request headers did not arrive in time.',
    description:
      'Request headers not complete within CLIENT_HEADER_TIMEOUT_MS (nginx client_header_timeout; slowloris).',
    logLevel: null,
  },
  BAD_REQUEST: {
    status: 400,
    fault: 'client',
    retryable: false,
    message: 'The Host header is not a valid host[:port].',
    description: 'A request the gateway will not forward (a malformed Host header).',
    logLevel: null,
  },
  NOT_FOUND: {
    status: 404,
    fault: 'client',
    retryable: false,
    message: 'Not found.',
    description:
      'An operational path (`/metrics`, `/upstreams`, `/events`, `/health/*`, `/admin/*`) on the data port, by any spelling (the normalised target is compared): served on the admin port only. On the admin port: an unknown path.',
    logLevel: null,
  },
  MALFORMED_REQUEST: {
    status: 400,
    fault: 'client',
    retryable: false,
    message: 'Malformed request.',
    description:
      "Any other client mistake: a request Node's HTTP parser refuses (data port), an unparsable one (admin port).",
    logLevel: null,
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    fault: 'client',
    retryable: false,
    message: 'Method not allowed.',
    description:
      'The method is not served: `CONNECT` on the data port; on the admin port, a path that exists with other methods (listed in `Allow`).',
    logLevel: null,
  },
  TOO_MANY_CLIENTS: {
    status: 503,
    fault: 'gateway',
    retryable: false,
    message: 'Too many live view connections.',
    description: 'Admin port: `LIVE_MAX_CLIENTS` live view streams are open already.',
    logLevel: null,
  },
  INTERNAL_ERROR: {
    status: 500,
    fault: 'gateway',
    retryable: false,
    message: 'Internal error.',
    description:
      'A bug in the gateway, or a transport failure the table in `errors/transport-failures.ts` does not know: logged, costs that one request, never the process, and never counts against the upstream.',
    logLevel: 'error',
  },
  CLIENT_CLOSED_REQUEST: {
    status: 499,
    fault: 'client',
    retryable: false,
    message: 'The client closed the request.',
    description:
      "The client went away before the answer (nginx's 499): the upstream request is aborted; never sent, only counted, and never against the upstream.",
    logLevel: null,
  },
} as const satisfies Record<string, GatewayErrorSpec>;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

/** The codes that are the client's fault: the series of gateway_client_faults_total. */
export const CLIENT_FAULT_CODES = (Object.keys(GATEWAY_ERRORS) as GatewayErrorCode[]).filter(
  (code) => GATEWAY_ERRORS[code].fault === 'client',
);

export class GatewayError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    options: { cause?: unknown } = {},
  ) {
    super(GATEWAY_ERRORS[code].message, { cause: options.cause });
    this.name = 'GatewayError';
  }

  get status(): number {
    return GATEWAY_ERRORS[this.code].status;
  }

  get fault(): Fault {
    return GATEWAY_ERRORS[this.code].fault;
  }

  /** It counts against the upstream's health (max_fails) and may be retried. */
  get upstreamFault(): boolean {
    return GATEWAY_ERRORS[this.code].fault === 'upstream';
  }

  /** Logged at this level where it is handled (null: only the access log line). */
  get logLevel(): 'error' | null {
    return GATEWAY_ERRORS[this.code].logLevel;
  }

  /** Another upstream may be tried (the retry rule decides whether it is). */
  get retryable(): boolean {
    return GATEWAY_ERRORS[this.code].retryable;
  }

  /** The answer closes the client's connection. */
  get closesConnection(): boolean {
    return 'closes' in GATEWAY_ERRORS[this.code];
  }

  /** The JSON body sent to the client (the shape every app answers errors with). */
  get body(): string {
    return errorBody(this.code, this.message);
  }
}
