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

/**
 * Every failure the web node answers with: a stable code (clients and dashboards key on it),
 * its HTTP status, and the message shown. The body is always `{"error":CODE,"message":…}`.
 * 4xx: the client's mistake (logged at most as a request line, never with a stack);
 * 5xx: ours (logged once at `error`, in {@link WebErrorFilter}).
 */
export const WEB_ERRORS = {
  /** Malformed request: broken percent-encoding in the path, an unparsable body. */
  BAD_REQUEST: { status: 400, message: 'Malformed request.' },
  NOT_FOUND: { status: 404, message: 'No such route.' },
  /** The route exists, not with this method; `Allow` lists the ones it has (RFC 9110 §15.5.6). */
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed.' },
  /** A request body larger than the node accepts. */
  BODY_TOO_LARGE: { status: 413, message: 'Request body too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported request body type.' },
  /** Redis answered with an error (e.g. `counter` holds a non-integer). */
  REDIS_ERROR: { status: 500, message: 'Redis rejected the command; the hit was not counted.' },
  INTERNAL_ERROR: { status: 500, message: 'Internal error.' },
  /** Redis unreachable, reconnecting, or too slow: the hit was not counted. */
  REDIS_UNAVAILABLE: { status: 503, message: 'Redis is unavailable; the hit was not counted.' },
  /** The request's deadline (`x-request-deadline`, or the node's own Redis bound) passed before
   * the hit could be counted: nobody waits for this answer any more, and nothing was counted. */
  DEADLINE_EXCEEDED: {
    status: 504,
    message: 'The request deadline passed; the hit was not counted.',
  },
} as const;

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
  if (error.code === 'REDIS_UNAVAILABLE') headers['retry-after'] = '1';
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
    if (error.code === 'REDIS_UNAVAILABLE' || error.code === 'DEADLINE_EXCEEDED') {
      // Expected during an outage or a stall (the Redis module logs a lost connection; the
      // metrics count the rest): not a line per request.
      this.logger.debug(`${error.code}: ${causeMessage(error)}`);
    } else if (error.status >= 500) {
      this.logger.error({ err: error.cause ?? exception }, `${error.code}: ${causeMessage(error)}`);
    }
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
