import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { MetricsModule, createJsonLogger, loggingModule } from '@app/observability';
import { RedisModule } from '@app/redis';
import type { DestinationStream } from 'pino';
import { WEB_CONFIG, type WebConfig } from './config/web.config';
import { WebErrorFilter } from './errors/web-errors';
import { HealthController } from './health/health.controller';
import { HitPipeline } from './hits/hit.pipeline';
import { HitsController } from './hits/hits.controller';
import { ShutdownState } from './lifecycle/shutdown.state';
import { WebMetrics } from './metrics/web.metrics';

/** Injection token for the pino logger the web node writes its request lines with. */
export const WEB_REQUEST_LOGGER = 'WEB:REQUEST_LOGGER';

export interface WebModuleOptions {
  /** Where JSON log lines go (stdout by default); tests read them from a stream. */
  logDestination?: DestinationStream;
}

/** The web node, built from an already-validated configuration. */
@Module({})
export class WebModule {
  static forRoot(config: WebConfig, options: WebModuleOptions = {}): DynamicModule {
    const logger = createJsonLogger({
      level: config.LOG_LEVEL,
      base: { service: config.OTEL_SERVICE_NAME, node: config.NODE_NAME },
      destination: options.logDestination,
    });
    return {
      module: WebModule,
      imports: [
        // Request lines come from a fastify hook (web.app.ts), not pino-http middleware.
        loggingModule({ logger, httpMiddleware: false }),
        TerminusModule.forRoot({ logger: false }),
        MetricsModule.forRoot(),
        RedisModule.forRoot({
          url: config.REDIS_URL,
          connectionName: `web:${config.NODE_NAME}`,
          commandTimeoutMs: config.REDIS_TIMEOUT_MS,
        }),
      ],
      controllers: [HitsController, HealthController],
      providers: [
        { provide: WEB_CONFIG, useValue: config },
        { provide: WEB_REQUEST_LOGGER, useValue: logger },
        { provide: APP_FILTER, useClass: WebErrorFilter },
        WebMetrics,
        HitPipeline,
        ShutdownState,
      ],
    };
  }
}
