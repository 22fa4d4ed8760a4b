import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';
import { activeTraceIds } from '../trace-context';

export interface JsonLoggerOptions {
  level: LevelWithSilent;
  /** Fields on every line, e.g. `{ service: 'web', node: 'web1' }`. */
  base: Record<string, string>;
  /** Where lines go; stdout when omitted (tests pass a stream to read them). */
  destination?: DestinationStream;
}

/**
 * The one JSON log format of every app: ISO time, level as a word, `msg`, the base fields, and
 * `trace_id`/`span_id` of the active span so a log line leads to its trace.
 *
 * Lines go to stdout synchronously (pino's default): nothing is lost when a process dies. An
 * asynchronous destination was measured and gained nothing here (docs/performance.md, "What
 * changed in this round").
 */
export function createJsonLogger(options: JsonLoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: options.base,
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      messageKey: 'msg',
      formatters: { level: (label: string) => ({ level: label }) },
      mixin: () => {
        const ids = activeTraceIds();
        return ids ? { trace_id: ids.traceId, span_id: ids.spanId } : {};
      },
    },
    options.destination,
  );
}

/** One finished HTTP request, as the request line of every app logs it. */
export interface RequestLine {
  method: string | undefined;
  path: string;
  userAgent: string | undefined;
  status: number;
  durationMs: number;
  /** Fields only some apps have (the gateway's upstream, request id, tunnel bytes). */
  extra?: Record<string, string | number>;
}

/**
 * The request line (nginx's access_log, as JSON): method, path, status, duration and user
 * agent, `info` for answers and `error` for our own failures (5xx). Checks the level first, so
 * with LOG_LEVEL=warn a request costs nothing here.
 */
export function logRequest(logger: Logger, line: RequestLine): void {
  const level = line.status >= 500 ? 'error' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const ms = Math.round(line.durationMs);
  logger[level](
    {
      req: { method: line.method, path: line.path, user_agent: line.userAgent },
      res: { status_code: line.status },
      duration_ms: ms,
      ...line.extra,
    },
    `${line.method} ${line.path} ${line.status} ${ms}ms`,
  );
}

export interface LoggingModuleOptions {
  logger: Logger;
  /** Paths not worth a request log line (probes and scrapes every few seconds). */
  quietPaths?: readonly string[];
  /**
   * Log requests through pino-http as express middleware (the gateway's admin plane). False
   * where the app logs its requests itself with {@link logRequest} (the web node's fastify
   * hook): Nest's logger only.
   */
  httpMiddleware?: boolean;
}

/**
 * Nest's logger and one request line per HTTP request through pino-http: method, path,
 * status, duration, user agent (the lab's nginx logged the agent).
 */
export function loggingModule(options: LoggingModuleOptions): DynamicModule {
  const quiet = new Set(options.quietPaths ?? []);
  return LoggerModule.forRoot({
    ...(options.httpMiddleware === false ? { forRoutes: [] } : {}),
    pinoHttp: {
      logger: options.logger,
      autoLogging: { ignore: (req: IncomingMessage) => quiet.has(pathOf(req.url)) },
      // pino-http's default serializers dump every header; keep what an operator reads.
      serializers: {
        req: (req: { method?: string; url?: string; headers?: Record<string, unknown> }) => ({
          method: req.method,
          path: pathOf(req.url),
          user_agent: req.headers?.['user-agent'],
        }),
        res: (res: { statusCode?: number }) => ({ status_code: res.statusCode }),
      },
      customSuccessMessage: (req: IncomingMessage, res: ServerResponse, ms: number) =>
        `${req.method} ${pathOf(req.url)} ${res.statusCode} ${Math.round(ms)}ms`,
      customErrorMessage: (req: IncomingMessage, res: ServerResponse) =>
        `${req.method} ${pathOf(req.url)} ${res.statusCode}`,
      customAttributeKeys: { responseTime: 'duration_ms' },
    },
  });
}

/** The path of a request target, without its query string. */
export function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
