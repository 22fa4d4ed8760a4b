import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  HttpServerMetrics,
  RouteMethods,
  METRICS_REGISTRY,
  type MetricsRegistry,
  httpServerDurationHistogram,
  logRequest,
  pathOf,
  runInHttpServerSpan,
  sampledTraceId,
  setHttpRoute,
} from '@app/observability';
import { tracingDisabled } from '@app/observability/otel-config';
import { trace } from '@opentelemetry/api';
import { Logger } from 'nestjs-pino';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import type { WebConfig } from './config/web.config';
import { WebError, replyWithWebError } from './errors/web-errors';
import { REPLAYED_HEADER } from './hits/idempotency-key';
import { ShutdownState } from './lifecycle/shutdown.state';
import { WEB_REQUEST_LOGGER, WebModule, type WebModuleOptions } from './web.module';

export interface WebApp {
  readonly app: NestFastifyApplication;
  /** Base URL the node listens on, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly logger: LoggerService;
  /**
   * Graceful stop: readiness goes 503, then after SHUTDOWN_DELAY_MS the listener closes and
   * in-flight requests finish (at most SHUTDOWN_TIMEOUT_MS), then Redis closes. Resolves true
   * when everything drained in time, false when connections had to be cut.
   */
  shutdown(): Promise<boolean>;
}

/** Probes (every gateway health check) and scrapes: not traffic worth a trace or a log line. */
const isOperational = (path: string) => path === '/metrics' || path.startsWith('/health/');

/**
 * Build and start one web node. Used by main.ts and by the e2e tests (port 0).
 *
 * Nest runs on fastify (`@nestjs/platform-fastify`), not express: a hit costs the node about half
 * the CPU on it (docs/performance.md, "What changed in this round").
 * Per-request observability is wired as
 * fastify hooks and one wrapper around the request listener, never as Nest middleware (which
 * fastify would run through a connect-style shim).
 */
export async function startWebApp(
  config: WebConfig,
  options: WebModuleOptions = {},
): Promise<WebApp> {
  const tracer = tracingDisabled(config) ? undefined : trace.getTracer('observable-cluster-web');
  // Set once the metrics exist (below); the adapter's options need it first.
  let record: (
    request: FastifyRequest,
    route: string,
    status: number,
    ms: number,
    exemplar: string | undefined,
    replayed?: boolean,
  ) => void = () => undefined;
  const adapter = new FastifyAdapter({
    // The request's server span wraps everything fastify and Nest do for it, so every callback
    // and promise of the request sees it as the active span (AsyncLocalStorage).
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
      createServer(
        tracer
          ? (req: IncomingMessage, res: ServerResponse) => {
              if (isOperational(pathOf(req.url))) handler(req, res);
              else runInHttpServerSpan(tracer, req, res, () => handler(req, res));
            }
          : handler,
      ),
    // Idle keep-alive longer than any proxy's pool idle timeout (the gateway's, nginx's 60 s),
    // so the proxy, not us, closes idle connections and never races a request against our close.
    keepAliveTimeout: 65_000,
    requestTimeout: 30_000,
    // While draining, requests on open keep-alive connections are still served (with
    // `Connection: close`), not refused with fastify's own 503.
    return503OnClosing: false,
    // A path fastify cannot even decode (`GET /%`) is the client's mistake: the catalogue's
    // 400, never Nest's 500 (it would not reach the exception filter otherwise).
    // fastify answers these before routing, so no hook runs: the request is recorded here.
    frameworkErrors: (_error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      void reply.header('x-served-by', config.NODE_NAME);
      replyWithWebError(reply, new WebError('BAD_REQUEST'));
      record(request, 'unmatched', 400, reply.elapsedTime, undefined);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    WebModule.forRoot(config, options),
    adapter,
    { bufferLogs: true },
  );
  const logger = app.get(Logger);
  app.useLogger(logger);

  const shutdownState = app.get(ShutdownState);
  const metrics = new HttpServerMetrics(
    httpServerDurationHistogram(app.get<MetricsRegistry>(METRICS_REGISTRY)),
  );
  const requestLog = app.get<PinoLogger>(WEB_REQUEST_LOGGER);
  const node = config.NODE_NAME;
  const fastify = app.getHttpAdapter().getInstance();
  const EXEMPLAR = Symbol('exemplarTraceId');
  type Traced = { [EXEMPLAR]?: string };

  // Known paths and their methods, as Nest registers its routes (at listen()).
  const routes = new RouteMethods();
  fastify.addHook('onRoute', (route) => routes.add(route.url, route.method));

  fastify.addHook('onRequest', (request, reply, done) => {
    // Every response, errors included, says which node served it (the lab's way to see
    // balancing); while draining, clients are asked to reconnect elsewhere.
    void reply.header('x-served-by', node);
    if (shutdownState.isDraining) void reply.header('connection', 'close');
    const route = request.routeOptions.url;
    // The server span takes its name from the route (OTel: "{method} {http.route}"); the
    // exemplar's trace id is read now, while the request's span is surely the active one.
    if (route !== undefined) setHttpRoute(reply.raw, request.method, route);
    (request as Traced)[EXEMPLAR] = sampledTraceId();
    if (route === undefined) {
      // No route for this method: a path that has others is 405 with Allow, now, before the
      // body (never read) is parsed; else the 404 handler answers NOT_FOUND.
      const allow = routes.allowed(pathOf(request.url));
      if (allow.length > 0) {
        replyWithWebError(reply, new WebError('METHOD_NOT_ALLOWED', { allow }));
        return;
      }
    }
    done();
  });

  // Every request, once it is answered: its metric sample and its request line.
  // The line carries the gateway's `x-request-id` (its access-log line has the same), and says
  // when the answer was a replay of a hit counted before (issue #24).
  record = (request, route, status, ms, exemplar, replayed) => {
    metrics.observe(request.method, route, status, ms / 1000, exemplar);
    const path = pathOf(request.url);
    if (!isOperational(path))
      logRequest(requestLog, {
        method: request.method,
        path,
        userAgent: request.headers['user-agent'],
        status,
        durationMs: ms,
        // Built only when the line is written: at LOG_LEVEL=warn a 200 costs nothing here.
        extra: requestLog.isLevelEnabled(status >= 500 ? 'error' : 'info')
          ? requestLineExtra(request.headers['x-request-id'], replayed)
          : undefined,
      });
  };
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    record(
      request,
      route,
      reply.statusCode,
      reply.elapsedTime,
      (request as Traced)[EXEMPLAR],
      reply.hasHeader(REPLAYED_HEADER),
    );
    done();
  });

  await app.listen(config.PORT, config.HOST);
  const server: Server = app.getHttpServer();
  server.headersTimeout = 10_000;
  const { port } = server.address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;

  let stopping: Promise<boolean> | undefined;
  const shutdown = () => (stopping ??= drainAndClose(app, server, shutdownState, config));
  return { app, url: `http://${host}:${port}`, logger, shutdown };
}

/** The request line's fields beyond logRequest's own: the request id, and a replayed hit. */
function requestLineExtra(
  id: string | string[] | undefined,
  replayed: boolean | undefined,
): Record<string, string> | undefined {
  const line: Record<string, string> = {};
  if (typeof id === 'string') line.request_id = id;
  if (replayed) line.hit = 'replayed';
  return typeof id === 'string' || replayed ? line : undefined;
}

async function drainAndClose(
  app: NestFastifyApplication,
  server: Server,
  state: ShutdownState,
  config: WebConfig,
): Promise<boolean> {
  state.begin();
  if (config.SHUTDOWN_DELAY_MS > 0) await sleep(config.SHUTDOWN_DELAY_MS);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), config.SHUTDOWN_TIMEOUT_MS);
  });
  // app.close(): fastify closes the listener and its idle keep-alive connections at once, busy
  // ones after their response (which carries `Connection: close`), then module shutdown hooks
  // (Redis).
  const drained = await Promise.race([app.close().then(() => true as const), timedOut]);
  clearTimeout(timer);
  if (!drained) {
    server.closeAllConnections();
    await app.close().catch(() => undefined);
  }
  return drained;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
