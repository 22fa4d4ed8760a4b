import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import { sendError, sendResponse } from '@app/observability';
import type { FastifyReply } from 'fastify';
import { ReplyError } from 'ioredis';

/** One catalogue entry: everything that decides how a failure is answered and logged. */
export interface WebErrorSpec {
  readonly status: number;
  /** The `message` of the JSON body. */
  readonly message: string;
  /** When it happens: the error catalogue in README.md is generated from it (`npm run docs`). */
  readonly description: string;
  /** Logged at this level when handled (once, in {@link WebErrorFilter}); null: only the
   * request line records it. */
  readonly logLevel: 'error' | 'debug' | null;
  /** Sending the same request again can succeed: nothing was counted and the cause passes. */
  readonly retryable: boolean;
  /** `Retry-After` on the answer, in seconds (RFC 9110 §10.2.3). */
  readonly retryAfterSeconds?: number;
}

/**
 * Every failure the web node answers with: a stable code (clients and dashboards key on it),
 * its HTTP status, and the message shown. The body is always `{"error":CODE,"message":…}`.
 * 4xx: the client's mistake (logged at most as a request line, never with a stack);
 * 5xx: ours (logged once, in {@link WebErrorFilter}, at the entry's level).
 */
export const WEB_ERRORS = {
  BAD_REQUEST: {
    status: 400,
    message: 'Malformed request.',
    description:
      "A path that cannot be decoded (e.g. `GET /%`), an unparsable body, or a malformed `Idempotency-Key` (not a Structured Fields string): the client's mistake.",
    logLevel: null,
    retryable: false,
  },
  NOT_FOUND: {
    status: 404,
    message: 'No such route.',
    description: 'No route has this path.',
    logLevel: null,
    retryable: false,
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    message: 'Method not allowed.',
    description:
      'The route exists, not with this method (e.g. `POST /`); `Allow` lists the ones it has (RFC 9110 §15.5.6).',
    logLevel: null,
    retryable: false,
  },
  BODY_TOO_LARGE: {
    status: 413,
    message: 'Request body too large.',
    description: 'A request body larger than the node accepts.',
    logLevel: null,
    retryable: false,
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'Unsupported request body type.',
    description: 'A request body of a type the node does not parse.',
    logLevel: null,
    retryable: false,
  },
  REDIS_ERROR: {
    status: 500,
    message: 'Redis rejected the command; the hit was not counted.',
    description: 'Redis answered with an error (e.g. `counter` holds a non-integer).',
    logLevel: 'error',
    retryable: false,
  },
  INTERNAL_ERROR: {
    status: 500,
    message: 'Internal error.',
    description: 'A bug in the node.',
    logLevel: 'error',
    retryable: false,
  },
  REDIS_UNAVAILABLE: {
    status: 503,
    message: 'Redis is unavailable; the hit was not counted.',
    description:
      'Redis unreachable, reconnecting, or too slow: answered within `REDIS_TIMEOUT_MS`, never queued behind a reconnection. Nothing was counted. Logged at debug only: the Redis module logs a lost connection, the metrics count the rest.',
    logLevel: 'debug',
    retryable: true,
    retryAfterSeconds: 1,
  },
  DEADLINE_EXCEEDED: {
    status: 504,
    message: 'The request deadline passed; the hit was not counted.',
    description:
      "The request's deadline (`x-request-deadline`, or the node's own Redis bound) passed before the hit could be counted: nobody waits for this answer any more, and nothing was counted.",
    logLevel: 'debug',
    retryable: true,
  },
} as const satisfies Record<string, WebErrorSpec>;

export type WebErrorCode = keyof typeof WEB_ERRORS;

export class WebError extends Error {
  constructor(
    readonly code: WebErrorCode,
    options?: { cause?: unknown; allow?: readonly string[] },
  ) {
    super(WEB_ERRORS[code].message, options);
    this.name = 'WebError';
    this.allow = options?.allow;
  }

  /** With METHOD_NOT_ALLOWED: the methods the route has. */
  readonly allow: readonly string[] | undefined;

  get status(): number {
    return WEB_ERRORS[this.code].status;
  }
}

/** The one place a Redis client error becomes a web error. */
export function fromRedisError(err: unknown): WebError {
  return new WebError(err instanceof ReplyError ? 'REDIS_ERROR' : 'REDIS_UNAVAILABLE', {
    cause: err,
  });
}

/** A 4xx status some layer below us chose (fastify's parsers, Nest) → our catalogue. */
function clientError(status: number): WebErrorCode {
  switch (status) {
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 413:
      return 'BODY_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    default:
      return 'BAD_REQUEST';
  }
}

/** The HTTP status an exception carries: Nest's HttpException, or fastify's `statusCode`. */
function statusOf(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return exception.getStatus();
  if (typeof exception === 'object' && exception !== null && 'statusCode' in exception) {
    const status = exception.statusCode;
    return typeof status === 'number' ? status : undefined;
  }
  return undefined;
}

/** Write a catalogue error (with `Retry-After`/`Allow` where it has them). */
export function replyWithWebError(reply: FastifyReply, error: WebError): void {
  const headers: Record<string, string> = {};
  const spec: WebErrorSpec = WEB_ERRORS[error.code];
  if (spec.retryAfterSeconds !== undefined) headers['retry-after'] = String(spec.retryAfterSeconds);
  if (error.allow) headers.allow = error.allow.join(', ');
  sendError(reply, error.status, error.code, error.message, headers);
}

/** Renders every exception as the catalogue's JSON; logs each failure of ours once, here. */
@Catch()
export class WebErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('WebErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    if (exception instanceof HttpException && isPassThrough(exception.getStatus())) {
      // Terminus health reports (503 with the checks' details) keep their documented format.
      sendResponse(
        reply,
        exception.getStatus(),
        { 'content-type': 'application/json; charset=utf-8' },
        JSON.stringify(exception.getResponse()),
      );
      return;
    }
    const error = toWebError(exception);
    const { logLevel }: WebErrorSpec = WEB_ERRORS[error.code];
    // debug: expected during an outage or a stall, not a line per request at error.
    if (logLevel === 'debug') this.logger.debug(`${error.code}: ${causeMessage(error)}`);
    else if (logLevel === 'error')
      this.logger.error({ err: error.cause ?? exception }, `${error.code}: ${causeMessage(error)}`);
    replyWithWebError(reply, error);
  }
}

/** Any exception → the catalogue: ours as they are, a 4xx from below as its code, else 500. */
function toWebError(exception: unknown): WebError {
  if (exception instanceof WebError) return exception;
  const status = statusOf(exception);
  if (status !== undefined && status >= 400 && status < 500)
    return new WebError(clientError(status), { cause: exception });
  return new WebError('INTERNAL_ERROR', { cause: exception });
}

function isPassThrough(status: number): boolean {
  return status === 503;
}

function causeMessage(error: WebError): string {
  return error.cause instanceof Error ? error.cause.message : error.message;
}
