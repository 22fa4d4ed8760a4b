import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import { sendResponse } from '@app/observability';
import type { FastifyReply } from 'fastify';
import { ReplyError } from 'ioredis';

/**
 * Every failure the web node answers with: a stable code (clients and dashboards key on it),
 * its HTTP status, and the message shown. The body is always `{"error":CODE,"message":…}`.
 */
export const WEB_ERRORS = {
  /** Redis unreachable, reconnecting, or too slow: the hit was not counted. */
  REDIS_UNAVAILABLE: { status: 503, message: 'Redis is unavailable; the hit was not counted.' },
  /** Redis answered with an error (e.g. `counter` holds a non-integer). */
  REDIS_ERROR: { status: 500, message: 'Redis rejected the command; the hit was not counted.' },
  NOT_FOUND: { status: 404, message: 'No such route.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed.' },
  INTERNAL_ERROR: { status: 500, message: 'Internal error.' },
} as const;

export type WebErrorCode = keyof typeof WEB_ERRORS;

export class WebError extends Error {
  constructor(
    readonly code: WebErrorCode,
    options?: { cause?: unknown },
  ) {
    super(WEB_ERRORS[code].message, options);
    this.name = 'WebError';
  }

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

/** Renders every exception as the catalogue's JSON; logs each failure once, here. */
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
        { 'content-type': JSON_UTF8 },
        JSON.stringify(exception.getResponse()),
      );
      return;
    }
    const error = this.toWebError(exception);
    const headers: Record<string, string> = { 'content-type': JSON_UTF8 };
    if (error.code === 'REDIS_UNAVAILABLE') {
      // Expected during an outage; the Redis module already logged the lost connection.
      headers['retry-after'] = '1';
      this.logger.debug(`${error.code}: ${causeMessage(error)}`);
    } else if (error.status >= 500) {
      this.logger.error({ err: error.cause ?? exception }, `${error.code}: ${causeMessage(error)}`);
    }
    sendResponse(
      reply,
      error.status,
      headers,
      JSON.stringify({ error: error.code, message: error.message }),
    );
  }

  private toWebError(exception: unknown): WebError {
    if (exception instanceof WebError) return exception;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 404) return new WebError('NOT_FOUND');
      if (status === 405) return new WebError('METHOD_NOT_ALLOWED');
    }
    return new WebError('INTERNAL_ERROR', { cause: exception });
  }
}

const JSON_UTF8 = 'application/json; charset=utf-8';

function isPassThrough(status: number): boolean {
  return status === 503;
}

function causeMessage(error: WebError): string {
  return error.cause instanceof Error ? error.cause.message : error.message;
}
