import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  METRICS_REGISTRY,
  type MetricsRegistry,
  httpMetricsMiddleware,
  httpServerDurationHistogram,
  httpServerTracingMiddleware,
} from '@app/observability';
import { tracingDisabled } from '@app/observability/otel-config';
import { trace } from '@opentelemetry/api';
import { Logger } from 'nestjs-pino';
import type { WebConfig } from './config/web.config';
import { ShutdownState } from './lifecycle/shutdown.state';
import { WebModule, type WebModuleOptions } from './web.module';

export interface WebApp {
  readonly app: NestExpressApplication;
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

/** Build and start one web node. Used by main.ts and by the e2e tests (port 0). */
export async function startWebApp(
  config: WebConfig,
  options: WebModuleOptions = {},
): Promise<WebApp> {
  const app = await NestFactory.create<NestExpressApplication>(WebModule.forRoot(config, options), {
    bufferLogs: true,
  });
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.disable('x-powered-by');
  // Every GET / answers a new count: an ETag would only cost a hash per response.
  app.set('etag', false);

  // First, so the server span covers every later middleware. Probes (every gateway health
  // check) and scrapes are not traffic worth a trace. With tracing off, not even a no-op span.
  if (!tracingDisabled(config))
    app.use(
      httpServerTracingMiddleware(
        trace.getTracer('observable-cluster-web'),
        (path) => path === '/metrics' || path.startsWith('/health/'),
      ),
    );

  const shutdownState = app.get(ShutdownState);
  const node = config.NODE_NAME;
  // Every response, errors included, says which node served it (the lab's way to see balancing).
  app.use(
    (_req: unknown, res: { setHeader(name: string, value: string): void }, next: () => void) => {
      res.setHeader('x-served-by', node);
      if (shutdownState.isDraining) res.setHeader('Connection', 'close');
      next();
    },
  );
  app.use(
    httpMetricsMiddleware(httpServerDurationHistogram(app.get<MetricsRegistry>(METRICS_REGISTRY))),
  );

  const server: Server = app.getHttpServer();
  // Idle keep-alive longer than any proxy's pool idle timeout (the gateway's, nginx's 60 s), so
  // the proxy, not us, closes idle connections and never races a request against our close.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  await app.listen(config.PORT, config.HOST);
  const { port } = server.address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;

  let stopping: Promise<boolean> | undefined;
  const shutdown = () => (stopping ??= drainAndClose(app, server, shutdownState, config));
  return { app, url: `http://${host}:${port}`, logger, shutdown };
}

async function drainAndClose(
  app: NestExpressApplication,
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
  // app.close(): server.close() (idle keep-alive sockets are closed at once, busy ones after
  // their response, which carries `Connection: close`), then module shutdown hooks (Redis).
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
