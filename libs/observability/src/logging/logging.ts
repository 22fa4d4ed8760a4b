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

export interface LoggingModuleOptions {
  logger: Logger;
  /** Paths not worth a request log line (probes and scrapes every few seconds). */
  quietPaths?: readonly string[];
}

/**
 * Nest's logger and one request line per HTTP request through pino-http: method, path,
 * status, duration, user agent (the lab's nginx logged the agent).
 */
export function loggingModule(options: LoggingModuleOptions): DynamicModule {
  const quiet = new Set(options.quietPaths ?? []);
  return LoggerModule.forRoot({
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
